#!/bin/bash
# run-build-checks.sh - properties of the built artefacts that no unit test sees:
#   * lib/libdkimguard.so exports only the public API (dkim_* symbols)
#   * every program is PIE with full RELRO (BIND_NOW) and a non-executable stack
#   * fortify and stack-protector are in effect (their symbols are referenced)
set -u
cd "$(dirname "$0")/../.."
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

so=lib/libdkimguard.so
if [ ! -f "$so" ]; then
	bad "$so not built"
else
	extra=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^dkim_' | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
	n=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -c '^dkim_')
	[ -z "$extra" ] && ok "$so exports $n dkim_* symbols and nothing else" ||
		bad "$so exports non-API symbols: $(echo $extra | head -c 300)"
	# every exported symbol is declared in the public header
	for s in $(nm -D --defined-only "$so" | awk '{print $3}' | grep '^dkim_'); do
		grep -q "\\b$s\\b" lib/dkim.h || bad "$s exported but not in lib/dkim.h"
	done
fi

for p in milter/dkimguard keytool/dkimguard-keytool cli/dkimguard-msg; do
	[ -f "$p" ] || { echo "note: $p not built (skipped)"; continue; }
	hdr=$(readelf -h "$p"); dyn=$(readelf -d "$p"); ph=$(readelf -lW "$p")
	echo "$hdr" | grep -q 'Type:.*DYN' && ok "$p is PIE" || bad "$p is not PIE"
	echo "$ph" | grep -q GNU_RELRO && echo "$dyn" | grep -q -E 'BIND_NOW|FLAGS.*NOW' &&
		ok "$p has full RELRO" || bad "$p lacks full RELRO"
	echo "$ph" | grep GNU_STACK | grep -q RWE && bad "$p has an executable stack" ||
		ok "$p stack not executable"
	syms=$(nm -D "$p" 2>/dev/null)
	echo "$syms" | grep -q __stack_chk_fail && ok "$p uses the stack protector" ||
		bad "$p: no __stack_chk_fail reference"
	echo "$syms" | grep -q '_chk@' && ok "$p uses fortified libc calls" ||
		bad "$p: no _FORTIFY_SOURCE *_chk references"
done
exit $fail
