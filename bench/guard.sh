#!/bin/bash
# guard.sh - issue 5: RSA-2048 signing throughput with the published-key
#	     guard answering from its cache, keys in a real DNS server
#
# SYNOPSIS
#	bench/guard.sh              (runs: bench/run.sh --sections guard)
#	section_guard               when sourced by run.sh
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
