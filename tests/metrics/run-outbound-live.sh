#!/bin/bash
# run-outbound-live.sh - the outgoing-mail checks of a running dkimguard,
# with a real unbound answering the SPF records:
#   OutboundAddresses 192.0.2.25; the first message from a MAIL FROM
#   domain logs spf=pending at once (no DNS wait: it is answered in well
#   under the DNS timeout), later ones the cached verdict (pass for
#   pass.example, fail for fail.example, softfail, permerror for two
#   records), the verdicts counted in dkimguard_outbound_spf_total, and
#   the SPF failures predicted outlook=no (Outlook's sender requirements,
#   /healthz degraded with that reason);
#   an unaligned message (From: other.example signed d=a.example) logs
#   aligned=no, raises the rate-limited warning, is counted in
#   dkimguard_outbound_alignment_total and makes /healthz degraded
#   with the reason; OnUnaligned tempfail then refuses it for now.
# Exit 0 pass, 1 fail, 77 skip (not built, no curl/openssl/unbound).
# Ports: from $DKIMGUARD_TEST_PORTS ("LO-HI"), default 24000-24999.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MILTER=$ROOT/milter/dkimguard
LOADGEN=$ROOT/bench/loadgen
W=$(mktemp -d /tmp/outbound-live.XXXXXX)
export DKIMGUARD_TEST_PORTS=${DKIMGUARD_TEST_PORTS:-24000-24999}
DG=""
fails=0
. "$ROOT/tests/e2e/lib/dns.sh"

cleanup() {
	[ -n "$DG" ] && { kill "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	dns_stop
	rm -rf "$W"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

[ -x "$MILTER" ] && [ -x "$LOADGEN" ] || skip "milter/dkimguard or bench/loadgen not built"
command -v curl >/dev/null || skip "curl not installed (apt-get install curl)"
command -v openssl >/dev/null || skip "openssl not installed"
dns_have || skip "unbound or python3-dnspython not installed"

# --- DNS: SPF records on a real unbound
DNSPORT=$(dns_free_port) || skip "no free port"
dns_start "$W/dns" "$DNSPORT" || { echo "FAIL: unbound did not start"; exit 1; }
DNS_TTL=300
for z in pass.example fail.example soft.example two.example; do dns_zone $z; done
dns_set pass.example "v=spf1 ip4:192.0.2.0/24 -all"
dns_set fail.example "v=spf1 ip4:198.51.100.0/24 -all"
dns_set soft.example "v=spf1 ~all"
dns_set two.example "v=spf1 -all"
dns_add two.example "v=spf1 +all"
dns_reload

# --- keys, tables, configuration
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$W/a.key" 2>/dev/null || skip "openssl genpkey failed"
chmod 600 "$W/a.key"
echo 'ka  a.example  s1  a.key' >"$W/keytable"
printf 'a.example  ka\nother.example  ka\n' >"$W/signingtable"
printf 's1._domainkey.a.example\tv=DKIM1; k=rsa; p=%s\n' \
	"$(openssl pkey -in "$W/a.key" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$W/dns.tsv"
PORT=$(dns_free_port) || skip "no free port"
conf() {	# conf ONUNALIGNED
	cat <<CONF
Socket                unix:$W/sock
SocketMode            0600
PidFile               $W/pid
KeyTable              keytable
SigningTable          signingtable
TestKeys              dns.tsv
Nameservers           127.0.0.1:$DNSPORT
OutboundAddresses     192.0.2.25
OnUnaligned           $1
AuthservID            live.test
LogLevel              info
MetricsListen         127.0.0.1:$PORT
CONF
}
start() {
	conf "$1" >"$W/dkimguard.conf"
	rm -f "$W/sock"
	"$MILTER" -f -c "$W/dkimguard.conf" 2>"$W/log" &
	DG=$!
	for _ in $(seq 100); do
		[ -S "$W/sock" ] && curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0
		sleep 0.1
	done
	cat "$W/log"
	echo "FAIL: dkimguard did not start"
	exit 1
}
stop() { kill "$DG"; wait "$DG" 2>/dev/null; DG=""; }

msg() {	# msg FROM_DOMAIN FILE
	printf 'From: Alice <alice@%s>\r\nTo: bob@example.org\r\nSubject: t\r\nDate: %s\r\nMessage-ID: <%s@x>\r\n\r\nHello.\r\n' \
		"$1" "$(date -R)" "$RANDOM$RANDOM" >"$2"
}
send() {	# send FILE ENVFROM QID -> ACTION on stdout
	"$LOADGEN" --one -S "unix:$W/sock" -m "$1" --client-addr 127.0.0.1 \
		--from "$2" --rcpt bob@example.org --queue-id "$3" \
		>"$W/out.eml" 2>"$W/lg.err"
	sed -n 's/^ACTION=\([a-z]*\).*/\1/p' "$W/lg.err"
}
field() {	# field QID NAME: the value in the message's log line
	grep "info: qid=$1 " "$W/log" | tail -n1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

start warn
msg a.example "$W/m.eml"
t0=$(date +%s%N)
send "$W/m.eml" alice@pass.example Q1 >/dev/null
ms=$((($(date +%s%N) - t0) / 1000000))
sleep 0.2
[ "$(field Q1 spf)" = pending ] && ok "first message from pass.example: spf=pending in $ms ms" ||
	bad "first message: spf=$(field Q1 spf)"
[ "$(field Q1 aligned)" = yes ] && ok "aligned=yes" || bad "aligned=$(field Q1 aligned)"
# the verdict arrives from the background (a few ms against unbound):
# pass.example's is cached by now, the other three domains are new
sleep 1
for d in pass fail soft two; do
	send "$W/m.eml" "bob@$d.example" "P$d" >/dev/null
done
sleep 1
for d in pass:pass fail:fail soft:softfail two:permerror; do
	send "$W/m.eml" "carol@${d%%:*}.example" "C${d%%:*}" >/dev/null
	got=$(field "C${d%%:*}" spf)
	[ "$got" = "${d#*:}" ] && ok "${d%%:*}.example from the cache: spf=$got" ||
		bad "${d%%:*}.example: spf=$got, want ${d#*:}"
done
# all mail aligns, but SPF failed for some: Outlook will refuse those
h=$(curl -s "http://127.0.0.1:$PORT/healthz")
! grep -q 'unaligned mail' <<<"$h" && ok "/healthz: no unaligned-mail reason while all mail aligns" ||
	bad "/healthz: $h"
grep -q "mail Outlook will refuse: .*reason=spf: SPF" <<<"$h" &&
	ok "/healthz degraded by mail Outlook will refuse (SPF)" || bad "/healthz: $h"
[ "$(field Cfail outlook)" = no ] && [ "$(field Cpass outlook)" != no ] &&
	ok "outlook=no for fail.example (outlook_why=$(grep 'qid=Cfail ' "$W/log" | sed -n 's/.*outlook_why="\([^"]*\)".*/\1/p'))" ||
	bad "outlook: fail.example $(field Cfail outlook), pass.example $(field Cpass outlook)"

msg other.example "$W/u.eml"
[ "$(send "$W/u.eml" alice@pass.example U1)" = accept ] && ok "OnUnaligned warn: accepted" || bad "unaligned not accepted"
[ "$(field U1 aligned)" = no ] && [ "$(field U1 align_reason)" = other_org ] &&
	ok "aligned=no align_reason=other_org" || bad "unaligned log: $(grep 'qid=U1 ' "$W/log")"
grep -q 'warning: unaligned mail alert: 1 message since start-up .* qid=U1 from_domain=other.example d=a.example reason=other_org' "$W/log" &&
	ok "unaligned-mail warning logged" || bad "no unaligned warning"
send "$W/u.eml" alice@pass.example U2 >/dev/null
[ "$(grep -c 'unaligned mail alert' "$W/log")" = 1 ] && ok "second one only counted (rate limit)" ||
	bad "warnings: $(grep -c 'unaligned mail alert' "$W/log")"
h=$(curl -s "http://127.0.0.1:$PORT/healthz")
[ "$(head -n1 <<<"$h")" = degraded ] && grep -q 'unaligned mail: 2 messages' <<<"$h" &&
	ok "/healthz degraded: $(sed -n 2p <<<"$h" | head -c 90)" || bad "/healthz: $h"
curl -s "http://127.0.0.1:$PORT/metrics" >"$W/scrape"
for want in \
	'dkimguard_outbound_alignment_total{domain="a.example",result="other_org"} 2' \
	'dkimguard_outbound_alignment_total{domain="a.example",result="aligned"} 9' \
	'dkimguard_outbound_spf_total{domain="a.example",result="pending"} 4' \
	'dkimguard_outbound_spf_total{domain="a.example",result="pass"} 4' \
	'dkimguard_outbound_spf_total{domain="a.example",result="fail"} 1' \
	'dkimguard_outbound_spf_total{domain="a.example",result="softfail"} 1' \
	'dkimguard_outbound_spf_total{domain="a.example",result="permerror"} 1'; do
	grep -qxF "$want" "$W/scrape" && ok "$want" || bad "metrics: want $want; have: $(grep outbound_ "$W/scrape" | grep -v '^#' | tr '\n' ' ')"
done
stop

start tempfail
[ "$(send "$W/u.eml" alice@pass.example T1)" = tempfail ] && ok "OnUnaligned tempfail: tempfail" || bad "OnUnaligned tempfail: $(cat "$W/lg.err")"
[ "$(send "$W/m.eml" alice@pass.example T2)" = accept ] && ok "aligned mail still accepted" || bad "aligned mail refused"
stop

[ $fails = 0 ] && { echo "run-outbound-live: all passed"; exit 0; }
echo "run-outbound-live: $fails failed"
exit 1
