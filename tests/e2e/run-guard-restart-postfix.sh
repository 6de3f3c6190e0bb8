#!/bin/bash
# run-guard-restart-postfix.sh - the guard through start-up and restart
#	while DNS is down, with real mail: a sending Postfix relaying through
#	a signing Postfix with dkimguard, an SMTP sink, and unbound serving
#	the zones (also as their authoritative server, GuardAuthPort) on a
#	port that has nothing on it, or a server answering SERVFAIL, while
#	"DNS is down".
#
# Keys: t1 (restart.test, GuardAction tempfail), its mail through the
# sending Postfix; h1 (holdr.test, guard=hold in the key table), its mail
# straight to the signing Postfix.  The daemon runs as the suites' other
# daemons do (root, no UserID); its GuardStateFile is in the test's
# directory.
#
# What it proves:
#   1. started with DNS down and no state file: the keys never seen valid
#      follow their action: t1's mail is refused (451, the sending Postfix
#      keeps it), h1's is held (hold queue, release command logged);
#      nothing reaches the sink, the state file names no key;
#   2. DNS comes up: new messages of each key one after another for 3.5 s
#      (at least 4; t1's retried at once while refused): none refused or
#      held later than 2 s after the records are served;
#   3. none lost: the sending Postfix retries (postqueue -f), the held
#      messages are released with the logged command (postsuper -H QID on
#      this instance); every message arrives and dkimpy
#      (tests/tools/dkimverify.py) verifies it against the zone's records;
#   4. within 5 s (the authoritative servers' retry) + GuardMaxAge of DNS
#      coming back the keys are asked at their authoritative servers again
#      (logged); the state file names both keys, owned by the
#      daemon's user with the mode the daemon gives it (0644), no
#      temporary file beside it;
#   5. dkimguard stopped, unbound stopped, dkimguard started again: both
#      keys restored from the state file, logged "within grace until ...
#      UTC, then tempfail|hold" with the end at the file's last good time
#      + GuardGrace (not counted from the restart); their mail is signed (sig1_guard=
#      dns-temperror sig1_result=signed), arrives, none held, and verifies
#      against the records the zone published;
#   6. the same with a server answering SERVFAIL on the DNS port.
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

dg_workdir dkimguard-restart
pf_on_exit dns_stop
DOMAIN=restart.test
HDOMAIN=holdr.test
KEYNAME=t1._domainkey.$DOMAIN
HKEYNAME=h1._domainkey.$HDOMAIN
STATE=$W/guard.state # dg_conf_common's GuardStateFile
PER_PHASE=3
PHASES=6 RAN=0

ports=()
while ((${#ports[@]} < 4)); do
	p=$(dns_free_port)
	[[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
DNS_P=${ports[0]} SMTP_PORT=${ports[1]} SINK_PORT=${ports[2]} SEND_PORT=${ports[3]}
export PF_SINK_PORT=$SINK_PORT

# ---- keys and tables ------------------------------------------------------
for k in t1 h1; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$k.key" 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$k.key"
done
rec() { printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$W/keys/$1.key" \
	-pubout -outform DER | base64 -w0)"; }
mapfile -t T1 < <(rec t1 | fold -w 255)
mapfile -t H1 < <(rec h1 | fold -w 255)
cat >"$W/keytable" <<KT
t1  $DOMAIN   t1  keys/t1.key
h1  $HDOMAIN  h1  keys/h1.key  guard=hold
KT
printf '%s  t1\n%s  h1\n' "$DOMAIN" "$HDOMAIN" >"$W/signingtable"
{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
AuthservID      restart.dkimguard.test
Nameservers     127.0.0.1:$DNS_P
DNSTimeoutMs    500
DNSRetries      0
GuardAction     tempfail
GuardMaxAge     10
GuardAuthPort   $DNS_P
SelfVerify      yes
CONF

# dns_up - unbound on DNS_P serving both zones (NS and A pointing at
# itself, so the guard asks it as the zones' authoritative server)
dns_up() {
	local z
	dns_start "$W/dns" "$DNS_P" || return 1
	for z in "$DOMAIN" "$HDOMAIN"; do
		dns_zone "$z"
		printf '%s 3600 IN NS ns1.%s.\nns1.%s 3600 IN A 127.0.0.1\n' \
			"$z" "$z" "$z" >>"$W/dns/records"
	done
	dns_set "$KEYNAME" "${T1[@]}"
	dns_set "$HKEYNAME" "${H1[@]}"
	dns_reload
}

# ---- helpers ------------------------------------------------------------
sink_count() { pf_sink_files "$W" | wc -l; }
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
over() { awk -v t="$1" -v l="$2" 'BEGIN { exit !(t > l) }'; }
new_msg() {	# new_msg TAG KEY - a message of key t1 (alice@) or h1 (carol@)
	if [ "$2" = h1 ]; then DOMAIN=$HDOMAIN dg_new_msg "$1"; else dg_new_msg "$1"; fi
}
arrived() {	# arrived FILE - is the message (its Message-ID) at the sink
	local mid
	mid=$(sed -n 's/^Message-ID: //p' "$1")
	grep -lqF "Message-ID: $mid" "$W"/sink/msg-*.eml 2>/dev/null
}
# verify_all TSV FILE... - how many of the messages dkimpy verifies
# against the records in TSV (failures printed)
verify_all() {
	local tsv=$1 out
	shift
	out=$(/usr/bin/python3 tests/tools/dkimverify.py --all --dns "$tsv" "$@")
	grep '^FAIL' <<<"$out" | sed 's/^/    /' >&2
	grep -c '^PASS' <<<"$out"
}
# wait_arrived FILE... - wait (40 s at most) for the messages; prints the
# ones missing
wait_arrived() {
	local f end=$((SECONDS + 40))
	for f in "$@"; do
		until arrived "$f" || ((SECONDS >= end)); do sleep 0.3; done
		arrived "$f" || echo "$f"
	done
}
# key_domain KEY - the signing domain of key t1 or h1
key_domain() { if [ "$1" = h1 ]; then echo "$HDOMAIN"; else echo "$DOMAIN"; fi; }

# ---- 1. start with DNS down (nothing on the port), no state file ---------
rm -f "$STATE"
dg_up
PF_SINK_PORT=$SMTP_PORT pf_start "$W/pfa" "$SEND_PORT" "" \
	"myhostname = relay.example.test" "queue_run_delay = 300s" \
	"minimal_backoff_time = 300s" "maximal_backoff_time = 300s" ||
	{ echo "FAIL: the sending postfix"; exit 1; }
DEFERRED=() HELD=() ALL=()
deferred=0 held=0
for ((i = 0; i < PER_PHASE; i++)); do
	m=$(new_msg down t1)
	reply=$(pf_send "$SEND_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
		fail "DNS down: the sending Postfix refused a message: $reply"
	DEFERRED+=("$(pf_queued_id "$reply") $m")
	m=$(new_msg down h1)
	reply=$(pf_send "$SMTP_PORT" "carol@$HDOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
		fail "DNS down: h1's message refused ($reply); its action is hold"
	HELD+=("$(pf_queued_id "$reply") $m")
done
for x in "${DEFERRED[@]}"; do
	pf_wait_status "$W/pfa" "${x%% *}" '(sent|deferred|bounced)' 30 &&
		[[ $(pf_status_line "$W/pfa" "${x%% *}") == *"said: 451 4.7.5 DKIM key $KEYNAME not usable (dns-temperror)"* ]] &&
		deferred=$((deferred + 1))
done
for x in "${HELD[@]}"; do
	qid=${x%% *}
	pf_held "$W/pf" | grep -qx "$qid" &&
		dg_log | grep -q "$qid: held: .*; release with: postsuper -H $qid\$" &&
		dg_log | grep -q "qid=$qid .*sig1_s=h1 .*sig1_guard=dns-temperror sig1_result=held" &&
		held=$((held + 1))
done
sleep 1
[ "$deferred" = "$PER_PHASE" ] &&
	pass "DNS down, never seen: t1: $deferred of $PER_PHASE refused, the sending Postfix keeps them ('$(pf_status_line "$W/pfa" "${DEFERRED[0]%% *}" | sed 's/.*said: //' | head -c 120)...')" ||
	fail "DNS down, never seen: t1: $deferred of $PER_PHASE deferred on 451 dns-temperror ($(pf_status_line "$W/pfa" "${DEFERRED[0]%% *}"))"
[ "$held" = "$PER_PHASE" ] &&
	pass "DNS down, never seen: h1: $held of $PER_PHASE in the hold queue, sig1_guard=dns-temperror sig1_result=held, the release command logged" ||
	fail "DNS down, never seen: h1: $held of $PER_PHASE held with the log lines"
[ "$(sink_count)" = 0 ] && ! grep -qE "^($DOMAIN|$HDOMAIN) " "$STATE" 2>/dev/null &&
	pass "DNS down: nothing reached the sink, the state file names no key" ||
	fail "DNS down: sink $(sink_count), state file: $(cat "$STATE" 2>&1)"
dg_log | grep -q "d=$DOMAIN s=t1: dns-temperror.*action tempfail" &&
	dg_log | grep -q "d=$HDOMAIN s=h1: dns-temperror.*action hold" &&
	pass "the log says each key's action: '$(dg_log | grep -o "d=$HDOMAIN s=h1: dns-temperror.*action hold" | head -n 1 | cut -c1-60)...; action hold'" ||
	fail "no 'action tempfail' / 'action hold' lines: $(dg_log | grep 'guard: d=' | head -n 3)"
RAN=$((RAN + 1))

# ---- 2. DNS comes up: good mail flows within 2 s --------------------------
dns_up || { echo "FAIL: unbound did not start"; exit 1; }
T_UP=$(date +%s.%N)
recovery_probes "$T_UP" up t1 h1 "DNS up" "after the records were served"
ALL+=("${RECOVERY_SENT[@]}")
RAN=$((RAN + 1))

# ---- 3. none lost: retry, release, every message verifies -----------------
dns_txt_tsv "$DNS_P" "$KEYNAME" "$HKEYNAME" >"$W/published.tsv"
recovery_release "${HELD[@]}"
files=()
for x in "${DEFERRED[@]}" "${HELD[@]}"; do files+=("${x#* }"); done
lost=$(wait_arrived "${files[@]}" "${ALL[@]}")
mapfile -t got < <(pf_sink_files "$W")
n=$(verify_all "$W/published.tsv" "${got[@]}")
[ -z "$lost" ] && [ "$n" = "${#got[@]}" ] && [ -z "$(pf_held "$W/pf")" ] &&
	pass "none lost: ${#DEFERRED[@]} refused messages arrived after the sending Postfix's retry (postqueue -f), ${#HELD[@]} held ones after postsuper -H, the probes too; dkimpy verifies $n of ${#got[@]} against the zone" ||
	fail "none lost: missing $(wc -w <<<"$lost"); dkimpy verifies $n of ${#got[@]}; still held: $(pf_held "$W/pf" | wc -l)"
RAN=$((RAN + 1))

# ---- 4. the state file after the good run ----------------------------------
# the keys went to the resolver (fallback) while the resolver could not
# name their zones' servers; that is retried after AUTHQ_FIND_RETRY_S
# (5 s), so within 5 s + GuardMaxAge (10 s) + 3 s of slack of DNS coming
# back they are asked at their authoritative servers again, and the log
# says so
back=0
while ! over "$(elapsed "$T_UP")" 18; do
	back=$(dg_log | grep -cE "key ($KEYNAME|$HKEYNAME): freshness: authoritative")
	[ "$back" = 2 ] && break
	sleep 0.1
done
[ "$back" = 2 ] &&
	pass "after DNS came back, both keys are asked at their authoritative servers again (logged at +$(elapsed "$T_UP") s)" ||
	fail "after DNS came back ($(elapsed "$T_UP") s ago) $back of 2 keys logged 'freshness: authoritative'"
for _ in $(seq 50); do
	grep -q "^$HDOMAIN h1 " "$STATE" 2>/dev/null && grep -q "^$DOMAIN t1 " "$STATE" && break
	sleep 0.1
done
euid=$(awk '/^Uid:/ { print $3 }' "/proc/$(dg_pid)/status")
owner=$(stat -c '%u %a' "$STATE" 2>/dev/null)
left=$(find "$W" -maxdepth 1 -name ".$(basename "$STATE").*.tmp") # textfile_write: .NAME.PID.tmp
grep -q "^$DOMAIN t1 [0-9]* v=DKIM1" "$STATE" && grep -q "^$HDOMAIN h1 [0-9]* v=DKIM1" "$STATE" &&
	[ "$owner" = "$euid 644" ] && [ -z "$left" ] &&
	pass "the state file names t1 and h1, owner uid $euid (the daemon's, no UserID), mode 644, no temporary file left" ||
	fail "state file: owner/mode '$owner' (daemon uid $euid, want mode 644); $(cut -c1-60 "$STATE" 2>&1); left: $left"
RAN=$((RAN + 1))

# restart_down KIND - dkimguard stopped, DNS down (KIND: none = nothing on
# the port, servfail = a server answering SERVFAIL), dkimguard started;
# the keys sign under GuardGrace and their mail arrives and verifies
restart_down() {
	local kind=$1 n i m reply sent=() held_before lost ok k line
	dg_stop
	cp "$W/dkimguard.log" "$W/dkimguard.log.before-$kind" # dg_start starts a new one
	dns_stop
	[ "$kind" = servfail ] && dns_responder "$DNS_P" servfail
	# dg_start begins a new log: what follows reads this run's lines only
	dg_start || { fail "restart ($kind): dkimguard did not start"; return; }
	# grace counts from the last good check the state file kept
	# (GuardGrace 3600, the default), not from this start
	ok=0 said=""
	for k in t1 h1; do
		line=$(dg_log | grep -m1 "d=$(key_domain $k) s=$k: dns-temperror")
		until=$(date -u -d "@$(($(awk -v d="$(key_domain $k)" -v s=$k '$1 == d && $2 == s { print $3 }' "$STATE") + 3600))" +%H:%M:%S)
		[[ $line == *"within grace until $until UTC, then $([ $k = h1 ] && echo hold || echo tempfail)"* ]] &&
			[[ $line != *"action "* ]] && ok=$((ok + 1))
		said="$said, $k: '${line##*; }'"
	done
	[ "$ok" = 2 ] && dg_log | grep -q "guard: 2 key(s) restored from $STATE" &&
		pass "restart ($kind): 2 keys restored from the state file, grace to their last good check + GuardGrace${said}" ||
		fail "restart ($kind): '$(dg_log | grep -m1 'restored from' || echo 'no restored line')'${said}"
	n=$(sink_count) held_before=$(pf_held "$W/pf" | wc -l)
	for ((i = 0; i < PER_PHASE; i++)); do
		m=$(new_msg "restart-$kind" t1)
		reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
			fail "restart ($kind): t1's message refused: $reply"
		sent+=("$m")
		m=$(new_msg "restart-$kind" h1)
		reply=$(pf_send "$SMTP_PORT" "carol@$HDOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
			fail "restart ($kind): h1's message refused: $reply"
		sent+=("$m")
	done
	lost=$(wait_arrived "${sent[@]}")
	mapfile -t got < <(pf_sink_files "$W" | tail -n +$((n + 1)))
	m=$(verify_all "$W/published.tsv" "${got[@]}")
	[ -z "$lost" ] && [ "${#got[@]}" = "${#sent[@]}" ] && [ "$m" = "${#sent[@]}" ] &&
		[ "$(pf_held "$W/pf" | wc -l)" = "$held_before" ] &&
		[ "$(dg_log | grep -cE 'sig1_guard=dns-temperror sig1_result=signed')" = "${#sent[@]}" ] &&
		pass "restart ($kind): ${#sent[@]} of ${#sent[@]} messages signed under grace (sig1_guard=dns-temperror sig1_result=signed), none held, all arrived; dkimpy verifies $m against the zone's records" ||
		fail "restart ($kind): missing $(wc -w <<<"$lost"), arrived ${#got[@]} of ${#sent[@]}, verified $m, held $(pf_held "$W/pf" | wc -l) (was $held_before), signed under grace $(dg_log | grep -c 'sig1_guard=dns-temperror sig1_result=signed')"
	RAN=$((RAN + 1))
}

# ---- 5-6. restart with DNS down after the good run ----------------------------
restart_down none
restart_down servfail

[ "$RAN" = "$PHASES" ] || fail "ran $RAN of $PHASES phases"
echo "guard restart through Postfix e2e: ran $RAN of $PHASES phases, $FAILS failure(s)"
[ "$FAILS" = 0 ]
