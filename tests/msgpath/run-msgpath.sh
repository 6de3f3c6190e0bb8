#!/bin/bash
# run-msgpath.sh - the message path (session -> decide -> signing ->
# sign_guard -> verifying -> actions -> Authentication-Results) through a
# real dkimguard, without root and without an MTA.
#
# For each tests/msgpath/cases/NAME.case a dkimguard (milter/dkimguard, as
# the current user) is started on a unix socket in a temporary folder with
# the base configuration below plus the case's "config" lines, and
# tests/tools/miltertest plays Postfix for one message (case format:
# tests/tools/miltertest_case.c).  Keys are made here with openssl; their
# records are served from a file (TestKeys), so no DNS is asked.  The
# tool's output, followed by the daemon's log lines that match the case's
# "log REGEX" lines (timestamps, t= and b= values masked), must equal
# NAME.out; on a mismatch the diff is printed and the suite fails.
#
# A case with "xfail WHY" documents behaviour the daemon does not have yet:
# its .out holds the correct output, a mismatch is reported as XFAIL (not a
# failure), and a match is XPASS, a failure, so the marker gets removed.
#
#   run-msgpath.sh [--update] [NAME...]
#     --update  rewrite NAME.out from what the daemon does now (review the
#               diff before committing; xfail cases are left alone)
#
# Keys and records (selector._domainkey.domain):
#   sel1  example.com       RSA 2048, signing key, record matches
#   ed1   ed.example        Ed25519, signing key, record matches
#   mm    mismatch.example  RSA 2048, signing key, record holds ANOTHER key
#   mm2   mismatch.example  the mm key and record again, with guard=unsigned
#                           in the key table (keyaction.example signs it)
#   multi.example signs with sel1 (valid) and mm (mismatch): GuardDropInvalid
#   ext   example.net       RSA 2048, presigns verify cases (not signing)
#   nokey example.net       the ext key, no record (NXDOMAIN)
#   tmp   example.net       the ext key, its lookup fails (SERVFAIL)
# Signing table: the domains above, plus the alignment domains below.
# zone.txt answers the outgoing-mail SPF and DMARC lookups (TestZone), so
# these ask no DNS either: example.com passes SPF from 192.0.2.25 (~all
# for others) and publishes p=quarantine; sp=none; ed.example passes SPF
# from 192.0.2.25 and publishes no DMARC record; other names have nothing.
# Exit 0 pass, 1 fail, 77 skip (not built, no openssl).
#
# Run as root (as make check is on CI), the suite runs itself again as the
# unprivileged user nobody, so the claim "no root needed" is tested every
# time; --update and DKIMGUARD_MSGPATH_AS_ROOT=1 keep the current user.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" = 0 ] && [ "${1:-}" != --update ] &&
	[ -z "${DKIMGUARD_MSGPATH_AS_ROOT:-}" ] && command -v setpriv >/dev/null &&
	id nobody >/dev/null 2>&1 &&
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		test -x "$ROOT/milter/dkimguard" 2>/dev/null; then
	home=$(mktemp -d) || exit 1
	chown nobody "$home"
	echo "run-msgpath: running as nobody (uid $(id -u nobody)), not root"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		env HOME="$home" TMPDIR="$home" DKIMGUARD_MSGPATH_AS_ROOT=1 \
		TESTDATA="${TESTDATA:-}" bash "$0" "$@"
	rc=$?
	rm -rf "$home"
	exit $rc
elif [ "$(id -u)" = 0 ] && [ -z "${DKIMGUARD_MSGPATH_AS_ROOT:-}" ]; then
	echo "run-msgpath: NOTE: running as root (nobody cannot reach $ROOT)"
fi
MILTER=$ROOT/milter/dkimguard
TOOL=$ROOT/tests/tools/miltertest
CASES=$ROOT/tests/msgpath/cases
W=$(mktemp -d "${TMPDIR:-/tmp}/dkimguard-msgpath.XXXXXX") || exit 1
DG=""

cleanup() {
	[ -n "$DG" ] && { kill -KILL "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; exit 77; }

update=no
if [ "${1:-}" = --update ]; then
	update=yes
	shift
fi
[ -x "$MILTER" ] && [ -x "$TOOL" ] ||
	skip "milter/dkimguard or tests/tools/miltertest not built (make all)"
command -v openssl >/dev/null || skip "openssl not installed"

# ---- keys and their records ------------------------------------------------
mkdir -m 700 "$W/keys"
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
rsa_p() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
rsa "$W/keys/sel1.example.com.key" && rsa "$W/keys/mm.mismatch.example.key" &&
	rsa "$W/keys/other.key" && rsa "$W/keys/ext.example.net.key" &&
	openssl genpkey -algorithm ED25519 -out "$W/keys/ed1.ed.example.key" 2>/dev/null ||
	skip "openssl genpkey failed"
# presign keys without a usable record: none at all, and one whose lookup
# fails temporarily (SERVFAIL)
cp "$W/keys/ext.example.net.key" "$W/keys/nokey.example.net.key"
cp "$W/keys/ext.example.net.key" "$W/keys/tmp.example.net.key"
chmod 600 "$W"/keys/*.key
{
	printf 'sel1._domainkey.example.com\tv=DKIM1; k=rsa; p=%s\n' "$(rsa_p "$W/keys/sel1.example.com.key")"
	printf 'mm._domainkey.mismatch.example\tv=DKIM1; k=rsa; p=%s\n' "$(rsa_p "$W/keys/other.key")"
	printf 'mm2._domainkey.mismatch.example\tv=DKIM1; k=rsa; p=%s\n' "$(rsa_p "$W/keys/other.key")"
	printf 'ext._domainkey.example.net\tv=DKIM1; k=rsa; p=%s\n' "$(rsa_p "$W/keys/ext.example.net.key")"
	printf 'tmp._domainkey.example.net\t@SERVFAIL\n'
	printf 'ed1._domainkey.ed.example\tv=DKIM1; k=ed25519; p=%s\n' \
		"$(openssl pkey -in "$W/keys/ed1.ed.example.key" -pubout -outform DER 2>/dev/null |
			tail -c 32 | base64 -w0)"
} >"$W/dns.tsv"
cat >"$W/zone.txt" <<'EOF'
example.com         TXT  v=spf1 ip4:192.0.2.25 ~all
_dmarc.example.com  TXT  v=DMARC1; p=quarantine; sp=none
ed.example          TXT  v=spf1 ip4:192.0.2.25 -all
EOF
cat >"$W/keytable" <<'EOF'
k-example   example.com       sel1  keys/sel1.example.com.key
k-ed        ed.example        ed1   keys/ed1.ed.example.key
k-mismatch  mismatch.example  mm    keys/mm.mismatch.example.key
k-mm2       mismatch.example  mm2   keys/mm.mismatch.example.key  guard=unsigned
EOF
# alignment cases (RFC 7489 3.1.1): unaligned.example signs with another
# organizational domain's key, sub.example.com aligns relaxed only, and
# pref@multi.example.com matches an unaligned key first (user@domain
# before domain), so the aligned k-example of the later entry is chosen
cat >"$W/signingtable" <<'EOF'
example.com             k-example
ed.example              k-ed
mismatch.example        k-mismatch
unaligned.example       k-example
sub.example.com         k-example
pref@multi.example.com  k-ed
multi.example.com       k-example
keyaction.example       k-mm2
multi.example           k-example k-mismatch
EOF
cat >"$W/base.conf" <<EOF
Socket              unix:$W/sock
SocketMode          0600
PidFile             $W/dkimguard.pid
KeyTable            keytable
SigningTable        signingtable
TestKeys            dns.tsv
TestZone            zone.txt
AuthservID          mt.msgpath.test
InternalHosts       127.0.0.0/8, ::1
SubmissionServices  submission
LogLevel            info
GuardStateFile      $W/guard.state
EOF
# Keys must be owned by root or by the UserID user (RequireSafeKeys); as
# another user, name that user (dkimguard then has nothing to switch).
if [ "$(id -u)" != 0 ]; then
	me=$(id -un 2>/dev/null) || skip "uid $(id -u) has no user name for UserID"
	echo "UserID              $me" >>"$W/base.conf"
fi

# ---- one case ----------------------------------------------------------------
# conf_for CASE - base.conf with the case's "config NAME VALUE" lines in
# force (each option may appear once, so a case's line replaces the base's)
conf_for() {
	local name line
	cp "$W/base.conf" "$W/dkimguard.conf"
	while read -r _ name line; do
		awk -v n="$name" 'tolower($1) != tolower(n)' "$W/dkimguard.conf" >"$W/conf.tmp"
		printf '%s %s\n' "$name" "$line" >>"$W/conf.tmp"
		mv "$W/conf.tmp" "$W/dkimguard.conf"
	done < <(grep -E '^config[[:space:]]' "$1")
}

# start - the daemon in the foreground, its log in $W/log
start() {
	rm -f "$W/sock"
	"$MILTER" -f -c "$W/dkimguard.conf" >"$W/log" 2>&1 &
	DG=$!
	for _ in $(seq 200); do
		[ -S "$W/sock" ] && return 0
		kill -0 "$DG" 2>/dev/null || break
		sleep 0.05
	done
	echo "dkimguard did not start:"
	sed 's/^/    /' "$W/log"
	return 1
}

stop() {
	[ -n "$DG" ] || return
	kill -TERM "$DG" 2>/dev/null
	wait "$DG" 2>/dev/null
	DG=""
}

# masked_log CASE - the log lines the case asks for, variable parts masked
masked_log() {
	local re
	while read -r _ re; do
		grep -E -- "$re" "$W/log"
	done < <(grep -E '^log[[:space:]]' "$1") |
		sed -E 's/\bt=[0-9]*/t=<t>/g; s/\bb=[A-Za-z0-9+\/=]*/b=<b>/g;
			s/header\.b="?[A-Za-z0-9+\/=]*"?/header.b=<b>/g; s/^/log: /'
}

# run_case CASE - the actual output on stdout
run_case() {
	local rc
	conf_for "$1"
	start || return 1
	(cd "$W" && "$TOOL" -S "unix:$W/sock" -k "$W/dns.tsv" -K "$W/keys" "$1")
	rc=$?
	stop
	[ $rc = 0 ] || echo "miltertest exit $rc"
	masked_log "$1"
}

# ---- all cases -----------------------------------------------------------------
all=yes
if [ $# -gt 0 ]; then
	all=no
	set -- "${@/#/$CASES/}"
	set -- "${@/%/.case}"
else
	set -- "$CASES"/*.case
fi
want=$(find "$CASES" -name '*.case' | wc -l)
[ $# -gt 0 ] && [ -e "$1" ] || { echo "FAIL: no cases in $CASES"; exit 1; }
t0=$(date +%s)
ran=0 passed=0 xfail=0 failed=""
for c in "$@"; do
	n=$(basename "$c" .case)
	exp=${c%.case}.out
	[ -r "$c" ] || { echo "FAIL $n: no such case"; failed="$failed $n"; continue; }
	run_case "$c" >"$W/actual" 2>&1
	ran=$((ran + 1))
	why=$(sed -n 's/^xfail[[:space:]]*//p' "$c" | head -n 1)
	if [ $update = yes ]; then
		if [ -n "$why" ]; then
			echo "kept $n.out (xfail: $why)"
		else
			cp "$W/actual" "$exp" && echo "wrote $n.out"
		fi
		continue
	fi
	if [ ! -r "$exp" ]; then
		echo "FAIL $n: no $n.out (write it with --update, then review it)"
		failed="$failed $n"
	elif diff -u "$exp" "$W/actual" >"$W/diff"; then
		if [ -n "$why" ]; then
			echo "XPASS $n: it works now, remove the xfail line"
			failed="$failed $n"
		else
			echo "ok $n"
			passed=$((passed + 1))
		fi
	elif [ -n "$why" ]; then
		echo "XFAIL $n: $why"
		sed 's/^/    /' "$W/diff"
		xfail=$((xfail + 1))
	else
		echo "FAIL $n: output differs from $n.out (- expected, + actual):"
		sed 's/^/    /' "$W/diff"
		failed="$failed $n"
	fi
done
echo "msgpath: $ran of $want cases ran in $(($(date +%s) - t0)) s:" \
	"$passed passed, $xfail known failures (xfail)," \
	"$(echo $failed | wc -w) failed"
[ $update = yes ] && exit 0
[ -z "$failed" ] || { echo "FAIL:$failed"; exit 1; }
if [ $all = yes ] && [ "$ran" -lt "$want" ]; then
	echo "FAIL: ran $ran cases, $CASES holds $want"
	exit 1
fi
exit 0
