#!/bin/bash
# run-submission.sh - SubmissionServices through a real Postfix.
#
# A private Postfix (tests/e2e/lib/postfix.sh) with three smtpd listeners,
# all relaying to an SMTP sink, all through one dkimguard with
# "SubmissionServices submission" and the loopback as InternalHosts:
#   the normal port      {daemon_name} is Postfix's default ($myhostname);
#   a submission port    -o syslog_name=postfix/submission
#                        -o milter_macro_daemon_name=submission;
#   a syslog-only port   -o syslog_name=postfix/submission alone.
# Every message comes from an external client (XCLIENT ADDR=192.0.2.x),
# so only {daemon_name} can make it internal.  Proves:
#   1. through the submission port it arrives signed, the signature
#      verifies (dkimpy), and the log says "submission service";
#   2. through the normal port it is verified, not signed: no
#      DKIM-Signature, our Authentication-Results with dkim=none;
#   3. syslog_name alone does not set {daemon_name} (Postfix takes it from
#      milter_macro_daemon_name, default $myhostname): verified, not
#      signed, as dkimguard(8) says.
# Exit 0 pass, 1 fail, 77 skip (reason printed).  Ports: 21120-21123, or
# LO+20 to LO+23 of $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to run a private Postfix instance"
command -v postfix >/dev/null || skip "postfix is not installed"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	skip "dkimpy (python3-dkim) is not installed"
[ -x milter/dkimguard ] || { echo "FAIL: milter/dkimguard is not built"; exit 1; }

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh

BASE=21120
[ -n "${DKIMGUARD_TEST_PORTS:-}" ] && BASE=$((${DKIMGUARD_TEST_PORTS%-*} + 20))
SMTP_PORT=$BASE SINK_PORT=$((BASE + 1)) SUB_PORT=$((BASE + 2)) LOG_PORT=$((BASE + 3))
export PF_SINK_PORT=$SINK_PORT
FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }

dg_workdir dkimguard-submission
DOMAIN=submission.test
AUTHSERV=sub.dkimguard.test

# ---- key, tables, configuration, daemons -------------------------------
dg_rsa_key s1 || { echo "FAIL: openssl"; exit 1; }
{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
SubmissionServices submission
AuthservID      $AUTHSERV
TestKeys        dns.tsv
CONF
dg_start || exit 1
pf_sink_start "$W" "$SINK_PORT" || { echo "FAIL: sink"; exit 1; }
pf_start "$W/pf" "$SMTP_PORT" "unix:$SOCK" || { echo "FAIL: postfix"; exit 1; }
cat >>"$(pf_conf "$W/pf")/master.cf" <<EOF
127.0.0.1:$SUB_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o milter_macro_daemon_name=submission
127.0.0.1:$LOG_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
EOF
timeout 60 postfix -c "$(pf_conf "$W/pf")" reload >/dev/null 2>&1 &&
	pf_wait_port "$SUB_PORT" 20 && pf_wait_port "$LOG_PORT" 20 ||
	{ echo "FAIL: the extra smtpd listeners did not start"; pf_log "$W/pf" | tail -5; exit 1; }

# ---- helpers -----------------------------------------------------------
SEQ=0
# send_wait PORT CLIENT - a new message through PORT from CLIENT; prints
# the path of what reached the sink
send_wait() {
	local f
	f=$(dg_new_msg submission)
	pf_send_wait "$W" "$1" "alice@$DOMAIN" "bob$SEQ@sink.test" "$f" "$2"
}

# ar_of FILE - our Authentication-Results field, unfolded
ar_of() {
	awk 'BEGIN{RS="\r?\n"} /^$/{exit} /^[^ \t]/{if (h) print h; h=$0; next} {h=h" "$0} END{if (h) print h}' "$1" |
		grep -i "^Authentication-Results: *$AUTHSERV"
}

# verified_not_signed WHAT FILE - no signature, A-R with dkim=none
verified_not_signed() {
	if grep -q '^DKIM-Signature:' "$2"; then
		fail "$1: signed"
	elif ar_of "$2" | grep -q 'dkim=none'; then
		pass "$1: verified, not signed ($(ar_of "$2" | tr -s " \t" " " | head -c 90))"
	else
		fail "$1: no Authentication-Results from $AUTHSERV: $(head -c 400 "$2")"
	fi
}

# ---- 1. the submission port: signed -------------------------------------
if f=$(send_wait "$SUB_PORT" 192.0.2.25); then
	grep -q '^DKIM-Signature:' "$f" && pass "submission port, external client: arrived signed" ||
		fail "submission port: not signed: $(head -c 400 "$f")"
	out=$(/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" "$f")
	grep -q "^PASS .*d=$DOMAIN s=s1" <<<"$out" && pass "dkimpy verifies it: $out" ||
		fail "dkimpy: $out"
	ar_of "$f" >/dev/null && fail "submission port: verified as well (A-R added)" ||
		pass "submission port: no Authentication-Results added"
	dg_log | grep -q "decision=sign why=\"submission service\"" &&
		pass "log: decision=sign why=\"submission service\"" ||
		fail "log: no submission-service decision"
else
	fail "nothing arrived through the submission port"
fi

# ---- 2. the normal port: verified ---------------------------------------
if f=$(send_wait "$SMTP_PORT" 192.0.2.26); then
	verified_not_signed "normal port, external client" "$f"
else
	fail "nothing arrived through the normal port"
fi

# ---- 3. syslog_name alone is not {daemon_name} --------------------------
if f=$(send_wait "$LOG_PORT" 192.0.2.27); then
	verified_not_signed "syslog_name=postfix/submission alone" "$f"
else
	fail "nothing arrived through the syslog-only port"
fi
[ "$(dg_log | grep -c 'why="external client"')" = 2 ] &&
	pass "log: the other two were external clients" ||
	fail "log: $(dg_log | grep -o 'decision=[a-z]* why="[^"]*"' | sort | uniq -c | tr '\n' ' ')"

echo
if [ "$FAILS" != 0 ]; then
	echo "run-submission: $FAILS FAILED"
	exit 1
fi
echo "run-submission: all passed"
exit 0
