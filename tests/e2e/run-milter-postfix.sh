#!/bin/bash
# run-milter-postfix.sh - dkimguard behind a real Postfix, end to end.
#
# A private Postfix (tests/e2e/lib/postfix.sh) on 127.0.0.1:21110 hands
# every message to dkimguard (smtpd_milters and non_smtpd_milters, unix
# socket) and relays it to an SMTP sink on 127.0.0.1:21111.  Proves:
#   1. internal SMTP mail (client 127.0.0.1) arrives with an RSA and an
#      Ed25519 signature that dkimpy, Mail::DKIM and OpenDKIM accept, for
#      relaxed/relaxed and simple/simple (the header bytes Postfix writes
#      are the bytes that were hashed);
#   2. mail through Postfix's sendmail (non_smtpd_milters) arrives signed;
#   3. the shared test data ($TESTDATA) sent from an external address
#      (XCLIENT ADDR=192.0.2.x) arrives with the expected per-signature
#      Authentication-Results verdicts (TestKeys = each set's dns.tsv,
#      switched by SIGHUP), and a forged A-R claiming our authserv-id
#      is removed;
#   4. while dkimguard is stopped an internal message gets 4xx and nothing
#      unsigned reaches the sink; after the restart it arrives signed;
#   5. SIGHUP every 0.2 s under a stream of 200 messages loses none and
#      every one arrives signed.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh

dg_require
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	skip "dkimpy (python3-dkim) is not installed"
: "${TESTDATA:=$TOP/../shared/testdata}"

# ports 21110-21111, or the first two of $DKIMGUARD_TEST_PORTS ("LO-HI")
PORTS=${DKIMGUARD_TEST_PORTS:-21110-21111}
SMTP_PORT=${PORTS%-*}
SINK_PORT=$((SMTP_PORT + 1))
export PF_SINK_PORT=$SINK_PORT

dg_workdir dkimguard-e2e
DOMAIN=dkimguard.test

# ---- keys, tables, configuration -------------------------------------

# make_key NAME TYPE - key file and its "v=DKIM1; k=...; p=..." record
make_key() {
	local name=$1 type=$2 p
	if [ "$type" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$W/keys/$name.key" 2>/dev/null || return 1
		p=$(openssl pkey -in "$W/keys/$name.key" -pubout -outform DER |
			base64 -w0)
	else
		openssl genpkey -algorithm ed25519 -out "$W/keys/$name.key" ||
			return 1
		p=$(openssl pkey -in "$W/keys/$name.key" -pubout -outform DER |
			tail -c 32 | base64 -w0)
	fi
	chmod 600 "$W/keys/$name.key"
	printf '%s._domainkey.%s\tv=DKIM1; k=%s; p=%s\n' "$name" "$DOMAIN" \
		"$type" "$p" >>"$W/sign-keys.tsv"
}

make_key rsa1 rsa && make_key ed1 ed25519 || { echo "FAIL: openssl"; exit 1; }
cat >"$W/keytable" <<KT
# dkimguard format
rsa1  $DOMAIN  rsa1  keys/rsa1.key
# OpenDKIM format
ed1._domainkey.$DOMAIN  $DOMAIN:ed1:$W/keys/ed1.key
KT
printf '%s  rsa1 ed1._domainkey.%s\n' "$DOMAIN" "$DOMAIN" >"$W/signingtable"
cp "$W/sign-keys.tsv" "$W/dns.tsv"

# write_conf CANON - the configuration (TestKeys stays $W/dns.tsv)
write_conf() {
	{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
Canonicalization $1
AuthservID      e2e.dkimguard.test
TestKeys        dns.tsv
CONF
}
write_conf relaxed/relaxed

"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/check.log" 2>&1 &&
	pass "dkimguard -n accepts the test configuration" ||
	{ fail "dkimguard -n: $(cat "$W/check.log")"; exit 1; }
dg_up

# ---- helpers -----------------------------------------------------------
# shellcheck source-path=SCRIPTDIR source=lib/verdicts.sh
. tests/e2e/lib/verdicts.sh

SEQ=0
# send_wait FROM FILE CLIENT - send, wait for it at the sink, print path
send_wait() {
	pf_send_wait "$W" "$SMTP_PORT" "$1" "rcpt$SEQ@sink.test" "$2" "$3"
}

# ---- 1. internal SMTP mail is signed and verifiable ---------------------
for canon in relaxed/relaxed simple/simple; do
	write_conf "$canon"
	dg_reload || fail "reload for $canon"
	f=$(send_wait "alice@$DOMAIN" "$(dg_new_msg e2e)" 127.0.0.1) || {
		fail "internal message ($canon) did not arrive"; continue; }
	nsig=$(grep -c '^DKIM-Signature:' "$f")
	[ "$(unfold "$f" | grep '^DKIM-Signature:' | tr -d ' \t' | grep -c "c=$canon;")" = 2 ] ||
		fail "$canon: the signatures do not say c=$canon"
	[ "$nsig" = 2 ] && pass "internal message ($canon) arrived with 2 DKIM-Signature fields" ||
		fail "internal message ($canon): $nsig DKIM-Signature fields"
	out=$(/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" --all "$f")
	[ "$(grep -c '^PASS' <<<"$out")" = 2 ] &&
		pass "dkimpy verifies both signatures ($canon: rsa-sha256, ed25519-sha256)" ||
		fail "dkimpy ($canon): $out"
	# Debian 12's Mail::DKIM (1.20230212) has no ed25519-sha256 at all
	out=$(mail_dkim "$f")
	case $out in
	"pass/$DOMAIN/rsa-sha256 pass/$DOMAIN/ed25519-sha256")
		pass "Mail::DKIM verifies both signatures ($canon)" ;;
	"pass/$DOMAIN/rsa-sha256 invalid/$DOMAIN/ed25519-sha256(invalid (unsupported algorithm ed25519-sha256))")
		pass "Mail::DKIM verifies the rsa-sha256 signature ($canon; this Mail::DKIM cannot check ed25519-sha256)" ;;
	*) fail "Mail::DKIM ($canon): $out" ;;
	esac
	out=$(opendkim_verify "$f")
	[ "$(grep -c 'dkim=pass' <<<"$out")" = 2 ] &&
		pass "OpenDKIM verifies both signatures ($canon): $(tr '\n' ' ' <<<"$out")" ||
		fail "OpenDKIM ($canon): '$out'"
done
write_conf relaxed/relaxed
dg_reload || fail "reload back to relaxed/relaxed"

# ---- 2. non_smtpd_milters: sendmail submission ----------------------------
n=$(pf_sink_files "$W" | wc -l)
m=$(dg_new_msg e2e)
pf_sendmail "$W/pf" "$m" "alice@$DOMAIN" "viasendmail@sink.test" &&
	pf_wait_sink "$W" $((n + 1)) 60 && f=$(pf_sink_files "$W" | tail -n 1) &&
	/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" --all "$f" >/dev/null &&
	pass "sendmail(1) submission (non_smtpd_milters) arrives signed and verifies" ||
	fail "sendmail(1) submission not signed or not delivered"

# ---- 2b. an authenticated external client ({auth_authen}) is signed -------
SEQ=$((SEQ + 1))
m=$(dg_new_msg e2e)
n=$(pf_sink_files "$W" | wc -l)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "auth@sink.test" "$m" 192.0.2.77 alice) &&
	pf_wait_sink "$W" $((n + 1)) 30 && f=$(pf_sink_files "$W" | tail -n 1) &&
	[ "$(grep -c '^DKIM-Signature:' "$f")" = 2 ] &&
	grep -q 'sign from 192.0.2.77: authenticated client' "$W/dkimguard.log" &&
	pass "external client 192.0.2.77 authenticated as alice (XCLIENT LOGIN): signed" ||
	fail "authenticated external client not signed ($reply)"

# ---- 3. external mail: verdicts of the shared test data --------------------
# external_send FROM FILE N - from 192.0.2.N (XCLIENT), wait at the sink
external_send() {
	SEQ=$((SEQ + 1))
	send_wait "$1" "$2" "192.0.2.$3"
}

verify_shared_data external_send

# a forged A-R with our authserv-id is removed, a foreign one stays
f=$W/msgs/forged.eml
cat >"$f" <<MSG
Authentication-Results: e2e.dkimguard.test; dkim=pass header.d=forged.example
Authentication-Results: other.example; spf=pass smtp.mailfrom=x@example.net
From: mallory@example.net
To: bob@sink.test
Subject: forged results
Date: $(date -R)
Message-ID: <forged-$$@example.net>

forged
MSG
SEQ=$((SEQ + 1))
out=$(send_wait "mallory@example.net" "$f" 192.0.2.200) && {
	ours=$(grep -ci '^Authentication-Results: *e2e.dkimguard.test' "$out")
	theirs=$(grep -ci '^Authentication-Results: *other.example' "$out")
	[ "$ours" = 1 ] && [ "$theirs" = 1 ] && ! grep -q forged.example "$out" &&
		pass "forged A-R claiming our authserv-id removed, ours says dkim=$(ar_verdicts "$out")" ||
		fail "A-R handling: ours=$ours theirs=$theirs"
} || fail "forged A-R message not delivered"

# ---- 3b. a broken configuration is refused on SIGHUP; DryRun -------------
sed -i "s/^Mode .*/Mode            bogus/" "$W/dkimguard.conf"
kill -HUP "$(dg_pid)"
sleep 1
grep -q "dkimguard.conf:.*option 'Mode': bad value 'bogus'" "$W/dkimguard.log" &&
	grep -q 'reload of .* refused' "$W/dkimguard.log" &&
	f=$(send_wait "alice@$DOMAIN" "$(dg_new_msg e2e)" 127.0.0.1) &&
	[ "$(grep -c '^DKIM-Signature:' "$f")" = 2 ] &&
	pass "broken configuration refused on SIGHUP with FILE:LINE, the old one keeps signing" ||
	fail "broken configuration on SIGHUP"
write_conf relaxed/relaxed
printf 'DryRun yes\nOnBadSignature reject\n' >>"$W/dkimguard.conf"
{ cat "$W/sign-keys.tsv"; grep -hv '^#' "$TESTDATA/opendkim-milter/dns.tsv" 2>/dev/null; } >"$W/dns.tsv"
dg_reload || fail "reload with DryRun"
f=$(send_wait "alice@$DOMAIN" "$(dg_new_msg e2e)" 127.0.0.1) &&
	! grep -q '^DKIM-Signature:' "$f" &&
	grep -q 'dry run: would have signed' "$W/dkimguard.log" &&
	pass "DryRun: internal message arrives unchanged, log says 'would have signed'" ||
	fail "DryRun signing"
bad=$TESTDATA/opendkim-milter/messages/t-verify-ss-bad.eml
if [ -r "$bad" ]; then
	SEQ=$((SEQ + 1))
	f=$(send_wait "sender@example.net" "$bad" 192.0.2.250) &&
		! grep -q '^Authentication-Results: e2e' "$f" &&
		grep -q 'dry run: would reject: DKIM signature verification failed' "$W/dkimguard.log" &&
		pass "DryRun + OnBadSignature reject: bad signature delivered unchanged, log says 'would reject'" ||
		fail "DryRun verify/reject"
else
	echo "SKIPPED PART: DryRun verify/reject ($bad not found)"
fi
write_conf relaxed/relaxed
cp "$W/sign-keys.tsv" "$W/dns.tsv"
dg_reload || fail "reload after DryRun"

# ---- 4. dkimguard stopped: 4xx, nothing unsigned leaves; restart ------------
dg_stop
n=$(pf_sink_files "$W" | wc -l)
m=$(dg_new_msg e2e)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "down@sink.test" "$m" 127.0.0.1); rc=$?
sleep 2
n2=$(pf_sink_files "$W" | wc -l)
[ "$rc" = 4 ] && [ "$n2" = "$n" ] &&
	pass "dkimguard stopped: internal message refused with '$reply', nothing reached the sink" ||
	fail "dkimguard stopped: rc=$rc reply='$reply' sink $n -> $n2"
dg_start || fail "restart"
f=$(send_wait "alice@$DOMAIN" "$m" 127.0.0.1) &&
	[ "$(grep -c '^DKIM-Signature:' "$f")" = 2 ] &&
	/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" --all "$f" >/dev/null &&
	pass "after restart the same message arrives signed and verifies" ||
	fail "after restart: message not signed or not delivered"

# ---- 5. SIGHUP every 0.2 s under a stream of 200 messages -------------------
n=$(pf_sink_files "$W" | wc -l)
stream_template=$(dg_new_msg stream)
(while :; do kill -HUP "$(dg_pid)" 2>/dev/null; sleep 0.2; done) &
hup=$!
pf_on_exit kill "$hup"
sender() {
	local i m bad=0
	for ((i = $1; i < 200; i += 4)); do
		m=$W/msgs/stream-$i.eml
		sed "s/^Subject: .*/Subject: stream $i/" "$stream_template" >"$m"
		pf_send "$SMTP_PORT" "alice@$DOMAIN" "s$i@sink.test" "$m" 127.0.0.1 >/dev/null || bad=$((bad + 1))
	done
	echo "$bad" >"$W/sender-$1.bad"
}
pids=()
for s in 0 1 2 3; do sender "$s" & pids+=($!); done
wait "${pids[@]}"
kill "$hup" 2>/dev/null
reloads=$(grep -c 'reloaded' "$W/dkimguard.log")
refused=$(cat "$W"/sender-*.bad | awk '{s += $1} END {print s}')
pf_wait_sink "$W" $((n + 200)) 120
got=$(pf_sink_files "$W" | tail -n +$((n + 1)))
total=$(grep -c . <<<"$got")
signed=$(xargs grep -l '^DKIM-Signature:' <<<"$got" | wc -l)
[ "$refused" = 0 ] && [ "$total" = 200 ] && [ "$signed" = 200 ] &&
	pass "200 messages under SIGHUP every 0.2 s ($reloads reloads so far): all accepted, all 200 arrived signed" ||
	fail "SIGHUP stream: refused=$refused arrived=$total signed=$signed"
sample=$(tail -n 1 <<<"$got")
/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/dns.tsv" --all "$sample" >/dev/null &&
	pass "a message from the SIGHUP stream verifies with dkimpy" ||
	fail "SIGHUP stream sample does not verify"

if [ "$FAILS" != 0 ]; then
	echo "run-milter-postfix: $FAILS failures"
	exit 1
fi
echo "run-milter-postfix: all passed"
exit 0
