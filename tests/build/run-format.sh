#!/bin/bash
# run-format.sh - every .c and .h file is as clang-format writes it with the
# tree's .clang-format (the house style); `make format` rewrites them.
# clang-format's output changes between major versions, so the check runs
# with Debian 12's (14); another version is reported and skipped.
set -u
cd "$(dirname "$0")/../.."
cf=$(command -v clang-format-14 || command -v clang-format) || {
	echo "SKIP: clang-format not installed (apt-get install clang-format)"; exit 77; }
ver=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "$ver" = 14 ] || { echo "SKIP: clang-format $ver, the style is fixed with 14"; exit 77; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lib util common milter keytool cli bench fuzz tests -name '*.[ch]')
n=0; bad=""
for f in $files; do
	n=$((n + 1))
	"$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
[ "$n" -gt 100 ] || { echo "FAIL: only $n C files seen"; exit 1; }
if [ -n "$bad" ]; then
	echo "FAIL: not in the house style (run 'make format'):$bad"
	exit 1
fi
echo "format: $n files in the house style ($cf $ver)"
