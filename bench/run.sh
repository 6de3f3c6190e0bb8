#!/bin/bash
# run.sh - the benchmark report of "make bench": the library beside
#	   openssl speed (issue 3), the milter beside opendkim and a null
#	   filter, with memory runs (issue 4), the key guard (issue 5) and
#	   the metrics (issue 7), then a summary of every target.
#
# SYNOPSIS
#	bench/run.sh [--sections LIST] [--only null|opendkim|dkimguard] [--keep]
#
# DESCRIPTION
#	Sections, in this order (LIST: comma-separated subset):
#	    canon    bench/canon.sh    issue 3
#	    table    bench/table.sh    issue 4, throughput and latency
#	    memory   bench/memory.sh   issue 4, RSS over 100,000 messages and
#	                               for a 50 MB message
#	    guard    bench/guard.sh    issue 5 (a DNS server on loopback)
#	    fresh    bench/guard.sh    issue 13, the refresher at 10,000 keys
#	    metrics  bench/metrics.sh  issue 7
#	Everything printed (progress included) is also written to
#	build/bench/report.txt (BENCH_REPORT).  Every process started here is
#	stopped at exit, also on ^C; the work directory is removed unless
#	--keep.  --only limits the filters of the table and memory sections.
#	--rss-flat and --big are accepted and ignored (both runs are default).
#
# ENVIRONMENT
#	BENCH_FULL=1       5 table rounds, 7 A/B rounds, opendkim in RSS-flat
#	BENCH_ROUNDS (3)   rounds of the table
#	BENCH_N_SMALL (3000) / BENCH_N_100K (400)  messages per table cell
#	BENCH_N_FLAT (100000)  BENCH_N_WARM (2000)  memory and warm-up runs
#	BENCH_N_AB (8000)  BENCH_AB_ROUNDS (5)      guard and metrics A/B runs
#	BENCH_CANON_ROUNDS (3)   BENCH_DIR (/tmp)   BENCH_GUARD_OFF (guard.sh)
#	BENCH_TIMEOUT (1800)     seconds before the whole run is stopped
#	BENCH_FRESH_KEYS (10000) BENCH_FRESH_IDLE (60)  the fresh section
#	BENCH_DKG                another dkimguard binary (a before/after)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPORT=${BENCH_REPORT:-$ROOT/build/bench/report.txt}
if [ -z "${BENCH__TEED:-}" ]; then
	mkdir -p "$(dirname "$REPORT")" || exit 1
	BENCH__TEED=1 timeout --foreground "${BENCH_TIMEOUT:-1800}" bash "$0" "$@" 2>&1 |
		tee "$REPORT"
	exit "${PIPESTATUS[0]}"
fi

. "$ROOT/tests/e2e/lib/postfix.sh"	# pf_daemon, pf_on_exit (one EXIT trap)

FULL=${BENCH_FULL:-0}
ROUNDS=${BENCH_ROUNDS:-$( ((FULL)) && echo 5 || echo 3)}
AB_ROUNDS=${BENCH_AB_ROUNDS:-$( ((FULL)) && echo 7 || echo 5)}
N_SMALL=${BENCH_N_SMALL:-3000}
N_100K=${BENCH_N_100K:-400}
N_FLAT=${BENCH_N_FLAT:-100000}
N_WARM=${BENCH_N_WARM:-2000}
N_AB=${BENCH_N_AB:-8000}
SECTIONS="canon table postfix keyscale memory guard fresh metrics"
ONLY='' KEEP=0
while (($#)); do
	case $1 in
	--sections) SECTIONS=$(echo "${2:-}" | tr ',' ' '); shift ;;
	--only) ONLY=${2:-}; shift ;;
	--keep) KEEP=1 ;;
	--rss-flat | --big) ;;
	*) echo "usage: $0 [--sections canon,table,postfix,keyscale,memory,guard,fresh,metrics] [--only FILTER] [--keep]" >&2
	   exit 2 ;;
	esac
	shift
done

T=$(mktemp -d "${BENCH_DIR:-/tmp}/dkimguard-bench.XXXXXX") || exit 1
((KEEP)) && echo "work directory: $T" || pf_on_exit rm -rf "$(pf__q "$T")"

. "$ROOT/bench/lib.sh"
. "$ROOT/bench/canon.sh"
. "$ROOT/bench/table.sh"
. "$ROOT/bench/memory.sh"
. "$ROOT/bench/guard.sh"
. "$ROOT/bench/metrics.sh"
. "$ROOT/bench/postfix.sh"
. "$ROOT/bench/keyscale.sh"

# want - filter selected by --only
want() {
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ]
}

# header - when, where, what
header() {
	say "dkimguard benchmark report, $(date -u '+%Y-%m-%d %H:%M UTC')"
	say "  commit $COMMIT$(
		[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] &&
			echo ' + uncommitted changes'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	say "  $(openssl version | cut -d' ' -f1-2), $(opendkim -V 2>/dev/null | head -n 1)"
	say "  sections: $SECTIONS; FULL=$FULL, table rounds $ROUNDS, A/B rounds $AB_ROUNDS"
	say "  The machine is shared: figures are medians of interleaved repetitions."
	say
}

# summary - every target, for the closing notes
summary() {
	say "==== SUMMARY: make bench targets ($(date -u '+%Y-%m-%d'), commit $COMMIT, total $((SECONDS - START)) s) ===="
	awk -F'\t' '{ printf "issue %-2s %-5s %s\n           %s\n", $1, $4, $2, $3 }' "$SUMMARY"
	say "===="
}

# needs_msgs - some selected section drives the milter
needs_msgs() {
	[[ " $SECTIONS " == *" table "* || " $SECTIONS " == *" memory "* ||
		" $SECTIONS " == *" postfix "* || " $SECTIONS " == *" keyscale "* ||
		" $SECTIONS " == *" guard "* || " $SECTIONS " == *" fresh "* ||
		" $SECTIONS " == *" metrics "* ]]
}

START=$SECONDS
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
: >"$SUMMARY"
[ -x "$LOADGEN" ] && [ -x "$NULLFILTER" ] || {
	echo "bench: bench/loadgen and bench/nullfilter are not built: run make bench" >&2
	exit 1
}
if needs_msgs; then
	make_messages && make_keys >"$T/genkey.log" 2>&1 ||
		{ echo "bench: setup failed" >&2; exit 1; }
fi
header
for s in $SECTIONS; do
	t0=$SECONDS
	case $s in
	canon | table | postfix | keyscale | memory | guard | fresh | metrics) "section_$s" ;;
	*) note "unknown section '$s'"; continue ;;
	esac
	say "  ($s: $((SECONDS - t0)) s)"
	say
done
summary
note "report written to $REPORT"
