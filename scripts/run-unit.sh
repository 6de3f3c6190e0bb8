#!/bin/sh
# run-unit.sh - run each Check program given; fail if any fails.
# Check prints its own per-suite summary; this adds one line per program.
failed=""
for t in "$@"; do
	echo "== $t"
	if ! "./$t"; then failed="$failed $t"; fi
done
if [ -n "$failed" ]; then
	echo "unit tests FAILED:$failed"
	exit 1
fi
echo "unit tests: $# programs passed"
