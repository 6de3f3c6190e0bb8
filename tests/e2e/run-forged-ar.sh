#!/bin/bash
# run-forged-ar.sh - nothing a sender writes forges or hides a verdict,
# through a real Postfix, a real DNS server (unbound) and dkimguard.
#
# A private Postfix (tests/e2e/lib/postfix.sh) on 127.0.0.1:21150 hands
# every message to dkimguard, which fetches keys from unbound
# (tests/e2e/lib/dns.sh) and relays to an SMTP sink on :21151.  Proves:
#   1. verify path: 40 forged Authentication-Results claiming our
#      authserv-id, in every RFC 8601 spelling (token, case, trailing dot,
#      comments, quoted-string, quoted-pairs), from an external client:
#      none delivered, ours added once, a foreign one kept;
#   2. sign path: forged ones from an internal client (signed and not
#      signed), an authenticated session and sendmail(1): none delivered;
#   3. a hostile b= ("a\"(x") on one signature and a second, genuinely
#      failing signature: the delivered A-R read by Debian's python3-authres
#      gives exactly the verdicts (result, header.d) dkimguard logged;
#   4. a key record with CR LF in k= and a From: folded with CR LF: every
#      line of dkimguard's log is its own (starts "dkimguard: "), the
#      injected text appears only escaped;
#   5. a 4.6 MB header block: verify path delivered with dkim=permerror
#      reason="header block too large", sign path refused 552 5.3.4;
#   6. a raw milter client: with header changes allowed the 3 forged
#      fields are deleted; without SMFIF_CHGHDRS the message is refused
#      with 451 4.7.0 rather than passed with them.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh
# shellcheck source-path=SCRIPTDIR source=lib/verdicts.sh
. tests/e2e/lib/verdicts.sh
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. tests/e2e/lib/dns.sh

dg_require
[ -x /usr/sbin/unbound ] || skip "unbound is not installed"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	skip "dkimpy (python3-dkim) is not installed"
/usr/bin/python3 -c 'import authres' 2>/dev/null ||
	skip "python3-authres is not installed (scripts/deps.sh check)"

BASE=21150
[ -n "${DKIMGUARD_TEST_PORTS:-}" ] && BASE=$((${DKIMGUARD_TEST_PORTS%-*} + 30))
SMTP_PORT=$BASE
SINK_PORT=$((BASE + 1))
export PF_SINK_PORT=$SINK_PORT

dg_workdir dkimguard-forged-ar
DOMAIN=dkimguard.test
AUTHSERV=e2e.dkimguard.test

# ---- DNS: our signing key, a sender's key, a record with CR LF ---------
port=$(dns_free_port)
[ -n "$port" ] || { echo "FAIL: no free DNS port"; exit 1; }
dns_start "$W/dns" "$port" || { echo "FAIL: unbound did not start"; exit 1; }
pf_on_exit dns_stop

# pubkey KEYFILE - base64 SubjectPublicKeyInfo
pubkey() { openssl pkey -in "$1" -pubout -outform DER | base64 -w0; }
# parts TEXT - strings of at most 255 bytes (RFC 1035 3.3.14)
parts() { printf '%s' "$1" | fold -w 255; }

for k in rsa1 sender; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$k.key" 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
	chmod 600 "$W/keys/$k.key"
done
dns_zone "$DOMAIN"
dns_zone sender.test
mapfile -t p1 < <(parts "v=DKIM1; k=rsa; p=$(pubkey "$W/keys/rsa1.key")")
dns_set "rsa1._domainkey.$DOMAIN" "${p1[@]}"
printf 'rsa1._domainkey.%s\tv=DKIM1; k=rsa; p=%s\n' "$DOMAIN" \
	"$(pubkey "$W/keys/rsa1.key")" >"$W/sign-keys.tsv"
mapfile -t p2 < <(parts "v=DKIM1; k=rsa; p=$(pubkey "$W/keys/sender.key")")
dns_set sel._domainkey.sender.test "${p2[@]}"
# CR LF inside k= (unbound's \DDD escapes: 13 CR, 10 LF)
printf '%s %s IN TXT "v=DKIM1; k=rsa\\013\\010INJECTED-KEY-LINE: forged; p="\n' \
	crlf._domainkey.sender.test 2 >>"$W/dns/records"
dns_reload || { echo "FAIL: unbound reload"; exit 1; }

cat >"$W/keytable" <<KT
rsa1  $DOMAIN  rsa1  keys/rsa1.key
KT
printf '%s  rsa1\n' "$DOMAIN" >"$W/signingtable"
{ dg_conf_common; cat <<CONF; } >"$W/dkimguard.conf"
AuthservID      $AUTHSERV
Nameservers     127.0.0.1:$port
CONF
"$TOP/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/check.log" 2>&1 ||
	{ echo "FAIL: dkimguard -n: $(cat "$W/check.log")"; exit 1; }
dg_up

SEQ=0
# send_wait FROM FILE CLIENT [LOGIN] - send, wait at the sink, print path
send_wait() {
	local n reply
	SEQ=$((SEQ + 1))
	n=$(pf_sink_files "$W" | wc -l)
	reply=$(pf_send "$SMTP_PORT" "$1" "rcpt$SEQ@sink.test" "$2" "$3" "${4:-}") || {
		echo "send of $2 refused: $reply" >&2; return 1; }
	pf_wait_sink "$W" $((n + 1)) 60 || return 1
	pf_sink_files "$W" | tail -n 1
}

# forged_ar N - N A-R fields claiming our authserv-id, spellings cycled;
# each says dkim=pass header.d=paypal.example
forged_ar() {
	local i sp
	local -a spell=(
		"$AUTHSERV"
		"E2E.DKIMGUARD.TEST"
		"$AUTHSERV."
		"(relay) $AUTHSERV"
		"\"$AUTHSERV\""
		"\"e2e.dkimg\\uard.test\""
		"(a (nested) comment) \"E2E.dkimguard.test\" 1"
		"$AUTHSERV(trailing comment)"
	)
	for ((i = 0; i < $1; i++)); do
		sp=${spell[i % ${#spell[@]}]}
		printf 'Authentication-Results: %s; dkim=pass header.d=paypal.example header.s=f%d\n' "$sp" "$i"
	done
}

# forged_msg FILE N FROM - a message carrying N forged fields
forged_msg() {
	{
		forged_ar "$2"
		echo "Authentication-Results: other.example; spf=pass smtp.mailfrom=x@example.net"
		cat <<MSG
From: $3
To: bob@sink.test
Subject: forged results
Date: $(date -R)
Message-ID: <forged-$RANDOM-$$@example.net>

forged
MSG
	} >"$1"
}

# ours FILE - our A-R fields (python3-authres reads the authserv-id),
# one "authserv-id|result" line each; then "forged=N" for paypal ones
ar_report() {
	/usr/bin/python3 - "$1" "$AUTHSERV" <<'PY'
import sys, email, email.policy, authres
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.compat32)
ours = forged = other = 0
for v in msg.get_all("Authentication-Results") or []:
    v = " ".join(v.split())
    if "paypal.example" in v:
        forged += 1
        continue
    try:
        h = authres.AuthenticationResultsHeader.parse_value(v)
    except Exception:
        print("unparsable:", v)
        continue
    if h.authserv_id.lower() == sys.argv[2]:
        ours += 1
    else:
        other += 1
print("ours=%d forged=%d other=%d" % (ours, forged, other))
PY
}

# ---- 1. verify path: 40 forged fields from outside ---------------------
f=$W/msgs/forged40.eml
forged_msg "$f" 40 mallory@example.net
out=$(send_wait mallory@example.net "$f" 192.0.2.40) && {
	r=$(ar_report "$out")
	[ "$r" = "ours=1 forged=0 other=1" ] &&
		dg_log | grep -q 'removing 40 Authentication-Results fields' &&
		pass "verify path: 40 forged A-R (8 spellings) removed, ours added once, foreign kept ($r)" ||
		fail "verify path, 40 forged: $r"
} || fail "verify path: 40 forged A-R message not delivered"

# ---- 2. sign path ---------------------------------------------------------
f=$W/msgs/forged-internal.eml
forged_msg "$f" 12 "alice@$DOMAIN"
out=$(send_wait "alice@$DOMAIN" "$f" 127.0.0.1) && {
	r=$(ar_report "$out")
	[ "$r" = "ours=0 forged=0 other=1" ] &&
		grep -q '^DKIM-Signature:' "$out" &&
		/usr/bin/python3 tests/tools/dkimverify.py --dns "$W/sign-keys.tsv" "$out" >/dev/null &&
		pass "sign path, internal client: 12 forged A-R removed, message signed, dkimpy verifies it ($r)" ||
		fail "sign path, internal client: $r"
} || fail "sign path, internal client: not delivered"

f=$W/msgs/forged-internal-nosign.eml
forged_msg "$f" 5 "carol@unsigned.example"
out=$(send_wait "carol@unsigned.example" "$f" 127.0.0.1) && {
	r=$(ar_report "$out")
	[ "$r" = "ours=0 forged=0 other=1" ] &&
		! grep -q '^DKIM-Signature:' "$out" &&
		pass "sign path, internal client, no signing table entry: 5 forged A-R removed ($r)" ||
		fail "sign path, nothing to sign: $r"
} || fail "sign path, nothing to sign: not delivered"

f=$W/msgs/forged-auth.eml
forged_msg "$f" 7 "alice@$DOMAIN"
out=$(send_wait "alice@$DOMAIN" "$f" 192.0.2.77 alice) && {
	r=$(ar_report "$out")
	[ "$r" = "ours=0 forged=0 other=1" ] &&
		grep -q '^DKIM-Signature:' "$out" &&
		pass "sign path, authenticated session: 7 forged A-R removed, signed ($r)" ||
		fail "sign path, authenticated session: $r"
} || fail "sign path, authenticated session: not delivered"

f=$W/msgs/forged-sendmail.eml
forged_msg "$f" 3 "alice@$DOMAIN"
n=$(pf_sink_files "$W" | wc -l)
if pf_sendmail "$W/pf" "$f" "alice@$DOMAIN" "local@sink.test" &&
	pf_wait_sink "$W" $((n + 1)) 60; then
	out=$(pf_sink_files "$W" | tail -n 1)
	r=$(ar_report "$out")
	[ "$r" = "ours=0 forged=0 other=1" ] &&
		pass "sign path, sendmail(1) submission: 3 forged A-R removed ($r)" ||
		fail "sign path, sendmail(1): $r"
else
	fail "sign path, sendmail(1): not delivered"
fi

# ---- 3. a hostile b= beside a genuinely failing signature ----------------
cat >"$W/msgs/hostile-in.eml" <<MSG
From: Sender <news@sender.test>
To: bob@sink.test
Subject: hostile b=
Date: $(date -R)
Message-ID: <hostile-b-$$@sender.test>

original body
MSG
/usr/bin/python3 tests/tools/dkimsign.py --key "$W/keys/sender.key" \
	--selector sel --domain sender.test "$W/msgs/hostile-in.eml" \
	"$W/msgs/hostile-signed.eml" || fail "dkimpy could not sign"
f=$W/msgs/hostile.eml
{
	printf 'DKIM-Signature: v=1; a=rsa-sha256; d=evil.test; s=x; c=relaxed/relaxed;\r\n'
	printf '\th=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=a"(x\r\n'
	# the genuine signature, then the body changed: it fails
	sed 's/^original body\r$/changed body\r/' "$W/msgs/hostile-signed.eml"
} >"$f"
out=$(send_wait news@sender.test "$f" 192.0.2.41) && {
	qid=$(dg_log | grep 'verify: dkim=.* d=evil.test' | tail -n 1 |
		sed 's/^dkimguard: [a-z]*: \([^:]*\):.*/\1/')
	want=$(dg_log | grep "^dkimguard: [a-z]*: $qid: verify: dkim=" |
		sed 's/.* verify: dkim=\([a-z]*\) d=\([^ ]*\) .*/\1 \2/')
	got=$(/usr/bin/python3 - "$out" "$AUTHSERV" <<'PY'
import sys, email, email.policy, authres
msg = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                     policy=email.policy.compat32)
for v in msg.get_all("Authentication-Results") or []:
    h = authres.AuthenticationResultsHeader.parse_value(" ".join(v.split()))
    if h.authserv_id.lower() != sys.argv[2]:
        continue
    for r in h.results:
        d = [p.value for p in r.properties if p.type == "header" and p.name == "d"]
        print(r.method == "dkim" and r.result, d[0] if d else "-")
PY
	)
	if [ -n "$want" ] && [ "$want" = "$got" ] &&
		[ "$(wc -l <<<"$got")" = 2 ] && grep -q '^fail sender.test$' <<<"$got"; then
		pass "hostile b= + failing signature: python3-authres reads exactly dkimguard's verdicts: $(tr '\n' ';' <<<"$got")"
	else
		fail "hostile b=: dkimguard logged '$(tr '\n' ';' <<<"$want")', authres read '$(tr '\n' ';' <<<"$got")'"
		unfold "$out" 2>/dev/null | grep -i '^Authentication-Results' >&2
	fi
} || fail "hostile b= message not delivered"

# ---- 4. CR LF from a key record and from a From: header ---------------------
sed 's/^\(DKIM-Signature:.*\)s=sel;/\1s=crlf;/' "$W/msgs/hostile-signed.eml" >"$W/msgs/crlf-key.eml"
grep -q 's=crlf;' "$W/msgs/crlf-key.eml" ||
	sed -i '0,/ s=sel;/s// s=crlf;/' "$W/msgs/crlf-key.eml"
out=$(send_wait news@sender.test "$W/msgs/crlf-key.eml" 192.0.2.42) ||
	fail "CR LF key record message not delivered"
f=$W/msgs/crlf-from.eml
printf 'From: <carol@unsigned.example>\r\n INJECTED-FROM-LINE: forged\r\nTo: bob@sink.test\r\nSubject: crlf from\r\nDate: %s\r\nMessage-ID: <crlf-from-%s@unsigned.example>\r\n\r\nbody\r\n' \
	"$(date -R)" "$$" >"$f"
out=$(send_wait carol@unsigned.example "$f" 127.0.0.1) ||
	fail "CR LF From: message not delivered"
sleep 1
foreign=$(dg_log | grep -v '^dkimguard: ' | grep -c 'INJECTED')
# Postfix may refold the From: (LF TAB) when it rewrites the address
key_esc=$(dg_log | grep -cE '\\x0d\\x0aINJECTED-KEY-LINE')
from_esc=$(dg_log | grep -cE '\\x0a(\\x09| )*"?INJECTED-FROM-LINE')
lines=$(dg_log | wc -l)
[ "$foreign" = 0 ] && [ "$key_esc" -ge 1 ] && [ "$from_esc" -ge 1 ] &&
	pass "CR LF in a key record's k= and in a From: header: no log line of theirs (escaped: $key_esc key, $from_esc From: mentions; none outside a 'dkimguard: ' line of the $lines)" ||
	fail "log injection: $foreign foreign lines, escaped key $key_esc, From: $from_esc"

# ---- 5. a 4.6 MB header block ------------------------------------------------
# big_msg FILE FROM - 4700 header fields of 980 octets
big_msg() {
	{
		printf 'DKIM-Signature: v=1; a=rsa-sha256; d=sender.test; s=sel; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\n'
		printf 'From: %s\nTo: bob@sink.test\nSubject: big header\nDate: %s\nMessage-ID: <big-%s@sender.test>\n' \
			"$2" "$(date -R)" "$RANDOM"
		pad=$(head -c 960 /dev/zero | tr '\0' 'x')
		for ((i = 0; i < 4700; i++)); do printf 'X-Pad-%d: %s\n' "$i" "$pad"; done
		printf '\nbig\n'
	} >"$1"
}
f=$W/msgs/big-verify.eml
big_msg "$f" news@sender.test
size=$(awk '/^$/{exit} {n += length($0) + 2} END {print n}' "$f")
out=$(send_wait news@sender.test "$f" 192.0.2.43) && {
	ar=$(unfold "$out" | grep -i "^Authentication-Results: *$AUTHSERV")
	grep -q 'dkim=permerror reason="header block too large"' <<<"$ar" &&
		pass "verify path, $size-octet header block: delivered with $(sed 's/^[^;]*; *//' <<<"$ar")" ||
		fail "verify path, big header block: A-R '$ar'"
} || fail "verify path, $size-octet header block: not delivered (refused or tempfailed)"
f=$W/msgs/big-sign.eml
big_msg "$f" "alice@$DOMAIN"
reply=$(pf_send "$SMTP_PORT" "alice@$DOMAIN" big@sink.test "$f" 127.0.0.1); rc=$?
[ "$rc" = 5 ] && grep -q '5.3.4' <<<"$reply" &&
	pass "sign path, $size-octet header block: refused '$reply'" ||
	fail "sign path, big header block: rc=$rc reply '$reply'"
dg_log | grep -q 'internal error' &&
	fail "an internal error was logged: $(dg_log | grep -m1 'internal error')"

# ---- 6. an MTA that does not let the fields be removed: refused ------------
# A raw milter client (the wire protocol of libmilter's mfdef.h) offers
# dkimguard every action, then one without SMFIF_CHGHDRS, and sends a
# message with 3 forged fields from an external address each time.
# rawmilter ACTIONS - prints the replies to end of message, one a line
rawmilter() {
	/usr/bin/python3 - "$SOCK" "$1" "$AUTHSERV" <<'PY'
import socket, struct, sys
sock, actions, authserv = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
NR_CONN, NR_MAIL, NR_HDR, NR_EOH, NR_BODY = 0x1000, 0x4000, 0x80, 0x40000, 0x80000
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sock)
def send(cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)
def recv():
    n = b""
    while len(n) < 4:
        n += s.recv(4 - len(n))
    n = struct.unpack(">I", n)[0]
    d = b""
    while len(d) < n:
        d += s.recv(n - len(d))
    return d[:1], d[1:]
send(b"O", struct.pack(">III", 6, actions, 0x001FFFFF))
cmd, d = recv()
pflags = struct.unpack(">III", d[:12])[2]
def step(cmd, data, nr):
    send(cmd, data)
    if not pflags & nr:
        c, _ = recv()
        if c != b"c":
            print("early", c.decode())
            sys.exit(0)
step(b"C", b"mx.example.net\0" + b"4" + struct.pack(">H", 25) + b"192.0.2.9\0", NR_CONN)
step(b"M", b"<mallory@example.net>\0", NR_MAIL)
hdrs = [("Authentication-Results", " %s; dkim=pass header.d=paypal.example" % authserv)] * 3
hdrs += [("From", " mallory@example.net"), ("Subject", " raw"), ("To", " bob@sink.test")]
for n, v in hdrs:
    step(b"L", n.encode() + b"\0" + v.encode() + b"\0", NR_HDR)
step(b"N", b"", NR_EOH)
step(b"B", b"body\r\n", NR_BODY)
send(b"E")
while True:
    c, d = recv()
    if c == b"m":
        idx = struct.unpack(">I", d[:4])[0]
        name, val = d[4:].split(b"\0")[:2]
        print("chgheader %s #%d %s" % (name.decode(), idx, "delete" if val == b"" else "set"))
    elif c == b"i":
        print("insheader " + d[4:].split(b"\0")[0].decode())
    elif c == b"y":
        print("reply " + d.rstrip(b"\0").decode())
    elif c in (b"c", b"a", b"t", b"r", b"d"):
        print("final " + c.decode())
        break
    else:
        print("other " + c.decode())
send(b"Q")
PY
}
out=$(rawmilter 0x1FF 2>&1)
[ "$(grep -c '^chgheader Authentication-Results #[123] delete$' <<<"$out")" = 3 ] &&
	grep -q '^final c$' <<<"$out" &&
	pass "raw milter client, header changes allowed: 3 forged fields deleted, message continues" ||
	fail "raw milter client, header changes allowed: $(tr '\n' ';' <<<"$out")"
out=$(rawmilter 0x1EF 2>&1)
grep -q '^reply 451 4.7.0 .*Authentication-Results' <<<"$out" &&
	! grep -q '^final c$' <<<"$out" &&
	pass "raw milter client without SMFIF_CHGHDRS: refused, not delivered ($(grep '^reply' <<<"$out"))" ||
	fail "raw milter client without SMFIF_CHGHDRS: $(tr '\n' ';' <<<"$out")"

if [ "$FAILS" != 0 ]; then
	echo "run-forged-ar: $FAILS failures"
	exit 1
fi
echo "run-forged-ar: all passed"
exit 0
