#!/bin/bash
# guard.sh - issue 5: RSA-2048 signing throughput with the published-key
#	     guard answering from its cache, keys in a real DNS server;
#	     issue 13: the refresher's queries and CPU at 10,000 keys
#
# SYNOPSIS
#	bench/guard.sh              (runs: bench/run.sh --sections guard)
#	section_guard               when sourced by run.sh
#	section_fresh               the same, section "fresh" (see below)
#
# DESCRIPTION
#	Starts Debian's unbound on 127.0.0.1 (tests/e2e/lib/dns.sh, a port in
#	25000-25999 or DKIMGUARD_TEST_PORTS) serving both public keys with TTL
#	300, and dkimguard instances that find keys only through it
#	(Nameservers, no TestKeys):
#	    guard-on      the defaults (guard, SelfVerify yes)
#	    guard-nosv    SelfVerify no (the guard still decides)
#	    guard-off     "Guard no" (BENCH_GUARD_OFF="Name value" overrides):
#	                  DNS is never asked; SelfVerify stays at its default
#	                  and checks against the key's own record, so the
#	                  on/off ratio is the guard's own cost
#	Each instance signs BENCH_N_WARM messages first (cache warm), then
#	BENCH_AB_ROUNDS (5) interleaved rounds of BENCH_N_AB (8000) small
#	messages at c=8.  Target: guard-on within 5% of guard-off (median of
#	the per-round ratios >= 0.95).  If the guard-off instance does not
#	start (a tree without the option) the target says it cannot be
#	measured.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exec bash "$(dirname "$0")/run.sh" --sections guard "$@"
fi

# guard_off_line - the configuration line that turns the guard off
guard_off_line() {
	echo "${BENCH_GUARD_OFF:-Guard no}"
}

# guard_dns - unbound on loopback with the bench's two key records
guard_dns() {
	local port rsa_parts
	. "$ROOT/tests/e2e/lib/dns.sh"
	dns_have || { say "  unbound or python3-dnspython missing"; return 1; }
	port=$(free_port)
	[ -n "$port" ] || { say "  no free port in ${DKIMGUARD_TEST_PORTS:-25000-25999}"; return 1; }
	pf_on_exit dns_stop
	dns_start "$T/dns" "$port" || return 1
	DNS_TTL=300 DNS_NEG_TTL=300
	dns_zone example.com
	mapfile -t rsa_parts < <(grep -o '"[^"]*"' "$T/keys/rsa.txt" | tr -d '"')
	dns_set rsa._domainkey.example.com "${rsa_parts[@]}"
	dns_set ed25519._domainkey.example.com \
		"$(awk -F'\t' '$1 ~ /^ed25519/ { print $2 }' "$T/dns.tsv")"
	dns_reload || return 1
	GUARD_NS=127.0.0.1:$port
	note "guard: unbound on $GUARD_NS"
}

# guard_dkimpy - the signed message verifies with dkimpy against that DNS
guard_dkimpy() {
	/usr/bin/python3 - "$1" "${GUARD_NS#*:}" <<'EOF' >/dev/null 2>&1
import sys, dkim, dns.message, dns.query
def txt(name, timeout=5):
    q = dns.message.make_query(name.decode().rstrip(".") + ".", "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[2]), timeout=2)
    for rr in r.answer:
        for t in rr:
            return b"".join(t.strings)
    return None
msg = open(sys.argv[1], "rb").read()
sys.exit(0 if dkim.verify(msg, dnsfunc=txt) else 1)
EOF
}

# guard_start - instance NAME signing RSA through DNS, extra LINEs
guard_start() {
	local name=$1 out
	shift
	filter_start "$name" dkimguard sign rsa "Nameservers $GUARD_NS" "$@" || return 1
	out=$T/$name.sanity.eml
	lg_one "$name" "$T/msg/small.eml" 127.0.0.1 >"$out"
	if guard_dkimpy "$out"; then
		note "guard: $name: signature verifies with dkimpy against the DNS server"
	else
		note "guard: $name: SIGNATURE DOES NOT VERIFY ($(cat "$T/$name.one.action"))"
		return 1
	fi
	lg "$name" "$T/msg/small.eml" 8 "$N_WARM" 127.0.0.1 >/dev/null
}

# section_guard - the issue 5 section
section_guard() {
	local off names="guard-on guard-nosv" bad name r sv
	say "== Issue 5: signing with the key guard (RSA-2048, small, c=8, keys in DNS)"
	if [ ! -x "$DKG" ] || ! want dkimguard; then
		target 5 "guard on within 5% of guard off" "dkimguard not built or not selected" SKIP
		return
	fi
	if ! guard_dns; then
		target 5 "guard on within 5% of guard off" "no DNS server (see above)" SKIP
		return
	fi
	off=$(guard_off_line)
	guard_start guard-on || { target 5 "guard on within 5% of guard off" \
		"guard-on instance does not sign (see log)" MISS; return; }
	guard_start guard-nosv "SelfVerify no" || names="guard-on"
	guard_start guard-off "$off" && names="$names guard-off" ||
		note "guard: '$off' did not start or sign"

	ab_rounds guard "$T/msg/small.eml" 8 "$N_AB" "$AB_ROUNDS" $names
	for name in $names; do inst_stop "$name"; done
	say "  msg/s per round, $N_AB messages each, order reversed every other round:"
	ab_print guard $names
	for name in $names; do
		bad=$(ab_bad guard "$name")
		((bad)) && say "  $name: $bad run(s) did not sign every message: not comparable"
	done
	sv=$(ab_ratio guard guard-nosv guard-on)
	[ "$sv" != - ] && say "  SelfVerify no / yes: $sv (what the self-check costs)"
	if [[ " $names " == *" guard-off "* ]]; then
		say "  guard-off: '$off'; SelfVerify runs in both (guard-off: against the key's"
		say "  own record), so the ratio is what asking the guard costs"
		r=$(ab_ratio guard guard-on guard-off)
		target 5 "guard on (cached) within 5% of guard off" \
			"$(ab_median guard guard-on rate) vs $(ab_median guard guard-off rate) msg/s ('$off'): ratio $r (rounds $(ab_range guard guard-on guard-off))" \
			"$(verdict "$r" ge 0.95)"
		target 5 "guard on vs off in filter CPU time per message (no target)" \
			"$(ab_cpu_text guard guard-on guard-off)" INFO
	else
		target 5 "guard on (cached) within 5% of guard off" \
			"guard on $(ab_median guard guard-on rate) msg/s; NOT MEASURABLE: '$off' did not start or sign (see above; BENCH_GUARD_OFF='Name value' sets another line)" \
			N/A
	fi
	target 5 "self-verify cost (no target)" \
		"SelfVerify no / yes = $sv (rounds $(ab_range guard guard-nosv guard-on)); one public-key verification per signature against a record parsed once per change" INFO
}

# ---- section "fresh" (issue 13): the refresher's cost at scale ----------
#	A second unbound (every query logged: log-queries) serves zone
#	scale.test with BENCH_FRESH_KEYS (10000) key records and
#	example.com, TTL 3600, both delegated to itself (NS/A records), so
#	the guard asks it as the zones' authoritative server (GuardAuthPort)
#	and as the resolver that names that server.  Instances sign RSA for
#	example.com with a key table of those keys plus the 10,000 (all with
#	the bench's RSA key, so every record is valid):
#	    fresh-on    GuardMaxAge 10 (default), GuardQueryRate 200
#	    fresh-off   GuardMaxAge 0: checked at start, then at 80% of the
#	                TTL (2880 s): no refresher work during the run
#	Measured: fresh-on's start (launch to socket) and the queries per
#	second unbound sees from its launch until the start-up checks are
#	done (TXT: the key checks; all: with the SOA/NS/A/AAAA questions that
#	find the servers); then, idle (no messages), BENCH_FRESH_IDLE (60) s
#	of the steady state: the window (from the log), the TXT queries per
#	second and the CPU share (utime+stime from /proc/PID/stat, CPU time
#	rather than wall clock on a shared machine); then BENCH_AB_ROUNDS
#	interleaved rounds of BENCH_N_AB messages on both instances: the
#	filter CPU per message with the refresher on vs GuardMaxAge 0.
FRESH_KEYS=${BENCH_FRESH_KEYS:-10000}
FRESH_IDLE=${BENCH_FRESH_IDLE:-60}

# fresh_dns - the logged unbound with scale.test and example.com
fresh_dns() {
	local port dir=$T/dns-fresh rec parts
	port=$(free_port)
	[ -n "$port" ] || { say "  no free port in ${DKIMGUARD_TEST_PORTS:-25000-25999}"; return 1; }
	pf_on_exit dns_stop
	dns_start "$dir" "$port" || return 1
	DNS_TTL=3600 DNS_NEG_TTL=3600
	dns_zone scale.test
	dns_zone example.com
	mapfile -t parts < <(grep -o '"[^"]*"' "$T/keys/rsa.txt" | tr -d '"')
	rec=$(dns_quote "${parts[@]}")
	{
		printf 'scale.test 3600 IN NS ns1.scale.test.\n'
		printf 'ns1.scale.test 3600 IN A 127.0.0.1\n'
		printf 'example.com 3600 IN NS ns1.scale.test.\n'
		printf 'rsa._domainkey.example.com 3600 IN TXT%s\n' "$rec"
		awk -v n="$FRESH_KEYS" -v r="$rec" 'BEGIN { for (i = 1; i <= n; i++)
			printf "s%d._domainkey.d%d.scale.test 3600 IN TXT%s\n", i, i, r }'
	} >>"$dir/records"
	sed -i 's/^\tverbosity: 1$/&\n\tlog-queries: yes/' "$dir/unbound.conf"
	dns_reload || return 1
	FRESH_NS=127.0.0.1:$port FRESH_PORT=$port FRESH_QLOG=$dir/unbound.log
	note "fresh: unbound on $FRESH_NS, $FRESH_KEYS key records, queries logged"
}

# fresh_tables - the key table (example.com's RSA key and the scale keys)
# and the signing table (example.com only) of instances "fresh"
fresh_tables() {
	local key=$T/keys/rsa.private
	{
		echo "rsa._domainkey.example.com example.com:rsa:$key"
		awk -v n="$FRESH_KEYS" -v k="$key" 'BEGIN { for (i = 1; i <= n; i++)
			printf "s%d._domainkey.d%d.scale.test d%d.scale.test:s%d:%s\n", i, i, i, i, k }'
	} >"$T/keytable.fresh"
	echo "*@example.com rsa._domainkey.example.com" >"$T/signingtable.fresh"
}

# fresh_qps FROM TO - "TXT-max TXT-total all-max all-total" of the
# queries unbound logged in the seconds [FROM, TO)
fresh_qps() {
	awk -v from="$1" -v to="$2" '
		/ info: 127\.0\.0\.1 / {
			t = substr($1, 2, length($1) - 2) + 0
			if (t < from || t >= to) next
			all[t]++; na++
			if ($0 ~ / TXT IN$/) { txt[t]++; nt++ }
		}
		END {
			for (t in all) if (all[t] > am) am = all[t]
			for (t in txt) if (txt[t] > tm) tm = txt[t]
			printf "%d %d %d %d\n", tm, nt, am, na
		}' "$FRESH_QLOG"
}

# fresh_cpu NAME - utime+stime of instance NAME in clock ticks
fresh_cpu() {
	awk '{ print $14 + $15 }' "/proc/$(cat "$T/$1.pid")/stat"
}

# fresh_start_phase - start fresh-on; its start time and the queries of
# its start-up checks (until the log says every key was checked, at most
# 3 windows); sets FRESH_START_MS and FRESH_START_QPS
fresh_start_phase() {
	local t0 t0s end
	t0s=$(date +%s)
	t0=$(date +%s%N)
	filter_start fresh-on dkimguard sign fresh "Nameservers $FRESH_NS" \
		"GuardAuthPort $FRESH_PORT" || return 1
	FRESH_START_MS=$((($(date +%s%N) - t0) / 1000000))
	# the start-up checks are done when unbound has seen every name once
	end=$((SECONDS + 180))
	until [ "$(grep -c 'scale\.test\. TXT IN$' "$FRESH_QLOG")" -ge "$FRESH_KEYS" ]; do
		((SECONDS < end)) || break
		sleep 1
	done
	FRESH_START_S=$(($(date +%s) - t0s + 1))
	FRESH_START_QPS=$(fresh_qps "$t0s" "$((t0s + FRESH_START_S))")
}

# fresh_idle_phase - the steady state of fresh-on, no messages, over
# whole seconds that begin after the start-up checks: sets
# FRESH_IDLE_QPS (TXT queries per second), FRESH_CPU (% of a core)
fresh_idle_phase() {
	local c0 c1 n0 n1 t0 t1 hz q
	hz=$(getconf CLK_TCK)
	t0=$(($(date +%s) + 2))
	while (($(date +%s) < t0)); do sleep 0.05; done
	n0=$(date +%s%N)
	c0=$(fresh_cpu fresh-on)
	t1=$((t0 + FRESH_IDLE))
	while (($(date +%s) < t1)); do sleep 0.2; done
	c1=$(fresh_cpu fresh-on)
	n1=$(date +%s%N)
	q=$(fresh_qps "$t0" "$t1")
	set -- $q
	FRESH_IDLE_QPS=$(awk -v n="$2" -v s="$FRESH_IDLE" 'BEGIN { printf "%.1f", n / s }')
	FRESH_IDLE_MAX=$1
	FRESH_CPU=$(awk -v c="$((c1 - c0))" -v hz="$hz" -v ns="$((n1 - n0))" \
		'BEGIN { printf "%.2f", 100 * c / hz / (ns / 1e9) }')
}

# section_fresh - the issue 13 section
section_fresh() {
	local win q r load
	say "== Issue 13: the guard's refresher at scale ($FRESH_KEYS keys, GuardMaxAge 10, GuardQueryRate 200, authoritative server on loopback)"
	if [ ! -x "$DKG" ] || ! want dkimguard; then
		target 13 "refresher at scale" "dkimguard not built or not selected" SKIP
		return
	fi
	fresh_dns || { target 13 "refresher at scale" "no DNS server (see above)" SKIP; return; }
	fresh_tables
	fresh_start_phase || { target 13 "refresher at scale" "fresh-on did not start (see log)" MISS; return; }
	set -- $FRESH_START_QPS
	say "  start: launch to socket $FRESH_START_MS ms; start-up checks done within $FRESH_START_S s;"
	say "    DNS queries seen: TXT (key checks) $2 in all, $1 in the busiest second;"
	say "    every kind (with SOA/NS/A/AAAA that find the servers) $4, $3 in the busiest second"
	target 13 "start of $FRESH_KEYS keys: key checks (TXT) in the busiest second <= GuardQueryRate 200" \
		"$1 (all queries $3/s at most; $2 TXT in $FRESH_START_S s; socket after $FRESH_START_MS ms)" \
		"$(verdict "$1" le 200)"
	fresh_idle_phase
	win=$(grep -o 'freshness: window [0-9]* s' "$T/fresh-on.log" | tail -n 1 | grep -o '[0-9][0-9]*')
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	say "  steady state, idle, $FRESH_IDLE s: window ${win:-?} s; $FRESH_IDLE_QPS TXT queries/s on average, $FRESH_IDLE_MAX at most in one second;"
	say "    refresher CPU $FRESH_CPU% of one core (utime+stime); load average $load"
	target 13 "refresher, $FRESH_KEYS keys, steady state: queries/s <= GuardQueryRate 200, window keys/200 + 2" \
		"window ${win:-?} s; $FRESH_IDLE_QPS queries/s on average, $FRESH_IDLE_MAX at most in one second" \
		"$(verdict "$FRESH_IDLE_MAX" le 200)"
	target 13 "refresher CPU, $FRESH_KEYS keys, idle (no target)" \
		"$FRESH_CPU% of one core over $FRESH_IDLE s (load average $load)" INFO
	filter_start fresh-off dkimguard sign fresh "Nameservers $FRESH_NS" \
		"GuardAuthPort $FRESH_PORT" "GuardMaxAge 0" ||
		{ target 13 "signing cost with the refresher on" "fresh-off did not start" MISS; return; }
	ab_rounds fresh "$T/msg/small.eml" 8 "$N_AB" "$AB_ROUNDS" fresh-on fresh-off
	inst_stop fresh-on
	inst_stop fresh-off
	say "  msg/s per round, $N_AB messages each, order reversed every other round:"
	ab_print fresh fresh-on fresh-off
	for r in fresh-on fresh-off; do
		q=$(ab_bad fresh "$r")
		((q)) && say "  $r: $q run(s) did not sign every message: not comparable"
	done
	r=$(ab_ratios fresh fresh-on fresh-off cpu_us_msg | median)
	target 13 "signing CPU per message, refresher on ($FRESH_KEYS keys) within 5% of GuardMaxAge 0" \
		"$(ab_cpu_text fresh fresh-on fresh-off); msg/s ratio $(ab_ratio fresh fresh-on fresh-off); load average $(cut -d' ' -f1-3 /proc/loadavg)" \
		"$(verdict "$r" ge 0.95)"
}
