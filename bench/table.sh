#!/bin/bash
# table.sh - issue 4: msg/s, latency and RSS of dkimguard beside Debian's
#	     opendkim and a null filter, with the issue's targets
#
# SYNOPSIS
#	bench/table.sh [--only FILTER]   (runs: bench/run.sh --sections table)
#	section_table                    when sourced by run.sh
#
# DESCRIPTION
#	Every filter instance (null; opendkim and dkimguard x sign/verify x
#	rsa/ed25519) is started at once and stays idle between its cells.
#	BENCH_ROUNDS (3) rounds each run every cell once; inside a round the
#	cells that are compared (null, opendkim, dkimguard of one size and
#	concurrency) run one after the other, and every other round runs in
#	reverse order.  The table shows medians over the rounds; "vs odk" and
#	"vs null" are medians of the per-round ratios, so a slow moment on
#	the shared machine hits both sides of a ratio.  Verify input is
#	signed by opendkim (loadgen --one) and checked with dkimpy; public
#	keys come from $T/dns.tsv (opendkim TestPublicKeys, dkimguard
#	TestKeys), never from DNS.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exec bash "$(dirname "$0")/run.sh" --sections table "$@"
fi

# table_client - signing is for internal clients, verify for external
table_client() {
	[ "$1" = verify ] && echo 192.0.2.25 || echo 127.0.0.1
}

# table_filters - the DKIM filters to measure (--only, dkimguard built)
table_filters() {
	local f
	for f in opendkim dkimguard; do
		want "$f" || continue
		if [ "$f" = dkimguard ] && [ ! -x "$DKG" ]; then
			note "milter/dkimguard is not built: its rows are skipped"
			continue
		fi
		echo "$f"
	done
}

# table_start - start instance f-mode-alg
table_start() {
	filter_start "$1-$2-$3" "$1" "$2" "$3"
}

# table_presign - messages signed by opendkim for the verify cells
table_presign() {
	local alg size out
	for alg in rsa ed25519; do
		for size in small 100k; do
			out=$T/msg/$size.$alg.signed.eml
			lg_one "opendkim-sign-$alg" "$T/msg/$size.eml" 127.0.0.1 >"$out" &&
				/usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --dns "$T/dns.tsv" \
					"$out" >>"$T/sanity.log" 2>&1 ||
				{ note "presign $alg $size failed"; return 1; }
		done
	done
	note "presigned messages verify with dkimpy"
}

# table_sanity - one message: a new signature verifies / dkim=pass
table_sanity() {
	local name=$1 mode=$2 alg=$3 out=$T/sanity-$1.eml msg=$T/msg/small.eml
	[ "$mode" = verify ] && msg=$T/msg/small.$alg.signed.eml
	lg_one "$name" "$msg" "$(table_client "$mode")" >"$out" || { echo "no verdict"; return; }
	if [ "$mode" = sign ]; then
		/usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --dns "$T/dns.tsv" "$out" \
			>/dev/null 2>&1 && echo "signature verifies (dkimpy)" || echo "SIGNATURE DOES NOT VERIFY"
	else
		grep -qi 'dkim=pass' "$out" && echo "dkim=pass" || echo "NO dkim=pass IN OUTPUT"
	fi
}

# table_cells - one round's cells, "filter mode alg size c"; in each
# size/concurrency group the cells of a target run next to each other:
# opendkim and dkimguard RSA signing, dkimguard Ed25519 around the null
# filter, then the rest
table_cells() {
	local size c cell
	for size in small 100k; do
		for c in 1 8; do
			for cell in "opendkim sign rsa" "dkimguard sign rsa" \
				"dkimguard sign ed25519" "null - -" "dkimguard verify ed25519" \
				"opendkim sign ed25519" "opendkim verify ed25519" \
				"opendkim verify rsa" "dkimguard verify rsa"; do
				set -- $cell
				if [ "$1" = null ]; then
					[ -e "$T/null.pid" ] && echo "null - - $size $c"
				else
					[ -e "$T/$1-$2-$3.pid" ] && echo "$cell $size $c"
				fi
			done
		done
	done
}

# table_run_cell - one cell of round r into $T/table.tsv
table_run_cell() {
	local r=$1 f=$2 mode=$3 alg=$4 size=$5 c=$6 n=$N_SMALL msg name res
	[ "$size" = 100k ] && n=$N_100K
	msg=$T/msg/$size.eml
	[ "$mode" = verify ] && msg=$T/msg/$size.$alg.signed.eml
	name=$f-$mode-$alg
	[ "$f" = null ] && name=null
	res=$(lg "$name" "$msg" "$c" "$n" "$(table_client "$mode")")
	[ -n "$res" ] || { note "$f $mode $alg $size c=$c round $r: no result"; return; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$f" "$mode" "$alg" "$size" "$c" "$res" \
		>>"$T/table.tsv"
}

# table_print - medians per cell; writes $T/ratios (one row per cell)
table_print() {
	awk -F'\t' -v ratios="$T/ratios" "$AB_KV"'
	function med(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		if (n == 0) return ""
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function spread(list,   a, n, i, lo, hi, m) {
		n = split(list, a, " ")
		if (n < 2) return "-"
		lo = hi = a[1]
		for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
		m = med(list)
		return m > 0 ? sprintf("%.0f%%", 100 * (hi - lo) / m) : "-"
	}
	{
		cell = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5 SUBSEP $6
		if (!(cell in seen)) { seen[cell] = 1; order[++n] = cell }
		rate[$1, cell] = kv($7, "rate")
		rates[cell] = rates[cell] " " kv($7, "rate")
		p50[cell] = p50[cell] " " kv($7, "p50_ms")
		p99[cell] = p99[cell] " " kv($7, "p99_ms")
		if (kv($7, "rss_max_kb") + 0 > rss[cell] + 0) rss[cell] = kv($7, "rss_max_kb")
		if (kv($7, "cpu_us_msg") + 0 > 0) {
			cpu[$1, cell] = kv($7, "cpu_us_msg")
			cpus[cell] = cpus[cell] " " kv($7, "cpu_us_msg")
		}
		bad[cell] += kv($7, "error") + kv($7, "tempfail") + kv($7, "reject")
		rounds[$1] = 1
	}
	END {
		printf "  %-10s %-6s %-7s %-5s %2s %9s %6s %8s %8s %9s %7s %7s %7s %7s %s\n", "filter", "mode", "alg",
			"size", "c", "msg/s", "spread", "p50 ms", "p99 ms", "RSS kB", "vs odk", "vs null",
			"cpu us", "cpu odk", "notes"
		for (i = 1; i <= n; i++) {
			split(order[i], k, SUBSEP)
			odk = "opendkim" SUBSEP k[2] SUBSEP k[3] SUBSEP k[4] SUBSEP k[5]
			nul = "null" SUBSEP "-" SUBSEP "-" SUBSEP k[4] SUBSEP k[5]
			ro = rn = rc = ""
			for (r in rounds) {
				if ((r, order[i]) in cpu && (r, odk) in cpu)
					rc = rc " " cpu[r, odk] / cpu[r, order[i]]
				if ((r, order[i]) in rate && (r, odk) in rate && rate[r, odk] > 0)
					ro = ro " " rate[r, order[i]] / rate[r, odk]
				if ((r, order[i]) in rate && (r, nul) in rate && rate[r, nul] > 0)
					rn = rn " " rate[r, order[i]] / rate[r, nul]
			}
			vo = ro == "" ? "-" : sprintf("%.2f", med(ro))
			vn = rn == "" ? "-" : sprintf("%.2f", med(rn))
			vc = rc == "" ? "-" : sprintf("%.2f", med(rc))
			cu = cpus[order[i]] == "" ? "-" : sprintf("%.0f", med(cpus[order[i]]))
			printf "  %-10s %-6s %-7s %-5s %2s %9.1f %6s %8.3f %8.3f %9s %7s %7s %7s %7s%s\n", k[1], k[2], k[3], k[4], k[5],
				med(rates[order[i]]), spread(rates[order[i]]), med(p50[order[i]]), med(p99[order[i]]),
				rss[order[i]], vo, vn, cu, vc, bad[order[i]] ? "  errors/tempfails/rejects=" bad[order[i]] : ""
			printf "%s %s %s %s %s %s %s %s %d %s %s\n", k[1], k[2], k[3], k[4], k[5],
				med(rates[order[i]]), vo, vn, bad[order[i]], vc, cu >ratios
		}
	}' "$T/table.tsv" | table_sort
}

# table_sort - header first, then rows by filter (null, opendkim,
# dkimguard), mode, alg, size, concurrency
table_sort() {
	local head
	IFS= read -r head
	printf '%s\n' "$head"
	awk '{ f = $1 == "null" ? 0 : $1 == "opendkim" ? 1 : 2
		printf "%d %s %s %s %d\t%s\n", f, $2, $3, $4 == "small" ? 0 : 1, $5, $0 }' |
		sort -k1,1n -k2,2 -k3,3r -k4,4n -k5,5n | cut -f2-
}

# table_ratio - field (7 vs odk, 8 vs null, 10 cpu odk, 11 cpu us) of one
# cell in $T/ratios
table_ratio() {
	awk -v f="$1" -v m="$2" -v a="$3" -v s="$4" -v c="$5" -v col="$6" \
		'$1 == f && $2 == m && $3 == a && $4 == s && $5 == c { print $col }' "$T/ratios"
}

# table_target - one target over several cells: all must meet LIMIT
table_target() {	# NAME MODE ALG COLUMN LIMIT CELLS [ISSUE, default 4]
	local name=$1 mode=$2 alg=$3 col=$4 limit=$5 cells=$6 issue=${7:-4}
	local cell v text="" status=PASS
	for cell in $cells; do
		v=$(table_ratio dkimguard "$mode" "$alg" "${cell%/*}" "${cell#*/}" "$col")
		text="$text${text:+, }${cell%/*} c=${cell#*/} ${v:--}"
		[ "$(verdict "${v:--}" ge "$limit")" = PASS ] || status=MISS
	done
	target "$issue" "$name" "$text" "$status"
}

# table_cpu_info - the same comparison in filter CPU time per message:
# opendkim's / dkimguard's (a second view of the cost, see README)
table_cpu_info() {
	local cell text=""
	for cell in small/1 small/8 100k/1 100k/8; do
		text="$text${text:+, }${cell%/*} c=${cell#*/} $(table_ratio dkimguard sign rsa "${cell%/*}" "${cell#*/}" 10)"
	done
	target 4 "RSA-2048 signing, filter CPU per message: opendkim / dkimguard (no target)" "$text" INFO
}

# table_ceiling - issue 16: RSA-2048 signing at c=8 against what one
# message must cost at least: one RSA-2048 signature (openssl speed in this
# run, per CPU second as the filters' cpu us are) plus the null filter's
# CPU per message in the same cell.  ceiling us / dkimguard's cpu us.
table_ceiling() {
	local rsa cell g n v text="" status=PASS
	rsa=$(timeout --foreground 60 openssl speed -seconds 3 rsa2048 2>/dev/null |
		awk '/^rsa 2048 bits/ { print $(NF - 1) }')
	if [ -z "$rsa" ]; then
		target 16 "RSA-2048 signing >= 0.65 x the ceiling at c=8" "openssl speed failed" SKIP
		return
	fi
	for cell in small/8 100k/8; do
		g=$(table_ratio dkimguard sign rsa "${cell%/*}" "${cell#*/}" 11)
		n=$(table_ratio null - - "${cell%/*}" "${cell#*/}" 11)
		v=$(awk -v r="$rsa" -v g="${g:--}" -v n="${n:--}" 'BEGIN {
			if (g + 0 > 0 && n != "-") printf "%.2f (%.0f + %.0f of %.0f us)",
				(1e6 / r + n) / g, 1e6 / r, n, g
			else print "-" }')
		text="$text${text:+, }${cell%/*} c=${cell#*/} $v"
		[ "$(verdict "${v%% *}" ge 0.65)" = PASS ] || status=MISS
	done
	target 16 "RSA-2048 signing >= 0.65 x the ceiling (one RSA signature + null filter CPU) at c=8" \
		"$text" "$status"
}

# table_targets - the issue 4 throughput targets (and issue 16's)
table_targets() {
	local v

	if ! grep -q '^dkimguard ' "$T/ratios" 2>/dev/null; then
		target 4 "throughput targets" "dkimguard rows missing (not built or --only)" SKIP
		return
	fi
	if grep -q '^opendkim ' "$T/ratios"; then
		table_target "RSA-2048 signing >= 3x opendkim at c=8" sign rsa 7 3 "small/8 100k/8"
		table_cpu_info
		v=$(table_ratio dkimguard sign rsa small 8 7)
		target 16 "RSA-2048 signing >= 3.5x opendkim at c=8 (small)" "${v:--}" \
			"$(verdict "${v:--}" ge 3.5)"
		table_target "RSA-2048 verifying >= 3x opendkim at c=8" verify rsa 7 3 \
			"small/8 100k/8" 16
	else
		target 4 "RSA-2048 signing >= 3x opendkim at c=8" "opendkim rows missing" SKIP
	fi
	if grep -q '^null ' "$T/ratios"; then
		table_ceiling
		table_target "Ed25519 signing >= 0.60 x null filter" sign ed25519 8 0.60 \
			"small/1 small/8 100k/1 100k/8"
		table_target "Ed25519 verifying >= 0.60 x null filter" verify ed25519 8 0.60 \
			"small/1 small/8 100k/1 100k/8"
	else
		target 4 "Ed25519 >= 0.60 x null filter" "null filter rows missing" SKIP
	fi
	if awk '$9 > 0 { bad = 1 } END { exit !bad }' "$T/ratios"; then
		target 4 "table cells without errors/tempfails/rejects" \
			"$(awk '$9 > 0 { printf "%s%s %s %s %s c=%s: %d", s, $1, $2, $3, $4, $5, $9; s = "; " }' "$T/ratios")" MISS
	fi
}

# table_start_all - every instance; opendkim's signers always (presign)
table_start_all() {
	local f mode alg
	want null && { filter_start null null - - || note "null filter not started"; }
	for alg in rsa ed25519; do
		table_start opendkim sign "$alg" || return 1
	done
	for f in $FILTERS; do
		for mode in sign verify; do
			for alg in rsa ed25519; do
				[ -e "$T/$f-$mode-$alg.pid" ] || table_start "$f" "$mode" "$alg" ||
					note "$f $mode $alg: not started, skipped"
			done
		done
	done
}

# table_stop_all - stop every instance of this section
table_stop_all() {
	local f mode alg
	for f in opendkim dkimguard; do
		for mode in sign verify; do
			for alg in rsa ed25519; do inst_stop "$f-$mode-$alg"; done
		done
	done
	inst_stop null
}

# table_rounds - ROUNDS rounds over the cells, every other one reversed
table_rounds() {
	local fwd cells r f mode alg size c
	fwd=$(table_cells)
	for ((r = 1; r <= ROUNDS; r++)); do
		note "table: round $r of $ROUNDS ($(printf '%s\n' "$fwd" | wc -l) cells)"
		cells=$fwd
		((r % 2 == 0)) && cells=$(printf '%s\n' "$fwd" | tac)
		while read -r f mode alg size c; do
			table_run_cell "$r" "$f" "$mode" "$alg" "$size" "$c"
		done <<<"$cells"
	done
}

# section_table - the issue 4 table and its targets
section_table() {
	local f mode alg
	say "== Issue 4: milter throughput beside opendkim and a null filter"
	FILTERS=$(table_filters)
	: >"$T/table.tsv"
	if ! table_start_all || ! table_presign; then
		say "  opendkim could not sign the verify input: section skipped"
		target 4 "milter table" "presigning with opendkim failed" SKIP
		table_stop_all
		return
	fi
	want opendkim || { inst_stop opendkim-sign-rsa; inst_stop opendkim-sign-ed25519; }
	for f in $FILTERS; do
		for mode in sign verify; do
			for alg in rsa ed25519; do
				[ -e "$T/$f-$mode-$alg.pid" ] &&
					note "$f $mode $alg: sanity: $(table_sanity "$f-$mode-$alg" "$mode" "$alg")"
			done
		done
	done
	table_rounds
	table_stop_all
	say "  $N_SMALL small / $N_100K 100k messages per cell, medians of $ROUNDS interleaved rounds,"
	say "  $(nproc) CPUs, unix sockets; spread = (max - min) / median of msg/s"
	table_print
	say "  (vs odk / vs null: median over rounds of msg/s divided by opendkim's / the null"
	say "   filter's in the same cell and round; cpu us: the filter process's CPU time"
	say "   per message (user + system, all threads, /proc/PID/stat); cpu odk: median over"
	say "   rounds of opendkim's cpu us divided by this filter's, in the same cell)"
	table_targets
}
