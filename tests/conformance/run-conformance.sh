#!/bin/bash
# run-conformance.sh - dkimguard-msg against the shared test data.
#
# DESCRIPTION
#	For every row of every expected.tsv under $TESTDATA (default
#	../shared/testdata from the repository root) the file is verified
#	with "cli/dkimguard-msg verify --dns DIR/dns.tsv", signature sig# is
#	picked and its verdict compared with the column
#	"RFC 6376/8463/8301 expectation".  That column is parsed on purpose:
#	  "pass", "permerror", ...	one RFC 8601 verdict
#	  "fail or permerror",		any of the alternatives
#	  "none/permerror"
#	  "pass / permerror"		spaced slash: one verdict per key table,
#					first dns.tsv, then dns-badkey.tsv; only
#					accepted when the notes (or the source
#					column) name dns-badkey.tsv
#	  "X (comment...)", "X; ..."	comment dropped
#	  "none (input)"		the file is signing input: verified
#					(none) and also signed, see below
#	  "unknown (...)"		the real key is not available offline; our
#					table has no such name, so RFC 6376 6.1.2
#					("no key for signature") gives permerror
#	Anything else is a MISMATCH ("unparsed expectation"), never skipped.
#	sig# "-" means the message has no signature: we must say none.
#
#	Every file is verified three times, read in 64 KiB, 1-byte and 7-byte
#	chunks; different outputs are a MISMATCH (streaming must not matter).
#
#	Time: signatures in the data carry old t= and none carries x=.  A
#	row's expectation is the verdict when the message was fresh, so if a
#	signature does carry x=, the file is verified with --now set to its
#	t= (see sigtags.py now) and the line says so.
#
#	Signing inputs (rows marked as input, with a recipe in SIGN_RECIPES)
#	are signed with dkimguard-msg sign; the new signature's tags are
#	checked (bh= against the value stated in expected.tsv, or against the
#	published example over the same body), and the result must pass our
#	verify and dkimpy (tests/interop/dkimpy_tool.py).
#
#	Rows whose expectation is not met fail the suite unless listed in
#	KNOWN_DIFFERENCES below, each with its justification.
#
# DIAGNOSTICS
#	One line per check: MATCH|MISMATCH|KNOWN FILE SIG# expected=.. got=..
#	reason=.., then "conformance: N of M matched" and "ran R of D data
#	rows" (D counted from the files, apart from the loop; R < D fails,
#	as does finding no expected.tsv at all).  Exit 0 when every
#	check matched or is a known difference, 1 otherwise, 77 when the test
#	data is missing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/conformance
CLI=${DKIMGUARD_MSG:-$ROOT/cli/dkimguard-msg}
PY=/usr/bin/python3
TESTDATA=${TESTDATA:-$ROOT/../shared/testdata}

# The one reviewed list of accepted differences.  Each entry:
#   "DIR/FILE SIG# TABLE|justification"
# SIG# is the row's sig# or "sign"; TABLE the dns table (or the check name
# for signing rows).  An entry that no longer matches anything is reported.
KNOWN_DIFFERENCES=(
)

if ! [ -d "$TESTDATA" ]; then
	echo "SKIP: shared testdata not found at $TESTDATA"
	exit 77
fi
TESTDATA=$(cd "$TESTDATA" && pwd)
if ! [ -x "$CLI" ]; then
	echo "FAIL: $CLI not built (run make)"
	exit 1
fi
HAVE_DKIMPY=1
if ! [ -x "$PY" ] || ! "$PY" -c 'import dkim' 2>/dev/null; then
	HAVE_DKIMPY=0
	echo "note: dkimpy missing for $PY; signed outputs are checked by dkimguard only (counted as MISMATCH)"
fi

# Signing recipes, by DIR/FILE: dkimguard-msg sign arguments (key paths
# relative to DIR), then '|' and the checks: tag=value pairs the new
# signature(s) must carry, as IDX:TAG=VALUE; VALUE "@ROW" means the bh=
# stated in the row's source column.
declare -A SIGN_RECIPES=(
	# expected.tsv: c=simple/simple, d=example.com, s=test, h=From:Date:Subject, bh=...
	[opendkim-milter/messages/t-sign-ss.eml]="-d example.com -s test -k testkey.private -c simple/simple -h From:Date:Subject --no-oversign|0:c=simple/simple 0:d=example.com 0:s=test 0:h=From:Date:Subject 0:bh=@ROW"
	# "as t-sign-ss but c=relaxed/simple": the body canonicalization is
	# still simple, so bh= is t-sign-ss's
	[opendkim-milter/messages/t-sign-rs.eml]="-d example.com -s test -k testkey.private -c relaxed/simple -h From:Date:Subject --no-oversign|0:c=relaxed/simple 0:d=example.com 0:s=test 0:h=From:Date:Subject 0:bh=3VWGQGY+cSNYd1MGM+X6hRXU0stl8JCaQtl4mbX/j2I="
	# "plus an l= tag": l= covers the whole 17-octet body, bh= unchanged
	[opendkim-milter/messages/t-sign-ss-ltag.eml]="-d example.com -s test -k testkey.private -c simple/simple -h From:Date:Subject --no-oversign -l|0:c=simple/simple 0:l=17 0:bh=3VWGQGY+cSNYd1MGM+X6hRXU0stl8JCaQtl4mbX/j2I="
	# RFC 6376 A.1 signed three ways in one run: as A.2 (C.1 brisbane
	# key, simple/simple: bh= of rfc6376-A.2-signed.eml, same body), and
	# as RFC 8463 A.3 (ed25519 from the bare base64 seed, and the RSA
	# "test" key, relaxed/relaxed: bh= of rfc8463-A.3-signed.eml, whose
	# body differs only in a space run that relaxed reduces)
	[rfc-examples/rfc6376-A.1-unsigned.eml]="-d example.com -s brisbane -k rfc6376-C.1-brisbane.private.pem -c simple/simple -i joe@football.example.com --also -d football.example.com -s brisbane -k rfc8463-A.1-brisbane-ed25519.seed.b64 -c relaxed/relaxed --also -d football.example.com -s test -k rfc8463-A.1-test-rsa.private.pem -c relaxed/relaxed|0:a=rsa-sha256 0:bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8= 1:a=ed25519-sha256 1:bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8= 2:a=rsa-sha256 2:bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
)

VERDICTS=" none pass fail neutral policy temperror permerror "
matched=0; total=0; known=0; failed=0
declare -A KNOWN_USED=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dkimguard-conf.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# known - is KEY a known difference?  KNOWN_WHY gets the justification
known() {
	local e
	for e in "${KNOWN_DIFFERENCES[@]}"; do
		if [ "${e%%|*}" = "$1" ]; then
			KNOWN_USED[$1]=1
			KNOWN_WHY=${e#*|}
			return 0
		fi
	done
	return 1
}

# report FILE SIG TABLE EXPECTED GOT REASON - compare, print, count
report() {
	local file=$1 sig=$2 table=$3 exp=$4 got=$5 why=$6
	total=$((total + 1))
	if [[ "|$exp|" == *"|$got|"* ]]; then
		matched=$((matched + 1))
		echo "MATCH $file $sig expected=$exp got=$got table=$table reason=\"$why\""
	elif known "$file $sig $table"; then
		known=$((known + 1))
		echo "KNOWN $file $sig expected=$exp got=$got table=$table reason=\"$why\" known=\"$KNOWN_WHY\""
	else
		failed=$((failed + 1))
		echo "MISMATCH $file $sig expected=$exp got=$got table=$table reason=\"$why\""
	fi
}

# alternatives TEXT - "fail or permerror" -> "fail|permerror"; "" if bad
alternatives() {
	local s=$1 out="" v
	s=${s// or /|}; s=${s//\//|}; s=${s// /}
	IFS='|' read -r -a parts <<<"$s"
	for v in "${parts[@]}"; do
		[ "$v" = unknown ] && v=permerror	# see header: key not offline
		[[ "$VERDICTS" == *" $v "* ]] || { echo ""; return; }
		out+="${out:+|}$v"
	done
	echo "$out"
}

# parse_expect RFC SRC NOTES - lines "TABLE<TAB>alt|alt", or "ERROR<TAB>why"
parse_expect() {
	local base=${1%%(*} a b
	base=$(trim "${base%%;*}")
	if [[ "$base" == *" / "* ]]; then
		if [[ "$2 $3" != *dns-badkey.tsv* ]]; then
			printf 'ERROR\tspaced "/" but no dns-badkey.tsv named\n'
			return
		fi
		a=$(alternatives "$(trim "${base%% / *}")")
		b=$(alternatives "$(trim "${base#* / }")")
		if [ -z "$a" ] || [ -z "$b" ]; then
			printf 'ERROR\tunparsed expectation "%s"\n' "$1"
			return
		fi
		printf 'dns.tsv\t%s\ndns-badkey.tsv\t%s\n' "$a" "$b"
		return
	fi
	a=$(alternatives "$base")
	if [ -z "$a" ]; then
		printf 'ERROR\tunparsed expectation "%s"\n' "$1"
	else
		printf 'dns.tsv\t%s\n' "$a"
	fi
}

# run_verify DIR TABLE FILE - our output (must not depend on chunking);
# sets OUT, NOTE
run_verify() {
	local dir=$1 table=$2 path=$3 now args=() o1 o7
	NOTE=""
	now=$("$PY" "$HERE/sigtags.py" now "$path" 2>/dev/null)
	if [ -n "$now" ]; then
		args=(--now "$now")
		NOTE="verified as of t=$now (signature carries x=)"
	fi
	OUT=$("$CLI" verify "${args[@]}" --dns "$dir/$table" "$path" 2>&1)
	o1=$("$CLI" verify --chunk-size 1 "${args[@]}" --dns "$dir/$table" "$path" 2>&1)
	o7=$("$CLI" verify --chunk-size 7 "${args[@]}" --dns "$dir/$table" "$path" 2>&1)
	if [ "$OUT" != "$o1" ] || [ "$OUT" != "$o7" ]; then
		NOTE="output depends on chunk size: [$OUT] [$o1] [$o7]"
		OUT="chunk-dependent"
	fi
}

# pick SIG - from OUT: sets GOT and WHY for signature SIG ("-": none)
pick() {
	local sig=$1 lines=() line
	GOT=""; WHY=""
	if [ "$OUT" = chunk-dependent ]; then
		GOT=chunk-dependent; WHY=$NOTE; return
	fi
	while IFS= read -r line; do
		[[ "$line" == *" verdict="* ]] && lines+=("$line")
	done <<<"$OUT"
	if [ ${#lines[@]} -eq 0 ]; then
		GOT=error; WHY=$(head -c 200 <<<"$OUT"); return
	fi
	if [ "$sig" = - ]; then
		if [[ "${lines[0]}" == *": no signatures verdict=none"* ]]; then
			GOT=none; WHY="no signatures"
		else
			GOT=signed; WHY="message has ${#lines[@]} signature(s)"
		fi
		return
	fi
	if [ "$sig" -ge ${#lines[@]} ]; then
		GOT=missing; WHY="only ${#lines[@]} signature line(s): ${lines[0]}"
		return
	fi
	line=${lines[$sig]}
	GOT=$(sed -n 's/.* verdict=\([a-z]*\).*/\1/p' <<<"$line")
	WHY=${line#* reason=\"}; WHY=${WHY%\"}
	[ -n "$NOTE" ] && WHY="$WHY; $NOTE"
}

# sign_row DIR FILE REL SRC - sign a signing input and check the result
sign_row() {
	local dir=$1 file=$2 rel=$3 src=$4 recipe=${SIGN_RECIPES[$3]:-} args checks
	local out=$WORK/signed.eml err=$WORK/sign.err c idx tag want have n i
	if [ -z "$recipe" ]; then
		report "$rel" sign recipe sign no-recipe "signing input without a recipe in SIGN_RECIPES"
		return
	fi
	args=${recipe%%|*}; checks=${recipe#*|}
	# key paths are relative to DIR
	read -r -a argv <<<"$args"
	for i in "${!argv[@]}"; do
		[ "${argv[$i]}" = -k ] && argv[$((i + 1))]=$dir/${argv[$((i + 1))]}
	done
	if ! "$CLI" sign "${argv[@]}" "$dir/$file" >"$out" 2>"$err"; then
		report "$rel" sign sign ok error "$(head -c 200 "$err")"
		return
	fi
	report "$rel" sign sign ok ok "signed: $(grep -c -i '^DKIM-Signature:' "$out") new field(s)"
	for c in $checks; do
		idx=${c%%:*}; tag=${c#*:}; want=${tag#*=}; tag=${tag%%=*}
		if [ "$want" = @ROW ]; then
			want=$(sed -n 's/.*bh=\([A-Za-z0-9+\/=]*\).*/\1/p' <<<"$src")
		fi
		have=$("$PY" "$HERE/sigtags.py" tag "$out" "$idx" "$tag") || have=absent
		if [ "$tag" = h ]; then	# header names are case-insensitive
			have=${have,,}; want=${want,,}
		fi
		report "$rel" sign "tag$idx:$tag" "$want" "$have" "tag $tag= of new signature $idx"
	done
	n=$(grep -c -i '^DKIM-Signature:' "$out")
	OUT=$("$CLI" verify --dns "$dir/dns.tsv" "$out" 2>&1)
	for ((i = 0; i < n; i++)); do
		pick $i
		report "$rel" sign "ours$i" pass "$GOT" "$WHY"
	done
	[ $HAVE_DKIMPY = 1 ] || { report "$rel" sign dkimpy pass missing "dkimpy not installed"; return; }
	while IFS=$'\t' read -r _ i have why; do
		report "$rel" sign "dkimpy$i" pass "$have" "$why"
	done < <("$PY" "$ROOT/tests/interop/dkimpy_tool.py" verify "$dir/dns.tsv" "$out" 2>&1)
}

# do_row DIR FILE SIG SRC RFC NOTES
do_row() {
	local dir=$1 file=$2 sig=$3 src=$4 rfc=$5 notes=$6 rel table exp
	rel=${dir#"$TESTDATA"/}/$file
	if ! [ -f "$dir/$file" ]; then
		report "$rel" "$sig" - "$rfc" missing-file "not in the test data"
		return
	fi
	while IFS=$'\t' read -r table exp; do
		if [ "$table" = ERROR ]; then
			report "$rel" "$sig" - "$rfc" unparsed "$exp"
			continue
		fi
		run_verify "$dir" "$table" "$dir/$file"
		pick "$sig"
		report "$rel" "$sig" "$table" "$exp" "$GOT" "$WHY"
	done < <(parse_expect "$rfc" "$src" "$notes")
	if [ "$sig" = - ] && [[ "$rfc $src" == *"input"* ]]; then
		sign_row "$dir" "$file" "$rel" "$src"
	fi
}

# the cases the data holds, counted apart from the loop that runs them:
# every non-comment, non-blank row of every expected.tsv
mapfile -t tables < <(find "$TESTDATA" -name expected.tsv | sort)
data_rows=0
for exp in "${tables[@]}"; do
	data_rows=$((data_rows + $(awk '!/^#/ && NF > 0' "$exp" | wc -l)))
done
rows_run=0
for exp in "${tables[@]}"; do
	dir=$(dirname "$exp")
	# tabs -> US so that empty columns survive "read"
	while IFS=$'\x1f' read -r file sig src rfc _dkimpy _mdkim notes; do
		case $file in ''|'#'*) continue ;; esac
		do_row "$dir" "$file" "$sig" "$src" "$rfc" "${notes:-}"
		rows_run=$((rows_run + 1))
	done < <(tr '\t' '\037' <"$exp")
done

for e in "${KNOWN_DIFFERENCES[@]}"; do
	[ -n "${KNOWN_USED[${e%%|*}]:-}" ] ||
	    echo "note: KNOWN_DIFFERENCES entry no longer needed: ${e%%|*}"
done
echo "conformance: $matched of $total matched ($known known differences, $failed mismatches)"
echo "conformance: ran $rows_run of $data_rows data rows from ${#tables[@]} expected.tsv files"
if [ "${#tables[@]}" -eq 0 ] || [ "$rows_run" -lt "$data_rows" ]; then
	echo "FAIL: ran fewer cases than the shared data holds"
	exit 1
fi
[ $failed -eq 0 ]
