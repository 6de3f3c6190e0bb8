#!/bin/bash
# demo.sh - "make demo": dkimguard signing and verifying, start to finish.
#
# Generates a throwaway RSA key under build/demo/, writes a small
# configuration there (the milter's socket is build/demo/dkimguard.sock),
# starts dkimguard, sends a message from an internal client so it gets
# signed, then sends the signed message again as if it came from outside
# (client 192.0.2.10) so dkimguard verifies it and adds
# Authentication-Results.  The key "record" lives in build/demo/dns.tsv
# (TestKeys) instead of DNS.  A real Postfix (tests/e2e/lib/postfix.sh) is
# used when possible, otherwise bench/loadgen --one plays the MTA.
# Everything started here is stopped at the end.  DEMO_MTA=loadgen forces
# the loadgen path.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
D=$TOP/build/demo
SOCK=$D/dkimguard.sock
DOMAIN=demo.example
SEL=demo2026

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ -x milter/dkimguard ] || die "milter/dkimguard is not built (run make)"
rm -rf "$D" && mkdir -p "$D" && chmod 711 "$D" || die "cannot create $D"

say "1. A throwaway signing key and its DNS record"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$D/$SEL.key" 2>/dev/null || die "openssl genpkey failed"
chmod 600 "$D/$SEL.key"
p=$(openssl pkey -in "$D/$SEL.key" -pubout -outform DER | base64 -w0)
printf '%s._domainkey.%s\tv=DKIM1; k=rsa; p=%s\n' "$SEL" "$DOMAIN" "$p" >"$D/dns.tsv"
echo "private key: $D/$SEL.key (mode 600)"
echo "TXT record:  $SEL._domainkey.$DOMAIN  \"v=DKIM1; k=rsa; p=${p:0:40}...\""
echo "             (kept in $D/dns.tsv; dkimguard reads it via TestKeys)"

say "2. The configuration"
printf 'demo  %s  %s  %s.key\n' "$DOMAIN" "$SEL" "$SEL" >"$D/keytable"
printf '%s  demo\n' "$DOMAIN" >"$D/signingtable"
cat >"$D/dkimguard.conf" <<CONF
# dkimguard demo configuration (see man/dkimguard.conf.5)
Socket          unix:$SOCK
SocketMode      0666
PidFile         $D/dkimguard.pid
Mode            both
InternalHosts   127.0.0.0/8, ::1
KeyTable        keytable
SigningTable    signingtable
TestKeys        dns.tsv
AuthservID      demo.dkimguard
LogLevel        info
CONF
sed 's/^/    /' "$D/dkimguard.conf"
echo "dkimguard -n checks it (and that DNS publishes the key):"
milter/dkimguard -n -c "$D/dkimguard.conf" 2>"$D/check.log" | sed 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || { cat "$D/check.log"; die "configuration check failed"; }

say "3. Starting dkimguard"
milter/dkimguard -f -c "$D/dkimguard.conf" 2>"$D/dkimguard.log" &
DG=$!
cleanup() { kill "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$D/dkimguard.log"; die "dkimguard did not start"; }
echo "dkimguard is listening on $SOCK (pid $DG)"

cat >"$D/message.eml" <<MSG
From: Alice <alice@$DOMAIN>
To: Bob <bob@example.org>
Subject: Hello from the dkimguard demo
Date: $(date -R)
Message-ID: <demo-$$@$DOMAIN>

Hi Bob,

this message was signed by dkimguard.

Alice
MSG

# --- the MTA: a private Postfix when we can, loadgen otherwise ---
use_postfix=no
if [ "${DEMO_MTA:-}" != loadgen ] && [ "$(id -u)" = 0 ] &&
	command -v postfix >/dev/null &&
	[ -r tests/e2e/lib/postfix.sh ]; then
	use_postfix=yes
fi

if [ $use_postfix = yes ]; then
	trap - EXIT
	. tests/e2e/lib/postfix.sh
	pf_on_exit cleanup
	chmod 755 "$D"
	export PF_SINK_PORT=21301
	pf_sink_start "$D" 21301 || die "sink did not start"
	pf_start "$D/postfix" 21300 "unix:$SOCK" >/dev/null || die "postfix did not start"
	echo "a private Postfix listens on 127.0.0.1:21300 with"
	echo "    smtpd_milters = unix:$SOCK, milter_default_action = tempfail"
	# mta_send FILE CLIENT OUT - send through Postfix, store what arrives
	mta_send() {
		local n
		n=$(pf_sink_files "$D" | wc -l)
		pf_send 21300 "alice@$DOMAIN" "bob@example.org" "$1" "$2" >/dev/null ||
			die "Postfix refused the message"
		pf_wait_sink "$D" $((n + 1)) 30 || die "message did not arrive"
		tr -d '\r' <"$(pf_sink_files "$D" | tail -n 1)" >"$3"
	}
else
	[ -x bench/loadgen ] || die "neither Postfix (needs root) nor bench/loadgen available"
	echo "(no private Postfix: bench/loadgen --one plays the MTA)"
	mta_send() {
		bench/loadgen --one -S "unix:$SOCK" -m "$1" --client-addr "$2" \
			--from "alice@$DOMAIN" --rcpt "bob@example.org" 2>"$D/loadgen.err" |
			tr -d '\r' >"$3" || die "loadgen failed: $(cat "$D/loadgen.err")"
	}
fi

say "4. Alice sends from an internal client (127.0.0.1): dkimguard signs"
mta_send "$D/message.eml" 127.0.0.1 "$D/signed.eml"
sed -n '1,/^$/p' "$D/signed.eml" | sed 's/^/    /'
grep -q '^DKIM-Signature:' "$D/signed.eml" || die "the message was not signed"

say "5. The signed message arrives from outside (192.0.2.10): dkimguard verifies"
sed -n '/^DKIM-Signature:/,$p' "$D/signed.eml" |
	awk '/^Received:/{skip=1; next} skip && /^[ \t]/{next} {skip=0; print}' \
	>"$D/incoming.eml"
mta_send "$D/incoming.eml" 192.0.2.10 "$D/verified.eml"
awk '/^$/{exit} /^Authentication-Results:/{p=1; print "    " $0; next}
	p && /^[ \t]/{print "    " $0; next} {p=0}' "$D/verified.eml"
if grep -A3 '^Authentication-Results: demo.dkimguard' "$D/verified.eml" | grep -q 'dkim=pass'; then
	say "Result: dkim=pass - the signature made in step 4 verifies"
else
	say "Result: verification did NOT pass (see $D/dkimguard.log)"
	exit 1
fi
say "dkimguard's log"
sed 's/^/    /' "$D/dkimguard.log" | tail -n 12
echo
echo "Files are in $D; everything started by the demo is stopped now."
