#!/bin/bash
# run-metrics-live.sh - a running dkimguard seen through its metrics:
#   a known mix of messages (signed, verified pass and fail, internal mail
#   matching no signing rule) played by bench/loadgen --one; the scraped
#   counters equal what was sent, in /metrics and in MetricsFile; the
#   per-message log line; /healthz ok, then degraded when one key's record
#   is broken (TestKeys rewritten + SIGHUP) with GuardAction unsigned,
#   which also fires the unsigned-mail alert, then ok again when fixed;
#   bad requests (unknown path, POST, 100 KB request line) get clean
#   errors and mail keeps flowing; a non-loopback MetricsListen is refused.
# Exit 0 pass, 1 fail, 77 skip (not built, no curl or openssl).
# Ports: 24000-24999, or $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MILTER=$ROOT/milter/dkimguard
LOADGEN=$ROOT/bench/loadgen
W=$(mktemp -d /tmp/metrics-live.XXXXXX)
PORTS=${DKIMGUARD_TEST_PORTS:-24000-24999}
PORT=$((${PORTS%-*} + $$ % (${PORTS#*-} - ${PORTS%-*} + 1)))
DG=""
fails=0

cleanup() {
	[ -n "$DG" ] && { kill "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

[ -x "$MILTER" ] && [ -x "$LOADGEN" ] || skip "milter/dkimguard or bench/loadgen not built"
command -v curl >/dev/null || skip "curl not installed (apt-get install curl)"
command -v openssl >/dev/null || skip "openssl not installed"

# --- keys, records, tables, configuration
for d in a b; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/$d.key" 2>/dev/null || skip "openssl genpkey failed"
	chmod 600 "$W/$d.key"
	printf 'k%s  %s.example  s1  %s.key\n' "$d" "$d" "$d" >>"$W/keytable"
	printf '%s.example  k%s\n' "$d" "$d" >>"$W/signingtable"
done
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$W/other.key" 2>/dev/null
pub() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
records() {	# records B_KEY: a.example always right, b.example from B_KEY
	printf 's1._domainkey.a.example\tv=DKIM1; k=rsa; p=%s\n' "$(pub "$W/a.key")"
	printf 's1._domainkey.b.example\tv=DKIM1; k=rsa; p=%s\n' "$(pub "$1")"
}
records "$W/b.key" >"$W/dns.tsv"
# a DMARC policy each (TestZone answers the outgoing mail's DMARC lookups):
# without one Outlook's rules are not met and /healthz says so, which
# tests/metrics/run-outbound-live.sh tests
printf '_dmarc.a.example TXT v=DMARC1; p=none\n_dmarc.b.example TXT v=DMARC1; p=none\n' >"$W/zone.txt"
conf() {	# conf LISTEN
	cat <<CONF
Socket                unix:$W/sock
SocketMode            0600
PidFile               $W/pid
KeyTable              keytable
SigningTable          signingtable
TestKeys              dns.tsv
TestZone              zone.txt
GuardAction           unsigned
AuthservID            live.test
LogLevel              info
MetricsListen         $1
MetricsFile           $W/dkimguard.prom
MetricsFileInterval   1
LogMessageLine        normal
UnsignedAlertInterval 300
CONF
}

conf 0.0.0.0:$PORT >"$W/bad.conf"
out=$("$MILTER" -n -c "$W/bad.conf" 2>&1)
grep -q "option 'MetricsListen': unknown option" <<<"$out" &&
	{ echo "FAIL: MetricsListen is not an option of this dkimguard"; exit 1; }
grep -q "not a loopback address" <<<"$out" && ok "0.0.0.0 refused: $(grep -m1 loopback <<<"$out" | head -c 120)" ||
	bad "non-loopback MetricsListen not refused: $out"

conf 127.0.0.1:$PORT >"$W/dkimguard.conf"
"$MILTER" -n -c "$W/dkimguard.conf" >"$W/check.out" 2>&1 || bad "-n failed: $(cat "$W/check.out")"
grep -q '^health: ok' "$W/check.out" && ok "-n prints health: ok" || bad "-n health: $(cat "$W/check.out")"

"$MILTER" -f -c "$W/dkimguard.conf" 2>"$W/log" &
DG=$!
for _ in $(seq 100); do
	[ -S "$W/sock" ] && curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
	sleep 0.1
done
[ -S "$W/sock" ] || { cat "$W/log"; echo "FAIL: dkimguard did not start"; exit 1; }

# --- mail
msg() {	# msg FROM_DOMAIN FILE
	printf 'From: Alice <alice@%s>\r\nTo: bob@example.org\r\nSubject: t\r\nDate: %s\r\nMessage-ID: <%s@x>\r\n\r\nHello.\r\n' \
		"$1" "$(date -R)" "$RANDOM$RANDOM" >"$2"
}
send() {	# send FILE CLIENT QID OUT -> ACTION on stdout
	"$LOADGEN" --one -S "unix:$W/sock" -m "$1" --client-addr "$2" \
		--from alice@x --rcpt bob@example.org --queue-id "$3" \
		>"$4" 2>"$W/lg.err"
	sed -n 's/^ACTION=\([a-z]*\).*/\1/p' "$W/lg.err"
}
scrape() { curl -s "http://127.0.0.1:$PORT/metrics" >"$W/scrape"; }
val() {	# val SERIES [FILE]: the sample's value, "none" if absent
	local v
	v=$(grep -F "$1 " "${2:-$W/scrape}" | grep -v '^#' | awk '{print $NF}' | head -n1)
	echo "${v:-none}"
}
expect() {	# expect SERIES WANT [FILE]
	local got
	got=$(val "$1" "${3:-}")
	[ "$got" = "$2" ] && ok "$1 = $2" || bad "$1 = $got, want $2"
}

for i in 1 2 3 4 5; do
	msg a.example "$W/m$i.eml"
	[ "$(send "$W/m$i.eml" 127.0.0.1 "QA$i" "$W/s$i.eml")" = accept ] || bad "message $i not accepted"
	grep -q '^DKIM-Signature:' "$W/s$i.eml" || bad "message $i not signed"
done
msg unknown.example "$W/u.eml"
send "$W/u.eml" 127.0.0.1 QU1 "$W/u.out" >/dev/null
send "$W/u.eml" 10.0.0.0 QU2 "$W/u.out" >/dev/null	# external: verified
# the signed message arriving from outside: pass; with a changed body: fail
tr -d '\r' <"$W/s1.eml" | sed 's/$/\r/' >"$W/in-pass.eml"
sed 's/^Hello\./Hullo./' "$W/in-pass.eml" >"$W/in-fail.eml"
send "$W/in-pass.eml" 192.0.2.10 QV1 "$W/v1.out" >/dev/null
send "$W/in-fail.eml" 192.0.2.10 QV2 "$W/v2.out" >/dev/null
grep -q 'dkim=pass' "$W/v1.out" || bad "verification did not pass"

scrape
expect 'dkimguard_messages_total{decision="sign"}' 6
expect 'dkimguard_messages_total{decision="verify"}' 3
expect 'dkimguard_key_signed_total{domain="a.example",selector="s1"}' 5
expect 'dkimguard_key_signed_total{domain="b.example",selector="s1"}' 0
expect 'dkimguard_verify_signatures_total{verdict="pass"}' 1
expect 'dkimguard_verify_signatures_total{verdict="fail"}' 1
expect 'dkimguard_verify_messages_total{result="none"}' 1
expect 'dkimguard_unsigned_alerts_total{reason="no_signing_rule"}' 1
expect 'dkimguard_internal_errors_total' 0
expect 'dkimguard_health_status' 0
expect 'dkimguard_key_state{domain="a.example",selector="s1",state="valid"}' 1
expect 'dkimguard_key_record_ttl_seconds{domain="a.example",selector="s1"}' 300	# TestKeys
[ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok ] && ok "/healthz ok" || bad "/healthz not ok"

line=$(grep -m1 'qid=QA1 ' "$W/log")
for f in 'decision=sign' 'from_domain=a.example' 'rule=ka' 'sig1_d=a.example' \
	'sig1_s=s1' 'sig1_guard=valid' 'sig1_result=signed' 'action=accept'; do
	grep -q " $f\( \|$\)" <<<"$line" || bad "log line lacks $f: $line"
done
grep -q 'qid=QV2 .*dkim1_result=fail .*dkim=fail' "$W/log" && ok "verify log line" ||
	bad "no verify log line for QV2"
# (the queue id is known at end of headers only if the MTA sends "i" with
# MAIL FROM, as Postfix does; loadgen sends it at end of message)
grep -q 'unsigned mail alert: 1 message .* reason=no_signing_rule from_domain=unknown.example' "$W/log" &&
	ok "no-rule alert logged" || bad "no-rule alert missing"

# --- bad requests, then mail still flows
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$PORT/nope")" = 404 ] && ok "unknown path 404" || bad "unknown path"
[ "$(code -X POST -d x=1 "http://127.0.0.1:$PORT/metrics")" = 405 ] && ok "POST 405" || bad "POST"
big=$(head -c 102400 /dev/zero | tr '\0' a)
c=$(code "http://127.0.0.1:$PORT/$big")
[ "$c" = 414 ] || [ "$c" = 431 ] && ok "100 KB request line: $c" || bad "100 KB request line: $c"
msg a.example "$W/m6.eml"
[ "$(send "$W/m6.eml" 127.0.0.1 QA6 "$W/s6.eml")" = accept ] && grep -q '^DKIM-Signature:' "$W/s6.eml" &&
	ok "mail still signed after bad requests" || bad "mail after bad requests"
scrape
expect 'dkimguard_key_signed_total{domain="a.example",selector="s1"}' 6
expect 'dkimguard_http_requests_total{code="404"}' 1
expect 'dkimguard_http_requests_total{code="405"}' 1
sleep 2
expect 'dkimguard_key_signed_total{domain="a.example",selector="s1"}' 6 "$W/dkimguard.prom"

# --- b.example's record broken: degraded, mail from b leaves unsigned + alert
records "$W/other.key" >"$W/dns.tsv"
kill -HUP "$DG"
for _ in $(seq 50); do
	curl -s "http://127.0.0.1:$PORT/healthz" | grep -q '^degraded' && break
	sleep 0.1
done
h=$(curl -s -w ' %{http_code}' "http://127.0.0.1:$PORT/healthz")
grep -q '^degraded' <<<"$h" && grep -q 'key b.example/s1: mismatch' <<<"$h" && grep -q ' 200$' <<<"$h" &&
	ok "/healthz degraded: $(sed -n 2p <<<"$h" | head -c 100)" || bad "/healthz after break: $h"
msg b.example "$W/mb.eml"
[ "$(send "$W/mb.eml" 127.0.0.1 QB1 "$W/sb.eml")" = accept ] || bad "b message not accepted"
grep -q '^DKIM-Signature:' "$W/sb.eml" && bad "b message signed with a mismatching key"
scrape
expect 'dkimguard_key_state{domain="b.example",selector="s1",state="mismatch"}' 1
expect 'dkimguard_key_unsigned_total{domain="b.example",selector="s1"}' 1
expect 'dkimguard_unsigned_alerts_total{reason="left_unsigned"}' 1
expect 'dkimguard_health_status' 1
expect 'dkimguard_key_signed_total{domain="a.example",selector="s1"}' 6
grep -q 'qid=QB1 .*sig1_guard=mismatch sig1_result=unsigned .*alert=left_unsigned' "$W/log" &&
	ok "log line: unsigned with alert" || bad "no log line for QB1: $(grep QB1 "$W/log")"

# --- fixed: ok again
records "$W/b.key" >"$W/dns.tsv"
kill -HUP "$DG"
for _ in $(seq 50); do
	[ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok ] && break
	sleep 0.1
done
[ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok ] && ok "/healthz ok after the fix" || bad "/healthz after fix"
scrape
expect 'dkimguard_config_generation' 3

kill "$DG"; wait "$DG"; rc=$?; DG=""
[ $rc = 0 ] && ok "clean stop" || bad "exit status $rc"
if [ $fails -ne 0 ]; then
	echo "--- dkimguard log (last 30 lines)"; tail -n 30 "$W/log"
	echo "run-metrics-live: $fails failures"; exit 1
fi
echo "run-metrics-live: all passed"
