#!/bin/bash
# run-verify-budget.sh - one message's key lookups against nameservers
#	that never answer, with the built daemon driven by bench/loadgen:
#   1. a message with 8 DKIM signatures (8 domains), two silent
#      nameservers, 2 s per try and one retry (8 s per lookup: 64 s when
#      the lookups ran one after the other, past Postfix's 60 s
#      milter_content_timeout) gets its verdict within DNSMessageBudget
#      (5 s here): 8 x dkim=temperror, each saying the budget ran out;
#   2. a message to sign, sent 1 s into that wait, is signed at once;
#   3. once the lookups have timed out in the background, the next
#      message with the same signatures gets its temperror at once from
#      the cache (DNSTempErrorCache), saying "no reply ... in time";
#   4. the other failure kinds reach the verdict as what they are: a
#      nameserver port where nothing listens ("refused the connection"),
#      and a server answering SERVFAIL ("answered SERVFAIL"), with no
#      claim of the other.
# Exit 0 pass, 1 fail, 77 skip (not built, no openssl or python3).
# Ports: from DKIMGUARD_TEST_PORTS ("LO-HI") when set (tests/e2e/lib/dns.sh).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MILTER=$ROOT/milter/dkimguard
LOADGEN=$ROOT/bench/loadgen
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. "$ROOT/tests/e2e/lib/dns.sh"
W=$(mktemp -d /tmp/dkimguard-vbudget.XXXXXX)
DNS_DIR=$W
DG=""
fails=0
BUDGET=5
NSIG=8

cleanup() {
	[ -n "$DG" ] && { kill -TERM "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	dns_stop
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

[ -x "$MILTER" ] && [ -x "$LOADGEN" ] || skip "milter/dkimguard or bench/loadgen not built"
command -v openssl >/dev/null || skip "openssl not installed"
[ -x "$DNS_PY" ] || skip "needs /usr/bin/python3"

# ---- a signing key (the guard is off: signing asks no DNS here) -------------
openssl genpkey -algorithm ed25519 -out "$W/k.key" 2>/dev/null || skip "openssl genpkey failed"
chmod 600 "$W/k.key"
printf 'k1  sign.example  s1  k.key\n' >"$W/keytable"
printf 'sign.example  k1\n' >"$W/signingtable"
printf 'From: a@sign.example\nTo: b@example.net\nSubject: out\n\nbody\n' >"$W/in-sign.eml"

# ---- an incoming message with NSIG signatures of NSIG domains ----------------
{
	for i in $(seq 1 $NSIG); do
		printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=d%s.example;\n' "$i"
		printf '\ts=sel; h=from:to:subject; bh=%s;\n\tb=%s\n' \
			"$(openssl rand -base64 32)" "$(openssl rand -base64 256 | tr -d '\n')"
	done
	printf 'From: x@d1.example\nTo: b@sign.example\nSubject: in\n\nbody\n'
} >"$W/in-verify.eml"

# conf NAMESERVERS - the configuration with those nameservers
conf() {
	cat >"$W/dkimguard.conf" <<CONF
Socket            unix:$W/sock
SocketMode        0600
PidFile           $W/pid
KeyTable          keytable
SigningTable      signingtable
Guard             no
Nameservers       $1
DNSTimeoutMs      2000
DNSRetries        1
DNSMessageBudget  $BUDGET
DNSTempErrorCache 30
LogLevel          info
CONF
}

# start - the daemon in the foreground, log in $W/log; waits for the socket
start() {
	rm -f "$W/sock"
	: >"$W/log"
	"$MILTER" -f -c "$W/dkimguard.conf" >"$W/log" 2>&1 &
	DG=$!
	for _ in $(seq 100); do [ -S "$W/sock" ] && return 0; sleep 0.1; done
	echo "FAIL: dkimguard did not start: $(cat "$W/log")"
	exit 1
}
stop() { kill -TERM "$DG"; wait "$DG" 2>/dev/null; DG=""; }

# one TAG ADDR MSG - one message; output $W/TAG.eml, action $W/TAG.act,
# milliseconds in $W/TAG.ms
one() {
	local t0
	t0=$(date +%s%N)
	"$LOADGEN" --one -S "unix:$W/sock" -m "$3" --client-addr "$2" -t 120 \
		>"$W/$1.eml" 2>"$W/$1.act"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$W/$1.ms"
}

# ar_count TAG TEXT - Authentication-Results entries of TAG with TEXT
ar_count() {
	awk '/^Authentication-Results:/{f=1} f&&/^[^ \t]/&&!/^Authentication-Results:/{f=0} f' \
		"$W/$1.eml" | tr -d '\r\n\t' | grep -o "$2" | wc -l
}

# ---- 1 and 2: silent nameservers ---------------------------------------------
ns1=$(dns_free_port) && dns_blackhole "$ns1" || skip "no free port"
ns2=$(dns_free_port) && dns_blackhole "$ns2" || skip "no free port"
conf "127.0.0.1:$ns1, 127.0.0.1:$ns2"
start
one verify 192.0.2.25 "$W/in-verify.eml" &
vpid=$!
sleep 1
one sign 127.0.0.1 "$W/in-sign.eml"
wait "$vpid"
vms=$(cat "$W/verify.ms") sms=$(cat "$W/sign.ms")
n=$(ar_count verify 'dkim=temperror')
if [ "$vms" -ge $((BUDGET * 1000 - 500)) ] && [ "$vms" -le $((BUDGET * 1000 + 2500)) ] &&
	[ "$n" = $NSIG ]; then
	ok "$NSIG signatures, 2 silent nameservers (8 s a lookup, $((NSIG * 8)) s in series): verdict after $vms ms (budget ${BUDGET} s), $n x dkim=temperror"
else
	bad "verify: $vms ms (budget ${BUDGET} s), $n of $NSIG temperror; $(cat "$W/verify.act")"
fi
nb=$(grep -c "verify: dkim=temperror .*DNS time budget (DNSMessageBudget) ran out" "$W/log")
[ "$nb" = $NSIG ] && ok "each of the $NSIG log lines says the budget ran out" ||
	bad "$nb of $NSIG log lines name the budget: $(grep 'verify: dkim' "$W/log" | head -n 2)"
if [ "$sms" -lt 1000 ] && grep -q '^DKIM-Signature:' "$W/sign.eml"; then
	ok "a message signed meanwhile took $sms ms (sent 1 s into the wait)"
else
	bad "signing meanwhile: $sms ms, $(cat "$W/sign.act")"
fi

# ---- 3: the timeouts, cached --------------------------------------------------
sleep $((8 - BUDGET + 2)) # the background lookups end 8 s after they began
one again 192.0.2.25 "$W/in-verify.eml"
ams=$(cat "$W/again.ms")
n=$(ar_count again 'dkim=temperror')
nt=$(grep -c "verify: dkim=temperror .*no reply from the nameserver in time" "$W/log")
if [ "$ams" -lt 1000 ] && [ "$n" = $NSIG ] && [ "$nt" = $NSIG ]; then
	ok "the same signatures again: $n x temperror after $ams ms, from the cached timeouts, said as 'no reply ... in time'"
else
	bad "again: $ams ms, $n temperror, $nt log lines saying timeout; $(grep 'verify: dkim' "$W/log" | tail -n 1)"
fi
stop

# ---- 4: a refused connection, a SERVFAIL answer ------------------------------
closed=$(dns_free_port)
conf "127.0.0.1:$closed"
start
one refused 192.0.2.25 "$W/in-verify.eml"
nr=$(grep -c "verify: dkim=temperror .*refused the connection" "$W/log")
ns=$(grep -c "verify: dkim=temperror .*SERVFAIL" "$W/log")
[ "$nr" = $NSIG ] && [ "$ns" = 0 ] && [ "$(cat "$W/refused.ms")" -lt 1000 ] &&
	ok "nothing listening at the nameserver: said as a refused connection ($(cat "$W/refused.ms") ms)" ||
	bad "refused connection: $nr lines say refused, $ns say SERVFAIL: $(grep 'verify: dkim' "$W/log" | head -n 1)"
stop
sf=$(dns_free_port) && dns_responder "$sf" servfail
conf "127.0.0.1:$sf"
start
one servfail 192.0.2.25 "$W/in-verify.eml"
ns=$(grep -c "verify: dkim=temperror .*the nameserver answered SERVFAIL" "$W/log")
nr=$(grep -c "verify: dkim=temperror .*refused" "$W/log")
[ "$ns" = $NSIG ] && [ "$nr" = 0 ] &&
	ok "a server answering SERVFAIL: said as SERVFAIL, not as refused" ||
	bad "SERVFAIL: $ns lines say SERVFAIL, $nr say refused: $(grep 'verify: dkim' "$W/log" | head -n 1)"
stop

if [ "$fails" != 0 ]; then
	echo "run-verify-budget: $fails failures"
	exit 1
fi
echo "run-verify-budget: all passed"
exit 0
