#!/bin/bash
# run-metrics-doc.sh - every metric the code exports and every field of
# the per-message log line is documented in man/dkimguard-observability.7,
# and the page names no metric the code does not export.
#   metrics: the METRIC rows of milter/observe/metrics.def (the table the
#            exposition is generated from)
#   fields:  the keys milter/observe/msglog.c writes (msglog_add / addn calls)
# Exit 0: all documented; 1: something missing; 77: groff not installed.
set -u
cd "$(dirname "$0")/../.." || exit 1
DEF=milter/observe/metrics.def
SRC=milter/observe/msglog.c
MAN=man/dkimguard-observability.7
fail=0

for f in "$DEF" "$SRC" "$MAN"; do
	[ -f "$f" ] || { echo "FAIL: $f missing"; exit 1; }
done
if ! command -v groff >/dev/null; then
	echo "SKIP: groff not installed (apt-get install groff-base)"
	exit 77
fi
# the page as a reader sees it: no overstrikes, no escapes
text=$(groff -man -Tutf8 -P-cbou -rHY=0 -rLL=250n "$MAN" 2>/dev/null)
[ -n "$text" ] || { echo "FAIL: groff could not render $MAN"; exit 1; }

# documented WHAT NAMES FROM - each of NAMES (more than 10, found in FROM)
# is a word of the page
documented() {
	local name n=0
	for name in $2; do
		n=$((n + 1))
		grep -qw -- "$name" <<<"$text" || { echo "FAIL: $1 $name not in $MAN"; fail=1; }
	done
	[ "$n" -gt 10 ] || { echo "FAIL: only $n ${1}s found in $3"; fail=1; }
	echo "checked $n ${1}s from $3"
}

metrics=$(grep -o '^METRIC([A-Z_0-9]*, *"[a-z_0-9]*"' "$DEF" |
	sed 's/.*"\(.*\)"/\1/')
documented metric "$metrics" "$DEF"

# names in the page that the code does not export (stale documentation)
while read -r name; do
	grep -qx -- "$name" <<<"$metrics" || { echo "FAIL: $MAN documents $name, which $DEF does not define"; fail=1; }
done < <(grep -o 'dkimguard_[a-z_0-9]*' <<<"$text" | sort -u)

fields=$( { grep -o 'msglog_add(ml, MSGLOG_[A-Z]*, "[a-z_0-9]*"' "$SRC" |
	sed 's/.*"\(.*\)"/\1/'
	grep -o 'addn(ml, MSGLOG_[A-Z]*, "[a-z]*", n, "[a-z_0-9]*"' "$SRC" |
	sed 's/.*"\([a-z]*\)", n, "\([a-z_0-9]*\)"/\1N_\2/'
	echo qid; echo truncated; } | sort -u)
documented "log field" "$fields" "$SRC"
[ $fail -eq 0 ] && echo "all metrics and log fields documented"
exit $fail
