#!/bin/bash
# metrics.sh - issue 7: RSA-2048 signing throughput with the metrics on
#	       (MetricsListen and/or MetricsFile) against metrics off
#
# SYNOPSIS
#	bench/metrics.sh            (runs: bench/run.sh --sections metrics)
#	section_metrics             when sourced by run.sh
#
# DESCRIPTION
#	Two dkimguard instances with keys from TestKeys: metrics-off (no
#	metrics option) and metrics-on (MetricsListen on 127.0.0.1, a port
#	in 25000-25999, and MetricsFile, whichever common/config/options.def has;
#	intervals at their defaults).  /metrics is scraped once after every
#	metrics-on run, as Prometheus would during a longer run.  After a
#	warm-up, BENCH_AB_ROUNDS (5) interleaved rounds of BENCH_N_AB (8000)
#	small messages at c=8.  Target: metrics-on at least 0.97 x metrics-off
#	(median of the per-round ratios).  Skipped, with the reason, when
#	options.def has neither option.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exec bash "$(dirname "$0")/run.sh" --sections metrics "$@"
fi

# metrics_has - options.def has a row for option NAME
metrics_has() {
	grep -q "^OPT($1," "$ROOT/common/config/options.def"
}

# ab_hook - after each metrics-on run: one scrape
ab_hook() {
	[ "$1" = metrics-on ] && [ -n "$METRICS_PORT" ] || return 0
	curl -s -m 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$T/scrape.txt" ||
		note "metrics: scrape failed"
}

# metrics_check - the metrics-on instance really exports something
metrics_check() {
	local ok=1
	if [ -n "$METRICS_PORT" ]; then
		ab_hook metrics-on
		if grep -q '^dkimguard_' "$T/scrape.txt" 2>/dev/null; then
			note "metrics: /metrics answers ($(grep -c '^dkimguard_' "$T/scrape.txt") samples)"
		else
			say "  /metrics on 127.0.0.1:$METRICS_PORT gave no dkimguard_ samples"
			ok=0
		fi
	fi
	if metrics_has MetricsFile && [ ! -s "$T/metrics.prom" ]; then
		note "metrics: $T/metrics.prom not written yet (interval not reached)"
	fi
	((ok))
}

# section_metrics - the issue 7 section
section_metrics() {
	local on=() names r
	METRICS_PORT=
	say "== Issue 7: signing with metrics on vs off (RSA-2048, small, c=8)"
	if ! metrics_has MetricsListen && ! metrics_has MetricsFile; then
		say "  common/config/options.def has no MetricsListen or MetricsFile row yet (the metrics"
		say "  code in milter/observe/metrics.c and observe.c cannot be configured): section skipped"
		target 7 "metrics on within 3% of metrics off" \
			"not measured: no MetricsListen/MetricsFile option in common/config/options.def" SKIP
		return
	fi
	if [ ! -x "$DKG" ] || ! want dkimguard; then
		target 7 "metrics on within 3% of metrics off" "dkimguard not built or not selected" SKIP
		return
	fi
	if metrics_has MetricsListen; then
		METRICS_PORT=$(free_port)
		on+=("MetricsListen 127.0.0.1:$METRICS_PORT")
	fi
	metrics_has MetricsFile && on+=("MetricsFile $T/metrics.prom")
	say "  metrics-on: ${on[*]}"
	if ! filter_start metrics-off dkimguard sign rsa "TestKeys $T/dns.tsv" ||
		! filter_start metrics-on dkimguard sign rsa "TestKeys $T/dns.tsv" "${on[@]}"; then
		say "  an instance did not start: $(tail -n 2 "$T/metrics-on.log" 2>/dev/null | tr '\n' ' ')"
		inst_stop metrics-off; inst_stop metrics-on
		target 7 "metrics on within 3% of metrics off" "dkimguard did not start with: ${on[*]}" MISS
		return
	fi
	names="metrics-off metrics-on"
	lg metrics-off "$T/msg/small.eml" 8 "$N_WARM" 127.0.0.1 >/dev/null
	lg metrics-on "$T/msg/small.eml" 8 "$N_WARM" 127.0.0.1 >/dev/null
	metrics_check || {
		inst_stop metrics-off; inst_stop metrics-on
		target 7 "metrics on within 3% of metrics off" "metrics-on exports nothing" MISS
		return
	}
	ab_rounds metrics "$T/msg/small.eml" 8 "$N_AB" "$AB_ROUNDS" $names
	inst_stop metrics-off; inst_stop metrics-on
	say "  msg/s per round, $N_AB messages each, order reversed every other round:"
	ab_print metrics $names
	for r in $names; do
		(($(ab_bad metrics "$r"))) && say "  $r: some runs did not sign every message: not comparable"
	done
	[ -n "$METRICS_PORT" ] && say "  last scrape: $(grep -h '^dkimguard_messages_total{decision="sign"}' \
		"$T/scrape.txt" 2>/dev/null | cut -d' ' -f2) messages to sign counted, $((N_WARM + AB_ROUNDS * N_AB)) sent"
	r=$(ab_ratio metrics metrics-on metrics-off)
	target 7 "metrics on within 3% of metrics off" \
		"$(ab_median metrics metrics-on rate) vs $(ab_median metrics metrics-off rate) msg/s: ratio $r (rounds $(ab_range metrics metrics-on metrics-off))" \
		"$(verdict "$r" ge 0.97)"
	target 7 "metrics on vs off in filter CPU time per message (no target)" \
		"$(ab_cpu_text metrics metrics-on metrics-off)" INFO
}
