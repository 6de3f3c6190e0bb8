#!/bin/bash
# memory.sh - issue 4: RSS over 100,000 messages and for one 50 MB message
#
# SYNOPSIS
#	bench/memory.sh             (runs: bench/run.sh --sections memory)
#	section_memory              when sourced by run.sh
#
# DESCRIPTION
#	Every filter signs with RSA-2048 (the null filter accepts).
#	RSS flat: a fresh instance gets BENCH_N_WARM (2000) small messages at
#	c=8 (threads, stacks, malloc arenas, OpenSSL and caches set up), then
#	BENCH_N_FLAT (100000) more at c=8 in 10 runs (new connections each,
#	as new SMTP sessions would), VmRSS read after each.  A leak grows
#	with the count; a one-time step does not.  Target: RSS after the
#	last run at most 512 kB above RSS after the first (under 6 bytes a
#	message over 90,000).  opendkim is included with BENCH_FULL=1.
#	"peak" is the kernel's VmHWM, reset after the warm-up
#	(/proc/PID/clear_refs): the exact peak, not a sample.
#	50 MB: a fresh instance signs one small message (so "idle" is a
#	daemon that has handled mail and waits), then one message with a
#	50 MB body in 64 KB chunks at c=1.  Target: peak RSS (VmHWM) during
#	the message at most 512 kB ("a few hundred KB") above that idle RSS;
#	the RSS of the never-used daemon is shown too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	exec bash "$(dirname "$0")/run.sh" --sections memory "$@"
fi

# mem_unsigned - messages not accepted, or (DKIM filters) not signed
mem_unsigned() {
	local n ok
	n=$(kv "$2" msgs) ok=$(kv "$2" accept)
	[ "$1" != null ] && [ "$(kv "$2" ins_hdrs)" -lt "$ok" ] && ok=$(kv "$2" ins_hdrs)
	echo $((n - ok))
}

# mem_run - warm instance NAME up, then one measured run; sets M_FRESH,
# M_START (RSS when the run starts), M_PEAK (VmHWM since the
# start, or loadgen's sampled maximum if larger), M_RES (RESULT line)
mem_run() {
	local name=$1 f=$2 warm=$3 msg=$4 c=$5 n=$6 hwm
	M_RES=
	filter_start "$name" "$f" sign rsa || { say "  $f: not started"; return 1; }
	M_FRESH=$(inst_rss "$name")
	if [ "$warm" = 1 ]; then
		lg_one "$name" "$T/msg/small.eml" 127.0.0.1 >/dev/null
	else
		lg "$name" "$T/msg/small.eml" 8 "$warm" 127.0.0.1 >/dev/null
	fi
	inst_peak_reset "$name" || note "memory: cannot reset VmHWM: peak is since start-up"
	M_RES=$(lg "$name" "$msg" "$c" "$n" 127.0.0.1 -t 300)
	hwm=$(inst_peak "$name")
	inst_stop "$name"
	[ -n "$M_RES" ] || { say "  $f: no result"; return 1; }
	M_START=$(kv "$M_RES" rss_start_kb)
	M_PEAK=$(kv "$M_RES" rss_max_kb)
	[ -n "$hwm" ] && ((hwm > M_PEAK)) && M_PEAK=$hwm
	return 0
}

# mem_flat - filter F: warm-up, then N_FLAT messages in 10 slices at c=8,
# VmRSS after each; sets FLAT="START AFTER_SLICE1 END PEAK UNSIGNED"
mem_flat() {
	local f=$1 name=flat-$1 per=$((N_FLAT / 10)) i res rss series="" unsigned=0
	local start first secs=0 peak
	FLAT=
	note "memory: $f: $N_WARM + 10 x $per messages"
	filter_start "$name" "$f" sign rsa || { say "  $f: not started"; return; }
	lg "$name" "$T/msg/small.eml" 8 "$N_WARM" 127.0.0.1 >/dev/null
	start=$(inst_rss "$name")
	inst_peak_reset "$name" || note "memory: cannot reset VmHWM: peak is since start-up"
	for ((i = 1; i <= 10; i++)); do
		res=$(lg "$name" "$T/msg/small.eml" 8 "$per" 127.0.0.1 -t 300)
		[ -n "$res" ] || { unsigned=$((unsigned + per)); continue; }
		unsigned=$((unsigned + $(mem_unsigned "$f" "$res")))
		secs=$(awk -v a="$secs" -v b="$(kv "$res" secs)" 'BEGIN { print a + b }')
		rss=$(inst_rss "$name")
		((i == 1)) && first=$rss
		series="$series $rss"
	done
	peak=$(inst_peak "$name")
	inst_stop "$name"
	[ -n "${first:-}" ] || { say "  $f: no result"; return; }
	FLAT="$start $first $rss $peak $unsigned"
	printf '  %-10s %7.1f msg/s  RSS after warm-up %s kB, after each %d: %s kB; peak %s kB; unsigned %d\n' \
		"$f" "$(awk -v n="$N_FLAT" -v s="$secs" 'BEGIN { print (s > 0 ? n / s : 0) }')" \
		"$start" "$per" "${series# }" "$peak" "$unsigned"
}

# mem_big - the 50 MB message through filter F; sets BIG (a summary)
mem_big() {
	local f=$1
	BIG=
	mem_run "big-$f" "$f" 1 "$T/msg/50m.eml" 1 1 || return
	BIG="$M_START $M_PEAK $M_FRESH $(mem_unsigned "$f" "$M_RES")"
	printf '  %-10s %6.2f s  RSS fresh %6s  idle %6s  peak %6s kB  over idle %+6d kB  over fresh %+6d kB  unsigned %d\n' \
		"$f" "$(kv "$M_RES" secs)" "$M_FRESH" "$M_START" "$M_PEAK" $((M_PEAK - M_START)) \
		$((M_PEAK - M_FRESH)) "$(mem_unsigned "$f" "$M_RES")"
}

# mem_targets - the two memory targets, from dkimguard's FLAT and BIG
mem_targets() {
	local start first end peak fresh bad name
	name="RSS flat over $N_FLAT messages (growth after the first 10% <= 512 kB)"
	if [ -z "$1" ]; then
		target 4 "$name" "no dkimguard result" MISS
	else
		read -r start first end peak bad <<<"$1"
		target 4 "$name" "$first -> $end kB over the last $((N_FLAT * 9 / 10)) ($((end - first)) kB, $(awk \
			-v d=$((end - first)) -v n=$((N_FLAT * 9 / 10)) 'BEGIN { printf "%.1f", d * 1024 / n }') B/msg); $start kB after warm-up, peak $peak kB, unsigned $bad" \
			"$( ((bad)) && echo MISS || verdict $((end - first)) le 512)"
	fi
	name="50 MB message: peak RSS <= idle + 512 kB"
	if [ -z "$2" ]; then
		target 4 "$name" "no dkimguard result" MISS
	else
		read -r start peak fresh bad <<<"$2"
		target 4 "$name" "idle $start kB, peak $peak kB: +$((peak - start)) kB (+$((peak - fresh)) over never-used daemon), unsigned $bad" \
			"$( ((bad)) && echo MISS || verdict $((peak - start)) le 512)"
	fi
}

# section_memory - RSS-flat and 50 MB runs
section_memory() {
	local f list="null" dflat="" dbig=""
	say "== Issue 4: memory (RSA-2048 signing; null filter accepts)"
	want opendkim && [ "${BENCH_FULL:-0}" = 1 ] && list="$list opendkim"
	[ -x "$DKG" ] && want dkimguard && list="$list dkimguard"
	say "  RSS flat: $N_WARM messages warm-up, then $N_FLAT small messages at c=8 in 10 runs$(
		[ "${BENCH_FULL:-0}" = 1 ] || echo " (opendkim only with BENCH_FULL=1)")"
	for f in $list; do
		want "$f" || continue
		mem_flat "$f"
		[ "$f" = dkimguard ] && dflat=$FLAT
	done
	[ -e "$T/msg/50m.eml" ] || make_messages big
	say "  50 MB: one small message, then one message with a 50 MB body at c=1"
	for f in null opendkim dkimguard; do
		want "$f" || continue
		[ "$f" = dkimguard ] && [ ! -x "$DKG" ] && continue
		mem_big "$f"
		[ "$f" = dkimguard ] && dbig=$BIG
	done
	rm -f "$T/msg/50m.eml"
	if [ -x "$DKG" ] && want dkimguard; then
		mem_targets "$dflat" "$dbig"
	else
		target 4 "memory targets" "dkimguard not built or not selected" SKIP
	fi
}
