#!/bin/bash
# run-guard-restart.sh - the guard through start-up and restart while DNS
#			 is down, against a real DNS server (unbound on
#			 127.0.0.1, tests/e2e/lib/dns.sh) and the built
#			 daemon, messages played by bench/loadgen --one.
#
# Keys (key table): k-rsa (RSA, rsa._domainkey.restart.test) and k-ed
# (Ed25519, ed._domainkey.restart.test) both published; k-fresh
# (f1._domainkey.fresh.test) never published, so never valid.  Signing
# table: restart.test -> k-rsa k-ed, fresh.test -> k-fresh, both.test ->
# k-rsa k-fresh.  Every key's action is tempfail (the default).
#
# What it proves, one daemon and one state file (GuardStateFile) all along:
#   1. started with no server on the nameserver's port, and then with a
#      server answering SERVFAIL there (reload): keys never seen valid
#      follow their action (451), nothing is signed;
#   2. unbound comes up on that port (reload): restart.test is signed by
#      both keys and dkimpy verifies them against the zone; fresh.test
#      (record missing) still gets 451; both.test loses only k-fresh's
#      signature (GuardDropInvalid) and leaves signed by k-rsa; the state
#      file then names k-rsa and k-ed, not k-fresh;
#   3. restart with DNS down (no server, then SERVFAIL): the keys valid at
#      their last check keep signing (the log says "within grace until
#      ... UTC, then tempfail", never "action tempfail" for them), their
#      signatures verify with dkimpy against the zone's records; k-fresh
#      still follows its action; both.test still leaves signed by k-rsa;
#      dkimguard -n shows the grace under the key's table row;
#   4. a corrupt state file (a bad second line) and a foreign one: a
#      warning naming FILE:LINE, and every key is as never seen (451).
# Exit: 0 pass, 77 skipped (reason printed), else fail.  Ports come from
# DKIMGUARD_TEST_PORTS (LO-HI) when set.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. "$here/lib/dns.sh"

MILTER=$top/milter/dkimguard
LOADGEN=$top/bench/loadgen
DKIMPY=$top/tests/interop/dkimpy_tool.py
fails=0 checks=0 DG=""
skip() { echo "run-guard-restart: SKIPPED: $*"; exit 77; }
ok() { checks=$((checks + 1)); echo "ok: $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

[ -x "$MILTER" ] && [ -x "$LOADGEN" ] || skip "milter/dkimguard or bench/loadgen not built (make all)"
dns_have || skip "needs unbound and python3-dnspython (apt-get install unbound python3-dnspython)"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || skip "needs python3-dkim"
command -v openssl >/dev/null || skip "needs openssl"

W=$(mktemp -d /tmp/guard-restart.XXXXXX) || exit 1
cleanup() {
	[ -n "$DG" ] && { kill -KILL "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	dns_stop
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
mkdir -m 700 "$W/keys" && mkdir "$W/out"

# ---- keys and tables
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/rsa.key" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$W/keys/ed.key" 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/fresh.key" 2>/dev/null ||
	skip "openssl genpkey failed"
chmod 600 "$W"/keys/*.key
p_rsa=$(openssl pkey -in "$W/keys/rsa.key" -pubout -outform DER | base64 -w0)
p_ed=$(openssl pkey -in "$W/keys/ed.key" -pubout -outform DER | tail -c 32 | base64 -w0)
cat >"$W/keytable" <<KT
k-rsa    restart.test  rsa  keys/rsa.key
k-ed     restart.test  ed   keys/ed.key
k-fresh  fresh.test    f1   keys/fresh.key
KT
cat >"$W/signingtable" <<ST
restart.test  k-rsa k-ed
fresh.test    k-fresh
both.test     k-rsa k-fresh
ST

port=$(dns_free_port)
[ -n "$port" ] || skip "no free port in ${DKIMGUARD_TEST_PORTS:-the default range}"
STATE=$W/guard.state
cat >"$W/dkimguard.conf" <<CONF
Socket          unix:$W/sock
SocketMode      0600
PidFile         $W/pid
KeyTable        keytable
SigningTable    signingtable
InternalHosts   127.0.0.0/8
Nameservers     127.0.0.1:$port
DNSTimeoutMs    400
DNSRetries      0
LogLevel        info
GuardStateFile  $STATE
CONF
if [ "$(id -u)" != 0 ]; then
	echo "UserID          $(id -un)" >>"$W/dkimguard.conf"
fi

# ---- the daemon
start() {
	rm -f "$W/sock"
	"$MILTER" -f -c "$W/dkimguard.conf" >>"$W/log" 2>&1 &
	DG=$!
	for _ in $(seq 150); do
		[ -S "$W/sock" ] && return 0
		kill -0 "$DG" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAIL: dkimguard did not start:"; tail -n 20 "$W/log"
	exit 1
}
stop() {
	[ -n "$DG" ] || return
	kill -TERM "$DG"; wait "$DG" 2>/dev/null; DG=""
}
# reload - SIGHUP, wait for the next "reloaded" line
reload() {
	local n
	n=$(grep -c 'notice: reloaded' "$W/log")
	kill -HUP "$DG"
	for _ in $(seq 150); do
		(($(grep -c 'notice: reloaded' "$W/log") > n)) && return 0
		sleep 0.1
	done
	bad "no reload"; return 1
}
# mark - where the log stands (later greps look after it)
mark() { MARK=$(wc -l <"$W/log"); }
since() { tail -n +$((MARK + 1)) "$W/log"; }

# send TAG DOMAIN - one message from a@DOMAIN; $W/out/TAG.eml is what
# leaves, the verdict word is printed (accept, tempfail, ...)
send() {
	cat >"$W/out/$1.in" <<MSG
From: A <a@$2>
To: B <b@example.org>
Subject: guard restart $1
Date: $(date -R)
Message-ID: <$1.$$@$2>

Hello,
message $1.
MSG
	"$LOADGEN" --one -S "unix:$W/sock" -m "$W/out/$1.in" --client-addr 127.0.0.1 \
		>"$W/out/$1.eml" 2>"$W/out/$1.action"
	sed -n 's/^ACTION=\([a-z]*\).*/\1/p' "$W/out/$1.action" | head -n 1
}
nsigs() { grep -c '^DKIM-Signature:' "$W/out/$1.eml"; }
# verified TAG - how many signatures of TAG pass with dkimpy against the
# records fetched from the zone ($W/dns.tsv)
verified() {
	/usr/bin/python3 "$DKIMPY" verify "$W/dns.tsv" "$W/out/$1.eml" | grep -c $'\tpass\t'
}
# expect TAG DOMAIN VERDICT NSIGS WHAT
expect() {
	local v n
	v=$(send "$1" "$2")
	n=$(nsigs "$1")
	if [ "$v" = "$3" ] && [ "$n" = "$4" ]; then
		ok "$5: $2 -> $v, $n signature(s)"
	else
		bad "$5: $2 -> '$v' with $n signature(s), want $3 with $4 ($(head -n 1 "$W/out/$1.action"))"
	fi
}
# expect_verified TAG N WHAT
expect_verified() {
	local n
	n=$(verified "$1")
	[ "$n" = "$2" ] && ok "$3: dkimpy verifies $n of $2 against the zone" ||
		bad "$3: dkimpy verifies $n, want $2: $(/usr/bin/python3 "$DKIMPY" verify "$W/dns.tsv" "$W/out/$1.eml")"
}
# servfail_up / servfail_down - a server answering SERVFAIL on $port
servfail_up() { dns_responder "$port" servfail; SF_PID=${DNS_PIDS##* }; }
servfail_down() { kill "$SF_PID" 2>/dev/null; wait "$SF_PID" 2>/dev/null; sleep 0.2; }

# ---- 1. start with DNS down: nothing on the port, then SERVFAIL
start
expect down1 restart.test tempfail 0 "start, no DNS server, never seen"
expect down1f fresh.test tempfail 0 "start, no DNS server, never seen"
[ -s "$STATE" ] && grep -q '^restart.test' "$STATE" &&
	bad "the state file names a key never seen valid: $(cat "$STATE")" ||
	ok "no key is kept as good before a good check"
mkdir -p "$W/dns"
DNS_DIR=$W/dns
servfail_up
mark
reload
expect sf1 restart.test tempfail 0 "DNS answers SERVFAIL, never seen"
since | grep -q 'action tempfail' && ok "never seen: the log says 'action tempfail'" ||
	bad "never seen: no 'action tempfail' in the log"

# ---- 2. DNS comes up on the same port
servfail_down
dns_start "$W/dns" "$port" || { bad "unbound did not start"; exit 1; }
dns_zone restart.test
dns_zone fresh.test
dns_set rsa._domainkey.restart.test "v=DKIM1; k=rsa; " "p=${p_rsa:0:200}" "${p_rsa:200}"
dns_set ed._domainkey.restart.test "v=DKIM1; k=ed25519; p=$p_ed"
dns_reload
# the records as the zone serves them, for dkimpy (also once DNS is down)
/usr/bin/python3 - "$port" >"$W/dns.tsv" <<'PY'
import sys, dns.message, dns.query
for name in ("rsa._domainkey.restart.test", "ed._domainkey.restart.test"):
    q = dns.message.make_query(name, "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=2)
    for rr in r.answer:
        for txt in rr:
            print("%s\t%s" % (name, b"".join(txt.strings).decode()))
PY
[ "$(wc -l <"$W/dns.tsv")" = 2 ] && ok "the zone serves both records" ||
	bad "records fetched from the zone: $(cat "$W/dns.tsv")"
reload
expect up1 restart.test accept 2 "DNS up"
expect_verified up1 2 "DNS up"
expect up1f fresh.test tempfail 0 "DNS up, record missing: its action"
mark
expect up1b both.test accept 1 "DNS up, one of two keys not valid"
grep -q '^DKIM-Signature:.*s=rsa;' "$W/out/up1b.eml" && since | grep -q 'd=fresh.test s=f1 dropped' &&
	since | grep -q 'sig1_d=fresh.test sig1_s=f1 .*sig1_result=dropped' &&
	ok "GuardDropInvalid: k-fresh's signature dropped (log line and message line say so), k-rsa's kept" ||
	bad "GuardDropInvalid: $(since | grep -E 'dropped|qid=' | tail -n 2)"
expect_verified up1b 1 "DNS up, drop"
for _ in $(seq 50); do
	grep -q '^restart.test ed ' "$STATE" 2>/dev/null && break
	sleep 0.1
done
grep -q '^restart.test rsa [0-9]* v=DKIM1' "$STATE" && grep -q '^restart.test ed ' "$STATE" &&
	! grep -q '^fresh.test' "$STATE" &&
	ok "the state file keeps k-rsa and k-ed, not k-fresh" ||
	bad "state file: $(cat "$STATE" 2>&1)"
ls -a "$W" | grep -q '\.tmp$' && bad "a temporary file was left beside the state file"

# ---- 3. restart with DNS down after the good run
stop
dns_stop
mark
start
since | grep -q '2 key(s) restored from' && ok "restart: 2 keys restored from $STATE" ||
	bad "restart: $(since | grep -i 'guard' | head -n 5)"
since | grep -q 'd=restart.test s=rsa: dns-temperror.*within grace until [0-9:]* UTC, then tempfail' &&
	! since | grep -q 'd=restart.test s=[a-z]*: .*action tempfail' &&
	ok "restart: the log says 'within grace until ... UTC, then tempfail' for the valid keys" ||
	bad "restart log: $(since | grep 'guard: d=' | head -n 3)"
expect rs1 restart.test accept 2 "restart, no DNS server, valid at the last check"
expect_verified rs1 2 "restart, no DNS server"
expect rs1f fresh.test tempfail 0 "restart, no DNS server, never valid: its action"
expect rs1b both.test accept 1 "restart, no DNS server, drop the never valid key"
expect_verified rs1b 1 "restart, no DNS server, drop"
stop
"$MILTER" -n -c "$W/dkimguard.conf" >"$W/check.out" 2>&1
grep -A1 '^restart.test *rsa *dns-temperror' "$W/check.out" | grep -q 'within grace until [0-9:]* UTC, then tempfail' &&
	ok "dkimguard -n with DNS down shows k-rsa within grace" ||
	bad "dkimguard -n: $(cat "$W/check.out")"
servfail_up
start
expect rs2 restart.test accept 2 "restart, DNS answers SERVFAIL, valid at the last check"
expect_verified rs2 2 "restart, SERVFAIL"
expect rs2f fresh.test tempfail 0 "restart, SERVFAIL, never valid"
stop

# ---- 4. a corrupt state file, then a foreign one
for kind in corrupt foreign; do
	if [ $kind = corrupt ]; then
		{ head -n 1 "$STATE"; echo "restart.test rsa yesterday v=DKIM1; p=x"; } >"$STATE.new"
		line=2
	else
		printf 'some other program\n' >"$STATE.new"
		line=1
	fi
	mv "$STATE.new" "$STATE"
	mark
	start
	since | grep -q "warning: $STATE:$line: not a dkimguard guard state line" &&
		ok "$kind state file: warning names $STATE:$line" ||
		bad "$kind state file: $(since | grep -i state | head -n 3)"
	expect "bad$kind" restart.test tempfail 0 "$kind state file: as never seen"
	stop
done

echo "run-guard-restart: $checks checks, $fails failed"
[ "$fails" = 0 ] && [ "$checks" -ge 28 ] # fewer: a step did not run
