#!/bin/sh
# run-suites.sh - run the script suites (tests/*/run-*.sh) in order.
# Exit 0 = passed, 77 = skipped (the script says why), anything else = failed.
# A skip is reported loudly at the end; it never counts as a pass.
passed=0; skipped=""; failed=""
for s in "$@"; do
	echo "== $s"
	start=$(date +%s)
	bash "$s"; rc=$?
	echo "== $s: rc=$rc in $(( $(date +%s) - start ))s"
	case $rc in
	0) passed=$((passed + 1)) ;;
	77) skipped="$skipped $s" ;;
	*) failed="$failed $s" ;;
	esac
done
echo "script suites: $passed passed"
[ -n "$skipped" ] && echo "SKIPPED (see reasons above):$skipped"
if [ -n "$failed" ]; then
	echo "script suites FAILED:$failed"
	exit 1
fi
exit 0
