#!/bin/bash
# run-interop.sh - interoperability of dkimguard with dkimpy, Mail::DKIM and
# OpenDKIM, on generated edge-case messages.
#
# DESCRIPTION
#	1. dkimguard signs: every case from gen_cases.py x c= simple/simple,
#	   simple/relaxed, relaxed/simple, relaxed/relaxed x rsa-sha256
#	   (RSA-2048) and ed25519-sha256, with cli/dkimguard-msg sign; each
#	   result is verified by dkimpy, Mail::DKIM and dkimguard itself (whole
#	   reads and 1-byte chunks), and checked to be the input byte for byte
#	   below new fields that use the input's line ending.  Plus two
#	   messages with two signatures in one run (--also).
#	2. Others sign: dkimpy (both algorithms, 4 canonicalizations),
#	   Mail::DKIM::Signer (rsa-sha256, 4 canonicalizations) and
#	   opendkim-testmsg (it can only make rsa-sha1 relaxed/simple) sign
#	   the same cases; dkimguard-msg verify must say pass, and fail for a
#	   copy with one body byte changed and one with From: changed.
#	3. If this dkimguard-msg has the DNS resolver and unbound is
#	   installed: the messages of 1 verified again with --nameserver
#	   against an unbound serving the keys on a random loopback port.
#	Keys are generated here with openssl and published through a dns.tsv
#	table; the records are built with openssl, independently of
#	"dkimguard-msg keyrec", which is checked against them.
#
#	Known limits of the reference tools:
#	- Mail::DKIM 1.20230212 has no ed25519-sha256.  Those cells show n/a
#	  and require its exact answer "invalid (unsupported algorithm
#	  ed25519-sha256)"; anything else is a mismatch.
#	- Mail::DKIM is fed messages as SMTP delivers them (see
#	  mdkim_tool.pl: final CRLF added, as its dkimverify.pl does).
#	- opendkim-testmsg has no algorithm option and signs rsa-sha1, which
#	  RFC 8301 3.1 forbids verifiers to accept: verified with --allow-sha1
#	  (must pass) and without it (must not pass).  Without -C its LF
#	  output corrupts b= (repeats the tail), so CRLF input and -C only;
#	  inputs it refuses ("dkim_chunk(): Syntax error", e.g. the
#	  repeated-headers case) are left out with a note.
#
# ENVIRONMENT
#	KEEP_WORK=1 keeps the work directory (printed at the end).
#	DKIMGUARD_MSG=path tests another dkimguard-msg binary.
#
# DIAGNOSTICS
#	Exit 0 when every check matched, 1 on any mismatch, 77 when a
#	reference verifier (dkimpy for /usr/bin/python3, Mail::DKIM) is not
#	installed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/interop
CLI=${DKIMGUARD_MSG:-$ROOT/cli/dkimguard-msg}
PY=/usr/bin/python3
DOMAIN=interop.example

if ! [ -x "$PY" ] || ! "$PY" -c 'import dkim, nacl' 2>/dev/null; then
	echo "SKIP: dkimpy not installed for $PY (apt-get install python3-dkim python3-nacl)"
	exit 77
fi
if ! perl -MMail::DKIM::Verifier -MMail::DKIM::Signer -MNet::DNS -e1 2>/dev/null; then
	echo "SKIP: Mail::DKIM not installed (apt-get install libmail-dkim-perl)"
	exit 77
fi
if ! [ -x "$CLI" ]; then
	echo "FAIL: $CLI not built (run make)"
	exit 1
fi
command -v openssl >/dev/null || { echo "FAIL: openssl not found"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/dkimguard-interop.XXXXXX") || exit 1
UNBOUND_PID=""
cleanup() {
	[ -n "$UNBOUND_PID" ] && kill "$UNBOUND_PID" 2>/dev/null
	if [ "${KEEP_WORK:-0}" = 1 ]; then
		echo "work directory kept: $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

CANONS="simple/simple simple/relaxed relaxed/simple relaxed/relaxed"
ALGS="rsa-sha256 ed25519-sha256"
total=0; good=0; na=0; bad=0
declare -a FAILURES=()

# check NAME GOT WANT - count one check
check() {
	total=$((total + 1))
	if [ "$2" = "$3" ]; then
		good=$((good + 1))
	else
		bad=$((bad + 1))
		FAILURES+=("$1: got $2, want $3")
	fi
}

# cellv TOOL FILE ALG - count one verifier's verdict that must be pass;
# CELL gets what the matrix shows
cellv() {
	local raw=${RES[$1:$2]:-missing:no output}
	total=$((total + 1))
	if [ "$1" = mdkim ] && [ "$3" = ed25519-sha256 ] &&
	    [ "$raw" = "invalid:invalid (unsupported algorithm ed25519-sha256)" ]; then
		CELL=n/a; na=$((na + 1)); good=$((good + 1))
		return
	fi
	CELL=${raw%%:*}
	if [ "$CELL" = pass ]; then
		good=$((good + 1))
	else
		bad=$((bad + 1)); FAILURES+=("$1 on ${2##*/}: $raw")
	fi
}

# ---- keys and DNS
make_keys() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$W/rsa.pem" 2>/dev/null &&
	openssl genpkey -algorithm ED25519 -out "$W/ed.pem" 2>/dev/null &&
	openssl pkey -in "$W/ed.pem" -outform DER | tail -c 32 | base64 -w0 \
	    >"$W/ed.seed" || return 1
	RSA_P=$(openssl pkey -in "$W/rsa.pem" -pubout -outform DER | base64 -w0)
	ED_P=$(openssl pkey -in "$W/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
	printf 'rsa._domainkey.%s\tv=DKIM1; k=rsa; p=%s\n' "$DOMAIN" "$RSA_P" >"$W/dns.tsv"
	printf 'ed._domainkey.%s\tv=DKIM1; k=ed25519; p=%s\n' "$DOMAIN" "$ED_P" >>"$W/dns.tsv"
}

# p_of RECORD - the p= value of a key record
p_of() { sed -n 's/.*p=\([A-Za-z0-9+\/=]*\).*/\1/p' <<<"$1"; }

check_keyrec() {
	local r
	r=$("$CLI" keyrec "$W/rsa.pem" 2>&1)
	check "keyrec rsa p=" "$(p_of "$r")" "$RSA_P"
	r=$("$CLI" keyrec "$W/ed.pem" 2>&1)
	check "keyrec ed25519 p=" "$(p_of "$r")" "$ED_P"
	case $r in *k=ed25519*) check "keyrec ed25519 k=" ok ok ;;
	*) check "keyrec ed25519 k=" "$r" "k=ed25519" ;; esac
}

keyof() { [ "$1" = rsa-sha256 ] && echo "$W/rsa.pem" || echo "$W/ed.pem"; }
selof() { [ "$1" = rsa-sha256 ] && echo rsa || echo ed; }
short() { local h=${1%/*} b=${1#*/}; echo "${h:0:1}${b:0:1}"; }

# ---- results: RES[tool:file]=verdict:detail for signature 0 (and file#1)
declare -A RES
load_py() {	# dkimpy_tool.py / mdkim_tool.pl lines: file idx result detail
	local tool=$1 f i r d
	while IFS=$'\t' read -r f i r d; do
		[ "$i" = 0 ] || [ "$i" = - ] && RES[$tool:$f]="$r:$d"
		[ "$i" = 1 ] && RES[$tool:$f#1]="$r:$d"
	done
}
load_ours() {	# "FILE: d=.. s=.. a=.. verdict=V reason=..." in order
	local tool=$1 line f v prev="" n=0
	while IFS= read -r line; do
		f=${line%%: *}
		v=$(sed -n 's/.* verdict=\([a-z]*\).*/\1/p' <<<"$line")
		[ -n "$v" ] || continue
		if [ "$f" = "$prev" ]; then n=$((n + 1)); else n=0; prev=$f; fi
		[ $n = 0 ] && RES[$tool:$f]="$v:${line#*reason=}"
		[ $n = 1 ] && RES[$tool:$f#1]="$v:${line#*reason=}"
	done
}

verify_all() {	# verify_all FILE... with every verifier into RES
	load_py dkimpy < <("$PY" "$HERE/dkimpy_tool.py" verify "$W/dns.tsv" "$@")
	load_py mdkim < <(perl "$HERE/mdkim_tool.pl" verify "$W/dns.tsv" "$@")
	load_ours ours < <("$CLI" verify --dns "$W/dns.tsv" "$@" 2>&1)
	load_ours ours1 < <("$CLI" verify --chunk-size 1 --dns "$W/dns.tsv" "$@" 2>&1)
}

# ---- direction 1: dkimguard signs
sign_ours() {
	local c cn alg out err
	mkdir -p "$W/d1"
	for c in $CASES; do
		for cn in $CANONS; do
			for alg in $ALGS; do
				out=$W/d1/$c.$(short $cn).$alg.eml
				if ! "$CLI" sign -d $DOMAIN -s "$(selof $alg)" \
				    -k "$(keyof $alg)" -c $cn "$W/cases/$c.eml" \
				    >"$out" 2>"$out.err"; then
					echo "sign failed: $c $cn $alg: $(head -c 300 "$out.err")"
					: >"$out"
				fi
			done
		done
	done
	for c in crlf lf-only; do
		out=$W/d1/$c.multi.eml
		"$CLI" sign -d $DOMAIN -s rsa -k "$W/rsa.pem" -c relaxed/relaxed \
		    --also -d $DOMAIN -s ed -k "$W/ed.pem" -c simple/simple \
		    <"$W/cases/$c.eml" >"$out" 2>"$out.err" ||
		    { echo "sign failed: $c multi: $(head -c 300 "$out.err")"; : >"$out"; }
	done
}

# load_bytes N SIGNED ORIG... - PASSTHRU[SIGNED] from gen_cases.py
declare -A PASSTHRU
load_bytes() {
	local f r
	while IFS=$'\t' read -r f r; do PASSTHRU[$f]=$r; done < <("$PY" \
	    "$HERE/gen_cases.py" passthrough "$@")
}

report_ours_signed() {
	local c cn alg f k row pairs=()
	for c in $CASES; do
		for cn in $CANONS; do
			for alg in $ALGS; do
				pairs+=("$W/d1/$c.$(short $cn).$alg.eml" "$W/cases/$c.eml")
			done
		done
	done
	load_bytes 1 "${pairs[@]}"
	load_bytes 2 "$W/d1/crlf.multi.eml" "$W/cases/crlf.eml" \
	    "$W/d1/lf-only.multi.eml" "$W/cases/lf-only.eml"
	echo
	echo "== dkimguard signs; dkimpy / Mail::DKIM / dkimguard verify"
	printf '%-22s %-16s %-15s %-7s %-7s %-7s %-7s %s\n' case canon alg \
	    dkimpy mdkim ours ours/1 bytes
	for c in $CASES; do
		for cn in $CANONS; do
			for alg in $ALGS; do
				f=$W/d1/$c.$(short $cn).$alg.eml
				row=$(printf '%-22s %-16s %-15s' "$c" "$cn" "$alg")
				for k in dkimpy mdkim ours ours1; do
					cellv $k "$f" $alg
					row+=$(printf ' %-7s' "$CELL")
				done
				check "bytes ${f##*/}" "${PASSTHRU[$f]:-missing}" ok
				echo "$row ${PASSTHRU[$f]:-missing}"
			done
		done
	done
	for c in crlf lf-only; do
		f=$W/d1/$c.multi.eml
		row="$c, two signatures in one run (rsa r/r, then ed25519 s/s):"
		for k in dkimpy "dkimpy $f#1" mdkim ours "ours $f#1" ours1 "ours1 $f#1"; do
			set -- $k
			cellv $1 "${2:-$f}" rsa-sha256
			row+=" $1${2:+#1}=$CELL"
		done
		cellv mdkim "$f#1" ed25519-sha256
		row+=" mdkim#1=$CELL"
		check "bytes ${f##*/}" "${PASSTHRU[$f]:-missing}" ok
		echo "$row bytes=${PASSTHRU[$f]:-missing}"
	done
}

# ---- direction 2: others sign, dkimguard verifies
sign_others() {
	local c cn alg key out
	mkdir -p "$W/d2"
	: >"$W/jobs.py"; : >"$W/jobs.pl"
	for c in $CASES; do
		for cn in $CANONS; do
			for alg in $ALGS; do
				[ $alg = rsa-sha256 ] && key=$W/rsa.pem || key=$W/ed.seed
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$W/cases/$c.eml" \
				    "$W/d2/dkimpy.$c.$(short $cn).$alg.eml" $alg $cn "$key" \
				    "$(selof $alg)" $DOMAIN >>"$W/jobs.py"
			done
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$W/cases/$c.eml" \
			    "$W/d2/mdkim.$c.$(short $cn).rsa-sha256.eml" rsa-sha256 $cn \
			    "$W/rsa.pem" rsa $DOMAIN >>"$W/jobs.pl"
		done
	done
	"$PY" "$HERE/dkimpy_tool.py" sign <"$W/jobs.py" || echo "dkimpy signing failed"
	perl "$HERE/mdkim_tool.pl" sign <"$W/jobs.pl" || echo "Mail::DKIM signing failed"
	if command -v opendkim-testmsg >/dev/null; then
		for c in $CASES; do
			grep -q $'\r' "$W/cases/$c.eml" || continue	# CRLF input only (-C)
			out=$W/d2/opendkim.$c.rs.rsa-sha1.eml
			opendkim-testmsg -C -d $DOMAIN -s rsa -k "$W/rsa.pem" \
			    <"$W/cases/$c.eml" >"$out" 2>"$W/od.err"
			if ! grep -q '^DKIM-Signature:' "$out"; then
				echo "note: opendkim-testmsg cannot sign case $c" \
				    "($(head -c 100 "$W/od.err")); OpenDKIM row left out"
				rm -f "$out"
			fi
		done
	else
		echo "note: opendkim-testmsg not installed; OpenDKIM rows left out"
	fi
}

# res KEY - the verdict stored for KEY, "?" when there is none
res() { local v=${RES[$1]:-?:}; echo "${v%%:*}"; }

report_others_signed() {
	local f base o o1 tb tf ref
	echo
	echo "== others sign; dkimguard-msg verify (orig must pass; tampered body/From must fail)"
	echo "   (ref = dkimpy on the same signed file: harness sanity, not counted)"
	printf '%-50s %-7s %-7s %-7s %-7s %s\n' signed-message ref ours ours/1 tbody tfrom
	for f in "$W"/d2/*.eml; do
		base=${f##*/}
		ref=$(res "dkimpy:$f"); o=$(res "ours:$f"); o1=$(res "ours1:$f")
		tb=$(res "ours:$f.tbody"); tf=$(res "ours:$f.tfrom")
		printf '%-50s %-7s %-7s %-7s %-7s %s\n' "$base" "$ref" "$o" "$o1" "$tb" "$tf"
		check "ours $base (${RES[ours:$f]:-})" "$o" pass
		check "ours/1 $base" "$o1" pass
		check "ours $base.tbody (${RES[ours:$f.tbody]:-})" "$tb" fail
		check "ours $base.tfrom (${RES[ours:$f.tfrom]:-})" "$tf" fail
		case $base in opendkim.*)
			check "ours without --allow-sha1 on $base is not pass" \
			    "$([ "$(res "nosha1:$f")" = pass ] && echo pass || echo notpass)" notpass
		esac
	done
}

verify_others() {
	local files=("$W"/d2/*.eml) sha=("$W"/d2/opendkim.*.eml)
	"$PY" "$HERE/gen_cases.py" tamper "${files[@]}"
	# reference: dkimpy checks what was signed (harness sanity, not counted)
	load_py dkimpy < <("$PY" "$HERE/dkimpy_tool.py" verify "$W/dns.tsv" \
	    "${files[@]}" 2>&1)
	local all=()
	for f in "${files[@]}"; do all+=("$f" "$f.tbody" "$f.tfrom"); done
	load_ours ours < <("$CLI" verify --allow-sha1 --dns "$W/dns.tsv" "${all[@]}" 2>&1)
	load_ours ours1 < <("$CLI" verify --allow-sha1 --chunk-size 1 \
	    --dns "$W/dns.tsv" "${files[@]}" 2>&1)
	[ -e "${sha[0]}" ] && load_ours nosha1 < <("$CLI" verify \
	    --dns "$W/dns.tsv" "${sha[@]}" 2>&1)
}

# ---- DNS: the same signed messages through --nameserver and a local unbound
# unbound_conf PORT - serve the dns.tsv records as a static zone on loopback
unbound_conf() {
	local name txt chunks
	cat <<-EOF
	server:
	  interface: 127.0.0.1@$1
	  port: $1
	  do-daemonize: no
	  username: ""
	  chroot: ""
	  directory: "$W"
	  pidfile: ""
	  use-syslog: no
	  logfile: "$W/unbound.log"
	  access-control: 127.0.0.0/8 allow
	  local-zone: "$DOMAIN." static
	EOF
	while IFS=$'\t' read -r name txt; do
		chunks=$(fold -w 200 <<<"$txt" | sed 's/.*/"&"/' | tr '\n' ' ')
		echo "  local-data: '$name. 300 IN TXT $chunks'"
	done <"$W/dns.tsv"
	printf 'remote-control:\n  control-enable: no\n'
}

check_nameserver() {
	local port out f line n=0
	echo
	echo "== dkimguard-msg verify --nameserver (unbound on loopback)"
	out=$("$CLI" verify --nameserver 127.0.0.1:9 "$W/cases/crlf.eml" 2>&1)
	if [[ "$out" != *"no signatures"* ]]; then
		echo "note: not run: this dkimguard-msg has no resolver ($out)"
		return
	fi
	if ! command -v unbound >/dev/null; then
		echo "note: not run: unbound not installed"
		return
	fi
	port=$((20000 + RANDOM % 30000))
	unbound_conf $port >"$W/unbound.conf"
	unbound -c "$W/unbound.conf" >/dev/null 2>&1 &
	UNBOUND_PID=$!
	for _ in $(seq 1 40); do	# until it answers, at most ~10 s
		"$CLI" verify --nameserver 127.0.0.1:$port "$W/d1/crlf.ss.rsa-sha256.eml" \
		    >/dev/null 2>&1 && break
		sleep 0.25
	done
	while IFS= read -r line; do
		n=$((n + 1))
		f=${line%%: *}
		case $line in
		*" verdict=pass "*) check "nameserver ${f##*/}" pass pass ;;
		*) check "nameserver ${f##*/} ($line)" fail pass ;;
		esac
	done < <("$CLI" verify --nameserver 127.0.0.1:$port "$W"/d1/*.eml 2>&1)
	kill "$UNBOUND_PID" 2>/dev/null; wait "$UNBOUND_PID" 2>/dev/null
	UNBOUND_PID=""
	echo "$n signatures verified through DNS (port $port)"
}

# ---- main
make_keys || { echo "FAIL: key generation with openssl failed"; exit 1; }
"$PY" "$HERE/gen_cases.py" cases "$W/cases" >"$W/cases.list" || exit 1
CASES=$(cat "$W/cases.list")
check_keyrec
sign_ours
verify_all "$W"/d1/*.eml
report_ours_signed
sign_others
verify_others
report_others_signed
check_nameserver

echo
if [ $bad -gt 0 ]; then
	echo "mismatches:"
	printf '  %s\n' "${FAILURES[@]}"
fi
echo "interop: $good of $total checks matched ($na n/a: Mail::DKIM 1.20230212 has no ed25519), $bad mismatches"
[ $bad -eq 0 ]
