#!/bin/bash
# run-milter-sendmail.sh - dkimguard behind a real Sendmail, end to end.
#
# Debian's Sendmail 8.17 (unpacked by scripts/sendmail-unpack.sh; see
# tests/e2e/lib/sendmail.sh) listens on 127.0.0.1:21140 (daemon MTA) and
# 21141 (daemon MSA), hands every message to dkimguard over a unix socket
# (INPUT_MAIL_FILTER, F=T) and relays it to an SMTP sink on 21142.  Clients
# connect from 127.0.0.1 (in InternalHosts) or 127.0.0.2 (outside it).
# Proves, with Sendmail's own macros, header handling and replies:
#   1. internal mail arrives with an RSA and an Ed25519 signature that
#      dkimpy, Mail::DKIM and OpenDKIM accept, relaxed and simple;
#   2. sendmail(1) on the command line (the MSP relaying to the MTA, as
#      Debian sets Sendmail up) arrives signed;
#   3. mail to the MSA daemon from outside InternalHosts is signed
#      ({daemon_name} = MSA in SubmissionServices);
#   4. the shared test data sent from outside arrives with the expected
#      Authentication-Results verdicts, and a forged A-R claiming our
#      authserv-id is removed (Sendmail's header indexes);
#   5. OnBadSignature reject: Sendmail gives the client our 5xx reply;
#   6. with dkimguard stopped, internal mail gets 4xx and nothing reaches
#      the sink; after the restart the same message arrives signed.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh
# shellcheck source-path=SCRIPTDIR source=lib/sendmail.sh
. tests/e2e/lib/sendmail.sh
# shellcheck source-path=SCRIPTDIR source=lib/verdicts.sh
. tests/e2e/lib/verdicts.sh

sm_require
[ -x "$TOP/milter/dkimguard" ] || { echo "FAIL: milter/dkimguard is not built"; exit 1; }
/usr/bin/python3 -c 'import dkim' 2>/dev/null || skip "dkimpy (python3-dkim) is not installed"
: "${TESTDATA:=$TOP/../shared/testdata}"

# ports 21140-21142, or the first three of $DKIMGUARD_TEST_PORTS ("LO-HI")
PORTS=${DKIMGUARD_TEST_PORTS:-21140-21142}
MTA_PORT=${PORTS%-*}
MSA_PORT=$((MTA_PORT + 1))
SINK_PORT=$((MTA_PORT + 2))
export PF_SINK_PORT=$SINK_PORT

dg_workdir dkimguard-sendmail
DOMAIN=dkimguard.test
SMDIR=$W/sm

# ---- keys, tables, configuration -------------------------------------
for k in rsa1:RSA ed1:ED25519; do
	name=${k%:*}
	if [ "${k#*:}" = RSA ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/keys/$name.key" 2>/dev/null
		p=$(openssl pkey -in "$W/keys/$name.key" -pubout -outform DER | base64 -w0)
		type=rsa
	else
		openssl genpkey -algorithm ed25519 -out "$W/keys/$name.key" 2>/dev/null
		p=$(openssl pkey -in "$W/keys/$name.key" -pubout -outform DER | tail -c 32 | base64 -w0)
		type=ed25519
	fi
	[ -n "$p" ] || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$name.key"
	printf '%s._domainkey.%s\tv=DKIM1; k=%s; p=%s\n' "$name" "$DOMAIN" "$type" "$p" >>"$W/sign-keys.tsv"
done
printf 'rsa1  %s  rsa1  keys/rsa1.key\ned1  %s  ed1  keys/ed1.key\n' "$DOMAIN" "$DOMAIN" >"$W/keytable"
printf '%s  rsa1 ed1\n' "$DOMAIN" >"$W/signingtable"
cp "$W/sign-keys.tsv" "$W/dns.tsv"

# write_conf CANON [LINE...] - the configuration; Sendmail runs as root,
# so the socket needs no group
write_conf() {
	local canon=$1
	shift
	{
		dg_conf_common | sed -e '/^SocketGroup/d' -e 's/^InternalHosts.*/InternalHosts   127.0.0.1/'
		printf 'Canonicalization %s\nAuthservID      %s\nTestKeys        dns.tsv\n' "$canon" "$AUTHSERV"
		printf 'SubmissionServices MSA\n'
		printf '%s\n' "$@"
	} >"$W/dkimguard.conf"
}
write_conf relaxed/relaxed
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/check.log" 2>&1 ||
	{ echo "FAIL: dkimguard -n: $(cat "$W/check.log")"; exit 1; }

dg_start || exit 1
pf_sink_start "$W" "$SINK_PORT" || { echo "FAIL: sink"; exit 1; }
sm_start "$SMDIR" "$MTA_PORT" "$MSA_PORT" "unix:$SOCK" || { echo "FAIL: sendmail"; exit 1; }
pf_on_exit 'if [ "$FAILS" != 0 ]; then echo "--- sendmail traffic"; tail -n 40 '"$SMDIR"'/traffic.log; cat '"$SMDIR"'/sendmail.log; fi'
pass "Sendmail $("$SM_BIN" -d0.1 -bt </dev/null 2>/dev/null | awk '/^Version/ {print $2; exit}') started with dkimguard as its input filter"

# ---- helpers -----------------------------------------------------------
SEQ=0
# send_wait PORT FROM FILE CLIENT_IP - send, wait at the sink, print path
send_wait() {
	SEQ=$((SEQ + 1))
	pf_send_wait "$W" "$1" "$2" "rcpt$SEQ@sink.test" "$3" "$4"
}

# signatures FILE - number of DKIM-Signature fields
signatures() { grep -c '^DKIM-Signature:' "$1"; }

# dkimpy_passes FILE - number of signatures dkimpy verifies
dkimpy_passes() {
	/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" --all "$1" | grep -c '^PASS'
}

# ---- 1. internal mail is signed and verifiable ---------------------------
for canon in relaxed/relaxed simple/simple; do
	write_conf "$canon"
	dg_reload || fail "reload for $canon"
	f=$(send_wait "$MTA_PORT" "alice@$DOMAIN" "$(dg_new_msg sendmail)" 127.0.0.1) || {
		fail "internal message ($canon) did not arrive"; continue; }
	[ "$(signatures "$f")" = 2 ] && [ "$(unfold "$f" | grep '^DKIM-Signature:' | tr -d ' \t' | grep -c "c=$canon;")" = 2 ] &&
		pass "internal message ($canon) arrived with 2 signatures saying c=$canon" ||
		fail "internal message ($canon): $(signatures "$f") DKIM-Signature fields"
	[ "$(dkimpy_passes "$f")" = 2 ] &&
		pass "dkimpy verifies both signatures ($canon)" || fail "dkimpy ($canon)"
	out=$(mail_dkim "$f")
	case $out in
	"pass/$DOMAIN/rsa-sha256 "*) pass "Mail::DKIM verifies the rsa-sha256 signature ($canon)" ;;
	*) fail "Mail::DKIM ($canon): $out" ;;
	esac
	out=$(opendkim_verify "$f")
	[ "$(grep -c 'dkim=pass' <<<"$out")" = 2 ] &&
		pass "OpenDKIM verifies both signatures ($canon)" || fail "OpenDKIM ($canon): '$out'"
done
write_conf relaxed/relaxed
dg_reload || fail "reload back to relaxed/relaxed"
grep -q "sign from 127.0.0.1: client in InternalHosts" "$W/dkimguard.log" &&
	pass "dkimguard logged the decision: sign, 127.0.0.1 is in InternalHosts" ||
	fail "no 'sign from 127.0.0.1: client in InternalHosts' log line"

# ---- 2. sendmail(1) on the command line, through the MSP -----------------
n=$(pf_sink_files "$W" | wc -l)
m=$(dg_new_msg sendmail)
out=$(sm_submit "$SMDIR" "$m" "alice@$DOMAIN" "cmdline@sink.test" 2>&1); rc=$?
if [ "$rc" = 0 ] && pf_wait_sink "$W" $((n + 1)) 60; then
	f=$(pf_sink_files "$W" | tail -n 1)
	[ "$(dkimpy_passes "$f")" = 2 ] &&
		pass "sendmail(1) command-line mail (MSP -> MTA -> milter) arrives signed and verifies" ||
		fail "sendmail(1) command-line mail arrived without 2 good signatures"
else
	fail "sendmail(1) command-line mail: exit $rc, not delivered: $out"
fi

# ---- 3. the MSA daemon: {daemon_name} = MSA is a submission service --------
f=$(send_wait "$MSA_PORT" "alice@$DOMAIN" "$(dg_new_msg sendmail)" 127.0.0.2) &&
	[ "$(dkimpy_passes "$f")" = 2 ] &&
	grep -q "sign from 127.0.0.2: submission service" "$W/dkimguard.log" &&
	pass "127.0.0.2 (outside InternalHosts) on the MSA daemon: signed, log names 'submission service MSA'" ||
	fail "MSA submission from 127.0.0.2 not signed: $(grep '127.0.0.2' "$W/dkimguard.log" | tail -n 2)"
f=$(send_wait "$MTA_PORT" "alice@$DOMAIN" "$(dg_new_msg sendmail)" 127.0.0.2) &&
	[ "$(signatures "$f")" = 0 ] && [ -n "$(ar_verdicts "$f")" ] &&
	pass "127.0.0.2 on the MTA daemon: verified (A-R dkim=$(ar_verdicts "$f" | head -n 1)), not signed" ||
	fail "127.0.0.2 on the MTA daemon was not treated as external"

# ---- 4. external mail: verdicts of the shared test data --------------------
# external_send FROM FILE N - from 127.0.0.2 to the MTA daemon
external_send() { send_wait "$MTA_PORT" "$1" "$2" 127.0.0.2; }
verify_shared_data external_send

f=$W/msgs/forged.eml
cat >"$f" <<MSG
Authentication-Results: $AUTHSERV; dkim=pass header.d=forged.example
From: mallory@example.net
Authentication-Results: other.example; spf=pass smtp.mailfrom=x@example.net
AUTHENTICATION-RESULTS: $AUTHSERV;
	dkim=pass header.d=forged2.example
To: bob@sink.test
Subject: forged results
Date: $(date -R)
Message-ID: <forged-$$@example.net>

forged
MSG
out=$(external_send "mallory@example.net" "$f") && {
	ours=$(grep -ci "^Authentication-Results: *$AUTHSERV" "$out")
	theirs=$(grep -ci '^Authentication-Results: *other.example' "$out")
	[ "$ours" = 1 ] && [ "$theirs" = 1 ] && ! grep -q 'forged2\?\.example' "$out" &&
		pass "two forged A-Rs claiming our authserv-id removed, the foreign one kept, ours says dkim=$(ar_verdicts "$out")" ||
		fail "A-R handling: ours=$ours theirs=$theirs: $(grep -i '^Authentication-Results' "$out" | tr '\n' '|')"
} || fail "forged A-R message not delivered"

# ---- 5. OnBadSignature reject: the client gets our 5xx -----------------------
bad=$TESTDATA/opendkim-milter/messages/t-verify-ss-bad.eml
if [ -r "$bad" ]; then
	{ cat "$W/sign-keys.tsv"; grep -hv '^#' "$TESTDATA/opendkim-milter/dns.tsv"; } >"$W/dns.tsv"
	write_conf relaxed/relaxed "OnBadSignature reject"
	dg_reload || fail "reload with OnBadSignature reject"
	n=$(pf_sink_files "$W" | wc -l)
	reply=$(pf_send "$MTA_PORT" "sender@example.net" "bad@sink.test" "$bad" 127.0.0.2); rc=$?
	sleep 1
	[ "$rc" = 5 ] && [ "$(pf_sink_files "$W" | wc -l)" = "$n" ] && grep -qi 'dkim' <<<"$reply" &&
		pass "bad signature rejected through Sendmail: '$reply'" ||
		fail "OnBadSignature reject: rc=$rc reply='$reply'"
	write_conf relaxed/relaxed
	cp "$W/sign-keys.tsv" "$W/dns.tsv"
	dg_reload || fail "reload after reject"
else
	echo "SKIPPED PART: OnBadSignature reject ($bad not found)"
fi

# ---- 6. dkimguard stopped: 4xx, nothing unsigned leaves; restart ------------
dg_stop
n=$(pf_sink_files "$W" | wc -l)
m=$(dg_new_msg sendmail)
reply=$(pf_send "$MTA_PORT" "alice@$DOMAIN" "down@sink.test" "$m" 127.0.0.1); rc=$?
sleep 2
n2=$(pf_sink_files "$W" | wc -l)
[ "$rc" = 4 ] && [ "$n2" = "$n" ] && [ "$(sm_queue_count "$SMDIR")" = 0 ] &&
	pass "dkimguard stopped: Sendmail (F=T) refused with '$reply', nothing reached the sink or the queue" ||
	fail "dkimguard stopped: rc=$rc reply='$reply' sink $n -> $n2 queue $(sm_queue_count "$SMDIR")"
dg_start || fail "restart"
f=$(send_wait "$MTA_PORT" "alice@$DOMAIN" "$m" 127.0.0.1) &&
	[ "$(dkimpy_passes "$f")" = 2 ] &&
	pass "after restart the same message arrives signed and verifies" ||
	fail "after restart: message not signed or not delivered"

if [ "$FAILS" != 0 ]; then
	echo "run-milter-sendmail: $FAILS failures"
	exit 1
fi
echo "run-milter-sendmail: all passed"
exit 0
