#!/bin/bash
# run-layering.sh - dependencies point one way:
#
#	milter/, keytool/, cli/  ->  common/  ->  util/
#	                                  \-->  lib/ (the DKIM library)
#
# Two views of the same rule, so neither an include line nor a stray call
# can break it quietly:
#   includes: every #include "..." in a layer names a header of that layer
#             or of a layer below it (and no program includes another's);
#   symbols:  no object of a layer has an undefined symbol that only a
#             higher layer (or another program) defines.
# The include check is run once more on a scratch copy with a keytool file
# that includes a milter header, and must fail there: a checker that
# cannot fail proves nothing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# allowed LAYER - the top-level folders a file in LAYER may include from
allowed() {
	case $1 in
	lib) echo "lib" ;;
	util) echo "util" ;;
	common) echo "common util lib" ;;
	milter) echo "milter common util lib" ;;
	keytool) echo "keytool common util lib" ;;
	cli) echo "cli common util lib" ;;
	esac
}

# check_includes ROOT - print one line per include that breaks the rule
check_includes() {
	local root=$1 f layer dir inc target tl n=0
	while IFS= read -r f; do
		layer=${f%%/*}
		dir=$(dirname "$f")
		while IFS= read -r inc; do
			n=$((n + 1))
			# resolved as the compiler does: the file's folder, then -I. -Ilib
			if [ -e "$root/$dir/$inc" ]; then
				target=$(realpath -m --relative-to="$root" "$root/$dir/$inc")
			elif [ -e "$root/$inc" ]; then
				target=$inc
			elif [ -e "$root/lib/$inc" ]; then
				target=lib/$inc
			else
				continue	# generated or system header
			fi
			tl=${target%%/*}
			case " $(allowed "$layer") " in
			*" $tl "*) ;;
			*) echo "$f includes $target ($layer may use: $(allowed "$layer"))" ;;
			esac
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$f")
	done < <(cd "$root" && find lib util common milter keytool cli \
	    -name '*.[ch]' -o -name '*.def' | sort)
	echo "checked $n" >&2
}

# ---- includes on the real tree
out=$(check_includes "$top" 2>/tmp/layering.$$)
count=$(sed -n 's/^checked //p' /tmp/layering.$$); rm -f /tmp/layering.$$
[ "${count:-0}" -gt 100 ] || bad "only ${count:-0} include lines seen: is the tree there?"
if [ -z "$out" ]; then
	ok "includes: $count include lines, all point down the layers"
else
	bad "includes against the layers:"; echo "$out" | sed 's/^/  /'
fi

# ---- the checker fails on a planted violation
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
(cd "$top" && find lib util common milter keytool cli -name '*.[ch]' -o -name '*.def' |
    xargs cp --parents -t "$scratch")
victim=$(cd "$scratch" && ls keytool/*.c | head -1)
sed -i '0,/^#include/s//#include "..\/milter\/session.h"\n#include/' "$scratch/$victim"
planted=$(check_includes "$scratch" 2>/dev/null)
if echo "$planted" | grep -q "^$victim includes milter/session.h"; then
	ok "a keytool file including milter/session.h is caught ($victim)"
else
	bad "planted violation in $victim was not reported"
fi

# ---- link-level symbols
# objs LAYER... - the object files the build made for those folders
objs() {
	local l
	for l in "$@"; do
		find "build/obj/$l" -name '*.o' 2>/dev/null
	done
}
defined() { [ $# -gt 0 ] && nm --defined-only "$@" 2>/dev/null |
    awk 'NF == 3 && $2 ~ /[TDBRC]/ {print $3}' | sort -u; }
undefined() { [ $# -gt 0 ] && nm -u "$@" 2>/dev/null | awk 'NF == 2 {print $2}' | sort -u; }

# check_symbols LAYER "HIGHER LAYERS" - LAYER's objects need nothing above it
check_symbols() {
	local layer=$1 higher=$2 mine above leak
	mine=$(objs "$layer")
	[ -n "$mine" ] || { bad "no objects for $layer: build first"; return; }
	# shellcheck disable=SC2086
	above=$(objs $higher)
	leak=$(comm -12 <(undefined $mine) <(comm -23 <(defined $above) <(defined $mine)))
	if [ -z "$leak" ]; then
		ok "symbols: $layer ($(echo "$mine" | wc -l) objects) uses nothing from $higher"
	else
		bad "symbols: $layer uses $(echo $leak | head -c 300) from $higher"
	fi
}
check_symbols lib "util common milter keytool cli"
check_symbols util "lib common milter keytool cli"
check_symbols common "milter keytool cli"
check_symbols keytool "milter cli"
check_symbols cli "milter keytool"
check_symbols milter "keytool cli"

[ $fail -eq 0 ] && echo "layering: all checks passed"
exit $fail
