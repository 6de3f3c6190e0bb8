#!/bin/bash
# run-guard-fresh.sh - the guard sees key record changes within GuardMaxAge
#	whatever the TTL: a real Postfix, dkimguard, an unbound resolver with
#	its normal cache, and a second unbound as the zone's authoritative
#	server on loopback (the resolver reaches it through a stub zone, the
#	zone's NS and A records point at it).
#
# What it proves (records and negative answers at TTL 3600, GuardMaxAge 10):
#   0. dkimguard -n says the keys are asked at their authoritative servers
#      (s2 through a CNAME into another zone) and the window is 10 s; pointed at a port where nothing answers, it
#      says "freshness: resolver fallback" with the reason;
#   1-4. four phases - matching key / another key / no record / matching
#      key again - each change followed by mail GuardMaxAge + 1 s later:
#      0 signatures leave that fail against the DNS of their phase (each
#      arrival is verified by dkimpy against the authoritative server,
#      what a receiver with an empty cache sees), while the resolver still
#      serves the phase-1 record from its cache;
#   5. after the fix, the refused messages are retried every 0.3 s: no
#      good message is refused later than 2 s after the fix reached the
#      authoritative server, and every refused message arrives and
#      verifies;
#   6. dkimguard-keytool recheck: the milter takes the request and logs
#      the re-check.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. tests/e2e/lib/dns.sh

dg_require
/usr/bin/python3 -c 'import dkim, dns.message' 2>/dev/null ||
	skip "needs python3-dkim and python3-dnspython"
[ -x /usr/sbin/unbound ] || skip "needs unbound"

dg_workdir dkimguard-fresh
pf_on_exit dns_stop
DOMAIN=fresh.test
KEYNAME=s1._domainkey.$DOMAIN
KEYHOST=keyhost.test
DNS_TTL=3600     # records
DNS_NEG_TTL=3600 # NXDOMAIN/NODATA (RFC 2308)
MAXAGE=10
PER_PHASE=5

ports=()
while ((${#ports[@]} < 5)); do
	p=$(dns_free_port)
	[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
AUTH_PORT=${ports[0]} RES_PORT=${ports[1]} SMTP_PORT=${ports[2]}
SINK_PORT=${ports[3]} METRICS_PORT=${ports[4]}
export PF_SINK_PORT=$SINK_PORT

# ---- keys -----------------------------------------------------------------
for k in s1 other s2; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$k.key" 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$k.key"
done
rec() { printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$W/keys/$1.key" \
	-pubout -outform DER | base64 -w0)"; }
mapfile -t GOOD < <(rec s1 | fold -w 255)
mapfile -t BAD < <(rec other | fold -w 255)
mapfile -t S2 < <(rec s2 | fold -w 255)

# ---- the authoritative server: unbound answering the zone itself --------
dns_start "$W/auth" "$AUTH_PORT" || { echo "FAIL: authoritative unbound"; exit 1; }
dns_zone "$DOMAIN"
printf '%s 3600 IN NS ns1.%s.\nns1.%s 3600 IN A 127.0.0.1\n' \
	"$DOMAIN" "$DOMAIN" "$DOMAIN" >>"$W/auth/records"
# s2 is a CNAME into another zone (a key host), also served here
dns_zone "$KEYHOST"
printf '%s 3600 IN NS ns1.%s.\n' "$KEYHOST" "$DOMAIN" >>"$W/auth/records"
dns_set_cname "s2._domainkey.$DOMAIN" "s2.$KEYHOST"
dns_set "s2.$KEYHOST" "${S2[@]}"
publish() {	# publish good|bad|none
	case $1 in
	good) dns_set "$KEYNAME" "${GOOD[@]}" ;;
	bad) dns_set "$KEYNAME" "${BAD[@]}" ;;
	none) dns_del "$KEYNAME" ;;
	esac
	dns_reload
}
publish good

# ---- the resolver: unbound with its normal cache, delegating the zone ----
mkdir -p "$W/res"
cat >"$W/res/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$RES_PORT
	port: $RES_PORT
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$W/res"
	pidfile: "$W/res/unbound.pid"
	use-syslog: no
	logfile: "$W/res/unbound.log"
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	do-not-query-localhost: no
	local-zone: "test." nodefault
	outgoing-port-permit: $DNS_PORT_LO-$DNS_PORT_HI
	outgoing-port-avoid: 0-$((DNS_PORT_LO - 1))
	outgoing-port-avoid: $((DNS_PORT_HI + 1))-65535
stub-zone:
	name: "$DOMAIN."
	stub-addr: 127.0.0.1@$AUTH_PORT
stub-zone:
	name: "$KEYHOST."
	stub-addr: 127.0.0.1@$AUTH_PORT
remote-control:
	control-enable: no
EOF
/usr/sbin/unbound -d -c "$W/res/unbound.conf" >>"$W/res/out" 2>&1 &
RES_PID=$!
pf_on_exit "kill $RES_PID 2>/dev/null"

# txt_at PORT RD - the key record as the server at PORT answers it
txt_at() {
	/usr/bin/python3 - "$KEYNAME" "$1" "$2" <<'EOF'
import sys, dns.message, dns.query, dns.flags
q = dns.message.make_query(sys.argv[1], "TXT")
if sys.argv[3] == "0":
    q.flags &= ~dns.flags.RD
try:
    r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[2]), timeout=2)
except Exception as e:
    print("error %s" % e); sys.exit(0)
for rrset in r.answer:
    for rr in rrset:
        if rr.rdtype == 16:
            print(b"".join(rr.strings).decode()[-24:]); sys.exit(0)
print("none rcode=%d" % r.rcode())
EOF
}
for _ in $(seq 50); do
	[[ $(txt_at "$RES_PORT" 1) == "${GOOD[-1]: -24}" ]] && break
	sleep 0.1
done
[[ $(txt_at "$RES_PORT" 1) == "${GOOD[-1]: -24}" ]] ||
	{ echo "FAIL: the resolver does not reach the zone: $(txt_at "$RES_PORT" 1)"; exit 1; }

# ---- dkimguard ----------------------------------------------------------
printf 's1  %s  s1  keys/s1.key\ns2  %s  s2  keys/s2.key\n' "$DOMAIN" \
	"$DOMAIN" >"$W/keytable"
printf '%s  s1\n' "$DOMAIN" >"$W/signingtable"
write_conf() {	# write_conf AUTHPORT
	{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
AuthservID      fresh.dkimguard.test
Nameservers     127.0.0.1:$RES_PORT
DNSTimeoutMs    500
DNSRetries      1
GuardAction     tempfail
GuardMaxAge     $MAXAGE
GuardAuthPort   $1
SelfVerify      yes
MetricsListen   127.0.0.1:$METRICS_PORT
CONF
}

# 0. -n: where the key is asked, and the window; then the fallback
write_conf "$(dns_free_port)" # nobody answers there
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/table-fb.txt" 2>&1
grep -q "^freshness: resolver fallback: key $DOMAIN/s1: authoritative servers of $DOMAIN" "$W/table-fb.txt" &&
	grep -q "0 key(s) asked at their authoritative servers, 2 through the resolver (resolver fallback" "$W/table-fb.txt" &&
	pass "dkimguard -n, authoritative server unreachable: $(grep -m1 '^freshness: resolver' "$W/table-fb.txt" | head -c 170)" ||
	fail "dkimguard -n shows no resolver fallback: $(cat "$W/table-fb.txt")"
write_conf "$AUTH_PORT"
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/table.txt" 2>&1
grep -q "freshness: window $MAXAGE s (GuardMaxAge $MAXAGE s; 2 key(s), GuardQueryRate 200/s); 2 key(s) asked at their authoritative servers, 0 through the resolver" "$W/table.txt" &&
	grep -qE "^$DOMAIN +s2 +valid" "$W/table.txt" &&
	pass "dkimguard -n: window $MAXAGE s, both keys asked at their authoritative servers, s2 valid through its CNAME into $KEYHOST" ||
	fail "dkimguard -n freshness line: $(cat "$W/table.txt")"
dg_up
dg_log | grep -q "guard: freshness: window $MAXAGE s" &&
	pass "the start-up log gives the window: $(dg_log | grep -o 'guard: freshness: window [0-9]* s')" ||
	fail "no 'guard: freshness: window' line in the log"
metrics=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics")
grep -qx "dkimguard_guard_window_seconds $MAXAGE" <<<"$metrics" &&
	grep -qx "dkimguard_guard_resolver_fallback_keys 0" <<<"$metrics" &&
	pass "metrics: dkimguard_guard_window_seconds $MAXAGE, 0 keys on resolver fallback" ||
	fail "metrics: $(grep guard_ <<<"$metrics" | grep -v '^#' | head -3)"

# ---- helpers ------------------------------------------------------------
sink_count() { pf_sink_files "$W" | wc -l; }

# verify_auth FILE - dkimpy against the authoritative server (no cache)
verify_auth() {
	/usr/bin/python3 - "$1" "$AUTH_PORT" <<'EOF'
import sys, dkim, dns.message, dns.query, dns.flags
msg, port = open(sys.argv[1], "rb").read(), int(sys.argv[2])
def txt(name, timeout=5):
    q = dns.message.make_query(name.decode().rstrip("."), "TXT")
    q.flags &= ~dns.flags.RD
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    for rrset in r.answer:
        for rr in rrset:
            if rr.rdtype == 16:
                return b"".join(rr.strings)
    return None
n = msg.count(b"\nDKIM-Signature:") + msg.startswith(b"DKIM-Signature:")
if n == 0:
    print("unsigned"); sys.exit(2)
d = dkim.DKIM(msg)
ok = all(d.verify(idx=i, dnsfunc=txt) for i in range(n))
print("verifies" if ok else "FAILS")
sys.exit(0 if ok else 1)
EOF
}

# check_arrivals PHASE - every new arrival verifies against this phase's DNS
CHECKED=0 LEAKED=0 VERIFIED=0
check_arrivals() {
	local f i=0 v
	while read -r f; do
		i=$((i + 1))
		((i > CHECKED)) || continue
		v=$(verify_auth "$f")
		if [ "$v" = verifies ]; then
			VERIFIED=$((VERIFIED + 1))
		else
			LEAKED=$((LEAKED + 1))
			fail "phase $1: $(basename "$f") left with a signature that $v against the phase's DNS"
		fi
		CHECKED=$i
	done < <(pf_sink_files "$W")
}

REFUSED=() # message files refused so far (retried after the fix)
# send_phase NAME EXPECT - PER_PHASE messages; EXPECT accepted|refused
send_phase() {
	local i m reply rc acc=0 ref=0 n
	n=$(sink_count)
	for ((i = 0; i < PER_PHASE; i++)); do
		m=$(dg_new_msg "$1")
		reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1); rc=$?
		if [ "$rc" = 0 ]; then
			acc=$((acc + 1))
		else
			ref=$((ref + 1))
			REFUSED+=("$m")
		fi
	done
	((acc > 0)) && pf_wait_sink "$W" $((n + acc)) 30 >/dev/null
	sleep 1 # anything accepted by mistake arrives too
	check_arrivals "$1"
	if [ "$2" = accepted ]; then
		[ "$acc" = "$PER_PHASE" ] &&
			pass "phase $1: $acc of $PER_PHASE accepted, all verify against the authoritative DNS" ||
			fail "phase $1: only $acc of $PER_PHASE accepted (last reply '$reply')"
	else
		[ "$ref" = "$PER_PHASE" ] &&
			pass "phase $1: $ref of $PER_PHASE refused ('${reply:0:90}...')" ||
			fail "phase $1: $acc of $PER_PHASE accepted"
	fi
}

# change WHAT - publish at the authoritative server; mail MAXAGE + 1 s later
change() {
	publish "$1"
	T_CHANGE=$SECONDS
	sleep $((MAXAGE + 1))
}

# ---- 1-4. the four phases ---------------------------------------------------
send_phase matching accepted
change bad
cached=$(txt_at "$RES_PORT" 1)
[ "$cached" = "${GOOD[-1]: -24}" ] &&
	pass "the resolver still serves the phase-1 record from its cache (TTL 3600)" ||
	echo "note: the resolver answers '$cached' (expected the cached phase-1 record)"
send_phase another-key refused
change none
send_phase no-record refused

# ---- 5. fixed: retries flow within 2 s of the fix -------------------------
publish good
T_FIX=$(date +%s.%N)
late=0 last_refusal=none pending=("${REFUSED[@]}") n0=$(sink_count)
end=$((SECONDS + 30))
while ((${#pending[@]} > 0)) && ((SECONDS < end)); do
	next=()
	for m in "${pending[@]}"; do
		reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1); rc=$?
		if [ "$rc" != 0 ]; then
			t=$(awk -v a="$(date +%s.%N)" -v b="$T_FIX" 'BEGIN { printf "%.2f", a - b }')
			last_refusal=$t
			awk -v t="$t" 'BEGIN { exit !(t > 2) }' && late=$((late + 1))
			next+=("$m")
		fi
	done
	pending=("${next[@]}")
	((${#pending[@]} > 0)) && sleep 0.3
done
[ "${#pending[@]}" = 0 ] && [ "$late" = 0 ] &&
	pass "after the fix: ${#REFUSED[@]} refused messages retried, none refused later than 2 s after the fix (last refusal at +${last_refusal} s)" ||
	fail "after the fix: ${#pending[@]} still refused, $late refusals later than 2 s (last at +$last_refusal s)"
pf_wait_sink "$W" $((n0 + ${#REFUSED[@]})) 30 >/dev/null
check_arrivals matching-again
[ "$(sink_count)" = $((PER_PHASE + ${#REFUSED[@]})) ] &&
	pass "every refused message arrived after the retry and verifies ($VERIFIED verified, $LEAKED failing)" ||
	fail "the sink holds $(sink_count) messages, want $((PER_PHASE + ${#REFUSED[@]}))"
send_phase matching-again accepted
[ "$LEAKED" = 0 ] &&
	pass "0 signatures left failing against the DNS of their phase ($VERIFIED checked)" ||
	fail "$LEAKED signatures left failing against the DNS of their phase"
dg_log | grep -q "mismatch" && dg_log | grep -qE "(mismatch|missing) -> valid" &&
	pass "the log shows the changes: $(dg_log | grep -oE 'key [^ ]+ \(d=[^)]*\): [a-z]+ -> [a-z]+' | sed 's/.*: //' | paste -sd, -)" ||
	fail "the log does not show the state changes"

# ---- 6. the operator's re-check ------------------------------------------------
before=$(dg_log | grep -c 'SIGUSR1: re-checking')
out=$("$TOP/keytool/dkimguard-keytool" -c "$W/dkimguard.conf" recheck -d "$DOMAIN" -s s1 2>&1) &&
	dg_wait_log 'SIGUSR1: re-checking 1 guard key' $((before + 1)) 10 &&
	pass "dkimguard-keytool recheck: '$out'" ||
	fail "recheck: '$out'; log: $(dg_log | grep SIGUSR1 | tail -n 1)"

echo "guard freshness e2e: $FAILS failure(s)"
[ "$FAILS" = 0 ]
