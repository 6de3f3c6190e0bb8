#!/bin/bash
# run-guard-fresh.sh - the guard sees key record changes within GuardMaxAge
#	whatever the TTL: two real Postfix instances (a sending one relaying
#	through the signing one), dkimguard, an unbound resolver with its
#	normal cache, and a second unbound as the zones' authoritative server
#	on loopback (the resolver reaches it through unbound stub-zone entries; the zones'
#	NS and A records point at it).
#
# Two keys go through the same changes side by side: s1 (fresh.test,
# guard=tempfail in the key table), whose mail comes through the sending
# Postfix, and h1 (held.test, GuardAction hold), whose mail goes straight
# to the signing Postfix.
#
# What it proves (records and negative answers at TTL 3600, GuardMaxAge 10):
#   0. dkimguard -n says the keys are asked at their authoritative servers
#      (s2 through a CNAME into another zone) and the window is 10 s; pointed at a port where nothing answers, it
#      says "freshness: resolver fallback" with the reason;
#   1-3. phases matching key / another key / no record, each change
#      followed by mail GuardMaxAge + 1 s later: 0 signatures leave that
#      fail against the DNS of their phase (each arrival is verified by
#      dkimpy, tests/tools/dkimverify.py, against the records the
#      authoritative server publishes then: what a receiver with an empty
#      cache sees), while the resolver still serves the phase-1 record
#      from its cache; in the bad phases the sending Postfix defers s1's
#      mail on 451 and h1's mail sits in the signing Postfix's hold queue,
#      the reason in both logs, the release command in dkimguard's;
#   4. the fix: new messages of each key one after another for 3.5 s (at
#      least 4; s1's retried at once while refused): no good message is
#      refused or held later than 2 s after the fix reached the
#      authoritative server;
#   5. the sending Postfix retries (postqueue -f) and every deferred
#      message arrives; every held message, released with the command
#      dkimguard logged (postsuper -H QID, on this instance), arrives;
#      all verify against the record published then (the held ones were
#      signed with the real key, so they verify once it is back);
#   6. the matching key again: mail flows, signatures verify;
#   7. dkimguard-keytool recheck: the milter takes the request and logs
#      the re-check.
# Prints "ran N of M phases"; fails when a phase did not run.
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
# shellcheck source-path=SCRIPTDIR source=lib/recovery.sh
. tests/e2e/lib/recovery.sh

dg_require
dns_require_verify

dg_workdir dkimguard-fresh
pf_on_exit dns_stop
DOMAIN=fresh.test
HDOMAIN=held.test
KEYNAME=s1._domainkey.$DOMAIN
HKEYNAME=h1._domainkey.$HDOMAIN
KEYHOST=keyhost.test
DNS_TTL=3600     # records
DNS_NEG_TTL=3600 # NXDOMAIN/NODATA (RFC 2308)
MAXAGE=10
PER_PHASE=5
PHASES=8 RAN=0 # phases 0-7 above

ports=()
while ((${#ports[@]} < 6)); do
	p=$(dns_free_port)
	[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
AUTH_PORT=${ports[0]} RES_PORT=${ports[1]} SMTP_PORT=${ports[2]}
SINK_PORT=${ports[3]} METRICS_PORT=${ports[4]} SEND_PORT=${ports[5]}
export PF_SINK_PORT=$SINK_PORT

# ---- keys -----------------------------------------------------------------
for k in s1 h1 other s2; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$k.key" 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$k.key"
done
rec() { printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$W/keys/$1.key" \
	-pubout -outform DER | base64 -w0)"; }
mapfile -t GOOD < <(rec s1 | fold -w 255)
mapfile -t HGOOD < <(rec h1 | fold -w 255)
mapfile -t BAD < <(rec other | fold -w 255)
mapfile -t S2 < <(rec s2 | fold -w 255)

# ---- the authoritative server: unbound answering the zones itself -------
dns_start "$W/auth" "$AUTH_PORT" || { echo "FAIL: authoritative unbound"; exit 1; }
dns_zone "$DOMAIN"
printf '%s 3600 IN NS ns1.%s.\nns1.%s 3600 IN A 127.0.0.1\n' \
	"$DOMAIN" "$DOMAIN" "$DOMAIN" >>"$W/auth/records"
dns_zone "$HDOMAIN"
printf '%s 3600 IN NS ns1.%s.\n' "$HDOMAIN" "$DOMAIN" >>"$W/auth/records"
# s2 is a CNAME into another zone (a key host), also served here
dns_zone "$KEYHOST"
printf '%s 3600 IN NS ns1.%s.\n' "$KEYHOST" "$DOMAIN" >>"$W/auth/records"
dns_set_cname "s2._domainkey.$DOMAIN" "s2.$KEYHOST"
dns_set "s2.$KEYHOST" "${S2[@]}"
publish() {	# publish good|bad|none - both keys' records
	case $1 in
	good) dns_set "$KEYNAME" "${GOOD[@]}"; dns_set "$HKEYNAME" "${HGOOD[@]}" ;;
	bad) dns_set "$KEYNAME" "${BAD[@]}"; dns_set "$HKEYNAME" "${BAD[@]}" ;;
	none) dns_del "$KEYNAME"; dns_del "$HKEYNAME" ;;
	esac
	dns_reload
}
publish good

# ---- the resolver: unbound with its normal cache, delegating the zones ---
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
	name: "$HDOMAIN."
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
cat >"$W/keytable" <<KT
s1  $DOMAIN   s1  keys/s1.key  guard=tempfail
s2  $DOMAIN   s2  keys/s2.key
h1  $HDOMAIN  h1  keys/h1.key
KT
printf '%s  s1\n%s  h1\n' "$DOMAIN" "$HDOMAIN" >"$W/signingtable"
write_conf() {	# write_conf AUTHPORT
	{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
AuthservID      fresh.dkimguard.test
Nameservers     127.0.0.1:$RES_PORT
DNSTimeoutMs    500
DNSRetries      1
GuardAction     hold
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
	grep -q "0 key(s) asked at their authoritative servers, 3 through the resolver (resolver fallback" "$W/table-fb.txt" &&
	pass "dkimguard -n, authoritative server unreachable: $(grep -m1 '^freshness: resolver' "$W/table-fb.txt" | head -c 170)" ||
	fail "dkimguard -n shows no resolver fallback: $(cat "$W/table-fb.txt")"
write_conf "$AUTH_PORT"
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/table.txt" 2>&1
grep -q "freshness: window $MAXAGE s (GuardMaxAge $MAXAGE s; 3 key(s), GuardQueryRate 200/s); 3 key(s) asked at their authoritative servers, 0 through the resolver" "$W/table.txt" &&
	grep -qE "^$DOMAIN +s2 +valid" "$W/table.txt" &&
	pass "dkimguard -n: window $MAXAGE s, the 3 keys asked at their authoritative servers, s2 valid through its CNAME into $KEYHOST" ||
	fail "dkimguard -n freshness line: $(cat "$W/table.txt")"
dg_up
# the sending Postfix: relays everything to the signing one and retries
# only when told (postqueue -f), so every retry below is one the test asked for
PF_SINK_PORT=$SMTP_PORT pf_start "$W/pfa" "$SEND_PORT" "" \
	"myhostname = relay.example.test" "queue_run_delay = 300s" \
	"minimal_backoff_time = 300s" "maximal_backoff_time = 300s" ||
	{ echo "FAIL: the sending postfix"; exit 1; }
dg_log | grep -q "guard: freshness: window $MAXAGE s" &&
	pass "the start-up log gives the window: $(dg_log | grep -o 'guard: freshness: window [0-9]* s')" ||
	fail "no 'guard: freshness: window' line in the log"
metrics=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics")
grep -qx "dkimguard_guard_window_seconds $MAXAGE" <<<"$metrics" &&
	grep -qx "dkimguard_guard_resolver_fallback_keys 0" <<<"$metrics" &&
	pass "metrics: dkimguard_guard_window_seconds $MAXAGE, 0 keys on resolver fallback" ||
	fail "metrics: $(grep guard_ <<<"$metrics" | grep -v '^#' | head -3)"
RAN=$((RAN + 1))

# ---- helpers ------------------------------------------------------------
sink_count() { pf_sink_files "$W" | wc -l; }
# elapsed T0 - seconds since T0 (date +%s.%N), two decimals
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
# over T LIMIT - is T later than LIMIT s
over() { awk -v t="$1" -v l="$2" 'BEGIN { exit !(t > l) }'; }
# new_msg TAG KEY - a message for key s1 (alice@fresh.test) or h1
new_msg() {
	if [ "$2" = h1 ]; then DOMAIN=$HDOMAIN dg_new_msg "$1"; else dg_new_msg "$1"; fi
}
# arrived FILE - is the message (its Message-ID) at the sink
arrived() {
	local mid
	mid=$(sed -n 's/^Message-ID: //p' "$1")
	grep -lqF "Message-ID: $mid" "$W"/sink/msg-*.eml 2>/dev/null
}

# check_arrivals PHASE - every new arrival verifies (dkimpy) against the
# records the authoritative server publishes now
CHECKED=0 LEAKED=0 VERIFIED=0
check_arrivals() {
	local files=() f i=0 out
	while read -r f; do
		i=$((i + 1))
		((i > CHECKED)) && files+=("$f")
	done < <(pf_sink_files "$W")
	CHECKED=$i
	((${#files[@]} > 0)) || return 0
	dns_txt_tsv "$AUTH_PORT" "$KEYNAME" "$HKEYNAME" >"$W/published.tsv"
	out=$(/usr/bin/python3 tests/tools/dkimverify.py --all --dns "$W/published.tsv" "${files[@]}")
	VERIFIED=$((VERIFIED + $(grep -c '^PASS' <<<"$out")))
	LEAKED=$((LEAKED + ${#files[@]} - $(grep -c '^PASS' <<<"$out")))
	while read -r f; do
		fail "phase $1: a signature left that fails against the phase's DNS: ${f#FAIL "$W"/sink/}"
	done < <(grep '^FAIL' <<<"$out")
}

# send_phase NAME EXPECT [STATE] - PER_PHASE messages of each key; EXPECT
# accepted (both arrive) or refused (s1's deferred by the sending Postfix
# on 451, h1's in the signing Postfix's hold queue, the guard STATE and
# the reason logged)
DEFERRED=() # s1's messages the sending Postfix holds for a retry: "QID FILE"
HELD=()     # h1's messages on hold in the signing Postfix: "QID FILE"
send_phase() {
	local i m reply qid n relayed=() direct=() x st=""
	n=$(sink_count)
	for ((i = 0; i < PER_PHASE; i++)); do
		m=$(new_msg "$1" s1)
		reply=$(pf_send "$SEND_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
			fail "phase $1: the sending Postfix refused a message: $reply"
		relayed+=("$(pf_queued_id "$reply") $m")
		m=$(new_msg "$1" h1)
		reply=$(pf_send "$SMTP_PORT" "carol@$HDOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
			fail "phase $1: h1's message refused ($reply); GuardAction hold accepts"
		direct+=("$(pf_queued_id "$reply") $m")
	done
	if [ "$2" = accepted ]; then
		pf_wait_sink "$W" $((n + 2 * PER_PHASE)) 30 >/dev/null
		check_arrivals "$1"
		[ "$(sink_count)" = $((n + 2 * PER_PHASE)) ] && [ -z "$(pf_held "$W/pf")" ] &&
			pass "phase $1: $((2 * PER_PHASE)) of $((2 * PER_PHASE)) arrived (s1 through the sending Postfix, h1 direct), none held, all verify against the authoritative DNS" ||
			fail "phase $1: $(($(sink_count) - n)) of $((2 * PER_PHASE)) arrived; held: $(pf_held "$W/pf" | wc -l)"
		return
	fi
	local deferred=0 held=0 logged=0
	for x in "${relayed[@]}"; do
		pf_wait_status "$W/pfa" "${x%% *}" '(sent|deferred|bounced)' 30
		st=$(pf_status_line "$W/pfa" "${x%% *}")
		[[ $st == *"status=deferred "* ]] || continue
		[[ $st == *"said: 451 4.7.5 DKIM key $KEYNAME not usable"* ]] &&
			deferred=$((deferred + 1))
		DEFERRED+=("$x")
	done
	for x in "${direct[@]}"; do
		qid=${x%% *}
		pf_held "$W/pf" | grep -qx "$qid" || continue
		held=$((held + 1))
		HELD+=("$x")
		grep -q "$qid: milter-hold: END-OF-MESSAGE" "$W/pf/maillog" &&
			dg_log | grep -q "$qid: held: .*; release with: postsuper -H $qid\$" &&
			dg_log | grep -q "qid=$qid .*sig1_s=h1 .*sig1_guard=$3 sig1_result=held" &&
			logged=$((logged + 1))
	done
	sleep 1 # anything let through by mistake arrives too
	check_arrivals "$1"
	[ "$deferred" = "$PER_PHASE" ] &&
		pass "phase $1: s1: $deferred of $PER_PHASE refused, the sending Postfix keeps them ('${st#*said: }' ...)" ||
		fail "phase $1: s1: $deferred of $PER_PHASE deferred on 451 naming the key (last: $st)"
	[ "$held" = "$PER_PHASE" ] && [ "$logged" = "$PER_PHASE" ] &&
		pass "phase $1: h1: $held of $PER_PHASE in the hold queue; Postfix logs milter-hold, dkimguard the reason (sig1_guard=$3) and the release command ('$(dg_log | grep "$qid: held: " | sed 's/.*: held: //' | head -c 110)...')" ||
		fail "phase $1: h1: $held of $PER_PHASE held, $logged of them with milter-hold, 'held: ... postsuper -H QID' and sig1_guard=$3 sig1_result=held in the logs"
	[ "$(sink_count)" = "$n" ] &&
		pass "phase $1: nothing reached the sink" ||
		fail "phase $1: $(($(sink_count) - n)) message(s) reached the sink"
}

# change WHAT - publish at the authoritative server; mail MAXAGE + 1 s later
change() {
	publish "$1"
	sleep $((MAXAGE + 1))
}

# ---- 1-3. matching key, another key, no record ----------------------------
send_phase matching accepted
RAN=$((RAN + 1))
change bad
cached=$(txt_at "$RES_PORT" 1)
[ "$cached" = "${GOOD[-1]: -24}" ] &&
	pass "the resolver still serves the phase-1 record from its cache (TTL 3600)" ||
	echo "note: the resolver answers '$cached' (expected the cached phase-1 record)"
send_phase another-key refused mismatch
RAN=$((RAN + 1))
change none
send_phase no-record refused missing
RAN=$((RAN + 1))

# ---- 4. fixed: probes for 3.5 s, none refused or held after 2 s -----------
publish good
T_FIX=$(date +%s.%N)
recovery_probes "$T_FIX" fixed s1 h1 "after the fix" "after the fix"
PROBED=("${RECOVERY_SENT[@]}")
RAN=$((RAN + 1))

# ---- 5. the sending Postfix retries; the held messages are released -------
recovery_release "${HELD[@]}"
lost=() end=$((SECONDS + 40))
for x in "${DEFERRED[@]}" "${HELD[@]}" "${PROBED[@]/#/probe }"; do
	until arrived "${x#* }"; do
		((SECONDS < end)) || break
		sleep 0.3
	done
	arrived "${x#* }" || lost+=("${x%% *}")
done
check_arrivals fixed
[ "${#lost[@]}" = 0 ] && [ "$LEAKED" = 0 ] && [ -z "$(pf_held "$W/pf")" ] &&
	pass "${#DEFERRED[@]} deferred messages arrived after the sending Postfix's retry (postqueue -f), ${#HELD[@]} held ones after postsuper -H, the ${#PROBED[@]} probes too; all verify against the records published now" ||
	fail "after the retry and release: not arrived: ${lost[*]}; $LEAKED failing; still held: $(pf_held "$W/pf" | wc -l); sending queue: $(pf_queue_count "$W/pfa")"
RAN=$((RAN + 1))

# ---- 6. the matching key again ---------------------------------------------
send_phase matching-again accepted
RAN=$((RAN + 1))
[ "$LEAKED" = 0 ] &&
	pass "0 signatures left failing against the DNS of their phase ($VERIFIED checked)" ||
	fail "$LEAKED signatures left failing against the DNS of their phase"
dg_log | grep -q "mismatch" && dg_log | grep -qE "(mismatch|missing) -> valid" &&
	pass "the log shows the changes: $(dg_log | grep -oE 'key [^ ]+ \(d=[^)]*\): [a-z]+ -> [a-z]+' | sed 's/.*: //' | paste -sd, -)" ||
	fail "the log does not show the state changes"

# ---- 7. the operator's re-check ------------------------------------------------
before=$(dg_log | grep -c 'SIGUSR1: re-checking')
out=$("$TOP/keytool/dkimguard-keytool" -c "$W/dkimguard.conf" recheck -d "$DOMAIN" -s s1 2>&1) &&
	dg_wait_log 'SIGUSR1: re-checking 1 guard key' $((before + 1)) 10 &&
	pass "dkimguard-keytool recheck: '$out'" ||
	fail "recheck: '$out'; log: $(dg_log | grep SIGUSR1 | tail -n 1)"
RAN=$((RAN + 1))

[ "$RAN" = "$PHASES" ] || fail "ran $RAN of $PHASES phases"
echo "guard freshness e2e: ran $RAN of $PHASES phases, $FAILS failure(s)"
[ "$FAILS" = 0 ]
