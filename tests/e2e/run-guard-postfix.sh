#!/bin/bash
# run-guard-postfix.sh - the published-key guard end to end: a real Postfix
#	relaying to an SMTP sink, dkimguard signing, unbound serving the key
#	record (tests/e2e/lib/postfix.sh, tests/e2e/lib/dns.sh).
#
# What it proves:
#   1. GuardAction tempfail, published p= is another key: the SMTP client
#      gets 4xx naming the key problem, nothing reaches the sink, the log
#      names the record to publish; a sendmail(1) submission
#      (non_smtpd_milters) is not delivered either: sendmail(1) exits 0,
#      cleanup logs "milter-reject ... 4.7.5", the file stays in the
#      maildrop queue and pickup retries it at its next wakeup (60 s);
#   2. the record is fixed while everything runs: within the refresh
#      interval the same message is accepted and arrives signed, and dkimpy
#      verifies it against what unbound publishes; the sendmail message
#      goes out signed once pickup retries it;
#   3. GuardAction hold (SIGHUP), the record broken again: the message is
#      accepted but sits in Postfix's hold queue, nothing reaches the sink;
#      after the fix and "postsuper -H" it arrives with a signature that
#      verifies against the published record;
#   4. GuardAction unsigned, the record deleted: the message arrives
#      without a signature;
#   5. Guard no (SIGHUP): the reload logs the warning, a message is signed
#      without the guard (log line sig1_guard=off), passes the self-check
#      against the key's own record and verifies against DNS;
#   6. at no moment does a message reach the sink with a signature that
#      fails against what DNS publishes when it arrives.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. tests/e2e/lib/dns.sh

dg_require
dns_require_verify

dg_workdir dkimguard-guard
pf_on_exit dns_stop
DOMAIN=guard.test
KEYNAME=s1._domainkey.$DOMAIN
DNS_TTL=2
DNS_NEG_TTL=2

DNS_PORT_=$(dns_free_port)
SMTP_PORT=$(dns_free_port)
SINK_PORT=$(dns_free_port)
while [ "$SMTP_PORT" = "$DNS_PORT_" ]; do SMTP_PORT=$(dns_free_port); done
while [ "$SINK_PORT" = "$DNS_PORT_" ] || [ "$SINK_PORT" = "$SMTP_PORT" ]; do
	SINK_PORT=$(dns_free_port)
done
export PF_SINK_PORT=$SINK_PORT

# ---- keys and DNS ------------------------------------------------------
for k in s1 other; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$k.key" 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$k.key"
done
rec() { printf 'v=DKIM1; k=rsa; p=%s' "$(openssl pkey -in "$W/keys/$1.key" \
	-pubout -outform DER | base64 -w0)"; }
mapfile -t GOOD < <(rec s1 | fold -w 255)
mapfile -t BAD < <(rec other | fold -w 255)

dns_start "$W/dns" "$DNS_PORT_" || { echo "FAIL: unbound"; exit 1; }
dns_zone "$DOMAIN"
publish() {	# publish good|bad
	if [ "$1" = good ]; then dns_set "$KEYNAME" "${GOOD[@]}"
	else dns_set "$KEYNAME" "${BAD[@]}"; fi
	dns_reload
}
publish bad

# ---- dkimguard ----------------------------------------------------------
printf 's1  %s  s1  keys/s1.key\n' "$DOMAIN" >"$W/keytable"
printf '%s  s1\n' "$DOMAIN" >"$W/signingtable"
write_conf() {	# write_conf ACTION [GUARD]
	{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
AuthservID      guard.dkimguard.test
Nameservers     127.0.0.1:$DNS_PORT_
DNSTimeoutMs    500
DNSRetries      1
Guard           ${2:-yes}
GuardAction     $1
SelfVerify      yes
CONF
}
write_conf tempfail

# the start-up table (dkimguard -n) names the problem and the fix
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/table.txt" 2>&1
grep -q "mismatch" "$W/table.txt" && grep -qF "publish: $KEYNAME. IN TXT (" "$W/table.txt" &&
	pass "dkimguard -n: s1 mismatch, with the record to publish" ||
	fail "dkimguard -n table: $(cat "$W/table.txt")"
dg_up

# ---- helpers ------------------------------------------------------------
sink_count() { pf_sink_files "$W" | wc -l; }

# verify_live FILE - dkimpy against what unbound publishes right now
verify_live() {
	/usr/bin/python3 - "$1" "$DNS_PORT_" <<'EOF'
import sys, dkim, dns.message, dns.query
msg, port = open(sys.argv[1], "rb").read(), int(sys.argv[2])
def txt(name, timeout=5):
    q = dns.message.make_query(name.decode().rstrip("."), "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    for rrset in r.answer:
        for rr in rrset:
            if rr.rdtype == 16:
                return b"".join(rr.strings)
    return None
d = dkim.DKIM(msg)
n = msg.count(b"\nDKIM-Signature:") + msg.startswith(b"DKIM-Signature:")
if n == 0:
    print("unsigned")
    sys.exit(2)
ok = all(d.verify(idx=i, dnsfunc=txt) for i in range(n))
print("verifies" if ok else "FAILS (%d signatures)" % n)
sys.exit(0 if ok else 1)
EOF
}

# check_sink - invariant 5: every signed message that arrived verifies now
CHECKED=0
check_sink() {
	local f i=0
	while read -r f; do
		i=$((i + 1))
		((i > CHECKED)) || continue
		verify_live "$f" >/dev/null
		[ $? = 1 ] &&
			fail "$(basename "$f") reached the sink with a signature that does not verify against DNS"
		CHECKED=$i
	done < <(pf_sink_files "$W")
}

# ---- 1. tempfail while the published key does not match -------------------
m1=$(dg_new_msg guard)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m1" 127.0.0.1); rc=$?
sleep 1
[ "$rc" = 4 ] && [[ $reply == *"$KEYNAME"* ]] && [ "$(sink_count)" = 0 ] &&
	pass "tempfail: SMTP client got '$reply'; nothing reached the sink" ||
	fail "tempfail: rc=$rc reply='$reply' sink=$(sink_count)"
dg_log | grep -qF "publish: $KEYNAME. IN TXT (" &&
	pass "the log names the record to publish" ||
	fail "no 'publish:' line in the dkimguard log"

m2=$(dg_new_msg guard)
pf_sendmail "$W/pf" "$m2" "alice@$DOMAIN" "viasendmail@sink.test"; smrc=$?
pf_wait_log "$W/pf" 'milter-reject|milter.*(tempfail|4\.7\.5)|pickup' 20 >/dev/null 2>&1
sleep 2
echo "note: Postfix log for the sendmail submission while the key mismatches:"
grep -E 'pickup|cleanup|milter' "$W/pf/maillog" | tail -n 6 | sed 's/^/    /'
nmaildrop=$(find "$W/pf/queue/maildrop" -type f | wc -l)
[ "$(sink_count)" = 0 ] && [ "$nmaildrop" = 1 ] &&
	pass "sendmail(1) exited $smrc; the message stays in the maildrop queue (cleanup logs milter-reject 4.7.5), nothing reached the sink" ||
	fail "sendmail submission: sink=$(sink_count) maildrop=$nmaildrop"
check_sink

# ---- 2. the record is fixed while dkimguard runs -------------------------
publish good
t0=$SECONDS
dg_wait_log 'mismatch -> valid' 1 30 &&
	pass "guard saw the fixed record after $((SECONDS - t0)) s (no restart)" ||
	fail "guard never logged 'mismatch -> valid'"
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m1" 127.0.0.1) &&
	pf_wait_sink "$W" 1 30 &&
	verify_live "$(pf_sink_files "$W" | tail -n 1)" >/dev/null &&
	pass "after the fix the same message is accepted and arrives verifiable" ||
	fail "after the fix: '$reply'"
check_sink
# pickup retries the maildrop file on its own every 60 s (its wakeup
# time in master.cf); kick it so the test does not wait for that
postkick -c "$W/pf/conf" public pickup W 2>/dev/null
if pf_wait_sink "$W" 2 90; then
	verify_live "$(pf_sink_files "$W" | tail -n 1)" >/dev/null &&
		pass "the sendmail submission went out signed once pickup retried it" ||
		fail "the sendmail submission arrived but does not verify"
else
	fail "the sendmail submission never arrived after the fix (maildrop: $(find "$W/pf/queue/maildrop" -type f | wc -l))"
fi
check_sink

# ---- 3. hold: accepted, kept in the hold queue, released after the fix ----
write_conf hold
dg_reload || fail "reload with GuardAction hold"
publish bad
dg_wait_log 'valid -> mismatch' 1 30 || fail "guard never logged 'valid -> mismatch'"
n=$(sink_count)
m3=$(dg_new_msg guard)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m3" 127.0.0.1); rc=$?
sleep 3
held=$(find "$W/pf/queue/hold" -type f | wc -l)
[ "$rc" = 0 ] && [ "$held" = 1 ] && [ "$(sink_count)" = "$n" ] &&
	pass "hold: accepted ('$reply'), 1 message in the hold queue, nothing at the sink" ||
	fail "hold: rc=$rc reply='$reply' held=$held sink $n -> $(sink_count)"
dg_log | grep -q 'postsuper -H' &&
	pass "the log names the release command" ||
	fail "no 'postsuper -H' in the dkimguard log"
publish good
dg_wait_log 'mismatch -> valid' 2 30 || fail "guard never saw the second fix"
pf_hold_release "$W/pf" >/dev/null
pf_wait_sink "$W" $((n + 1)) 30 &&
	verify_live "$(pf_sink_files "$W" | tail -n 1)" >/dev/null &&
	pass "released after the fix: arrives with a signature that verifies" ||
	fail "released message missing or not verifiable"
check_sink

# ---- 4. unsigned: the record disappears, mail goes out without it -------
write_conf unsigned
dg_reload || fail "reload with GuardAction unsigned"
dns_del "$KEYNAME"
dns_reload
dg_wait_log 'valid -> missing' 1 30 || fail "guard never logged 'valid -> missing'"
n=$(sink_count)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$(dg_new_msg guard)" 127.0.0.1) &&
	pf_wait_sink "$W" $((n + 1)) 30 &&
	[ "$(verify_live "$(pf_sink_files "$W" | tail -n 1)")" = unsigned ] &&
	pass "unsigned: record missing, the message arrives without a signature" ||
	fail "unsigned: '$reply'"
check_sink

# ---- 5. Guard no: signed without asking DNS, self-checked all the same ----
publish good
write_conf tempfail no
dg_reload || fail "reload with Guard no"
dg_log | grep -q 'Guard no: signing without checking that DNS publishes' &&
	pass "Guard no: the reload logs the warning" ||
	fail "Guard no: no warning in the dkimguard log"
n=$(sink_count)
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$(dg_new_msg guard)" 127.0.0.1) &&
	pf_wait_sink "$W" $((n + 1)) 30 &&
	verify_live "$(pf_sink_files "$W" | tail -n 1)" >/dev/null &&
	dg_wait_log 'sig1_guard=off sig1_result=signed' 1 10 &&
	pass "Guard no: signed (sig1_guard=off), self-checked, verifies against DNS" ||
	fail "Guard no: '$reply'"
check_sink

echo "guard postfix e2e: $FAILS failure(s)"
[ "$FAILS" = 0 ]
