#!/bin/sh
# run-unit.sh - run each Check program given; fail if any fails.
# Check prints its own per-suite summary; this adds one line per program,
# and at the end names the programs that skipped tests for want of the
# shared test data (tu_run's "SKIPPED:" line), so such a run is never
# reported as a plain pass.
failed=""
skipped=""
out=$(mktemp /tmp/run-unit.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
for t in "$@"; do
	echo "== $t"
	"./$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ $rc = 0 ] || failed="$failed $t"
	n=$(sed -n 's/^SKIPPED: \([0-9]*\) test.*/\1/p' "$out")
	[ -n "$n" ] && skipped="$skipped $t($n)"
done
if [ -n "$skipped" ]; then
	echo "unit tests SKIPPED for missing shared test data:$skipped"
fi
if [ -n "$failed" ]; then
	echo "unit tests FAILED:$failed"
	exit 1
fi
echo "unit tests: $# programs passed${skipped:+, some with skipped tests (see above)}"
