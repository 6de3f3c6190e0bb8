#!/bin/bash
# run-doctor.sh - `dkimguard-keytool doctor` against a real unbound on
#	loopback (tests/e2e/lib/dns.sh) serving zones written here: for
#	each case the exact lines printed (results and the records to
#	publish) and the exit status (0 ready, 1 not ready, 2 usage).
#
#   ready          aligned d=, own DMARC p=reject, SPF pass, PTR confirmed
#   inherited      news.corp.example under corp.example's p=reject;
#                  sp=quarantine: sp= applies, not p=
#   no DMARC       the record to publish is p=none
#   bad DMARC      a syntax error (named), two records at the org domain
#   strict         adkim=s/aspf=s inherited from the org domain, d= and
#                  envelope only relaxed-aligned: the own record to publish
#                  keeps the inherited p=reject and relaxes the modes
#   unaligned d=   d=esp.example for unaligned.example, envelope esp.example
#   SPF            pass, fail, softfail, neutral, permerror (two records;
#                  11 DNS-querying terms), temperror (SERVFAIL zone)
#   PTR            confirmed (IPv4 and IPv6), none, a name that does not
#                  resolve back
#   --nameserver   replaces the configured Nameservers
#   usage          a bad address, no domain, two domains
# Exit 0: all passed; 77: unbound missing (reason printed); 1: a failure.
# Ports: 23000-23999, or $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
kt_init kt-doctor
. "$ROOT/tests/e2e/lib/dns.sh"

[ -x "$K" ] || { echo "SKIP: build first (make): $K"; exit 77; }
dns_have || { echo "SKIP: unbound or python3-dnspython not installed"; exit 77; }
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	{ echo "SKIP: publicsuffix not installed (organizational domains)"; exit 77; }
dns_start "$W/dns" "$(dns_free_port "${DKIMGUARD_TEST_PORTS:-23000-23999}")" ||
	{ echo "FAIL: unbound did not start"; exit 1; }

cd "$W" || exit 1
mkdir -p etc keys out

# rr NAME TYPE VALUE - one record of another type than TXT
rr() { printf '%s %s IN %s %s\n' "$1" "$DNS_TTL" "$2" "$3" >>"$DNS_DIR/records"; }
# dkim KEYFILE NAME - publish a key's record, in 255-byte strings
dkim() {
	local parts
	mapfile -t parts < <(txt_of "$1" | fold -w 255)
	dns_set "$2" "${parts[@]}"
}

# ---- keys and tables
for d in corp.example nodmarc.example strict.example esp.example; do
	"$K" genkey -d $d -s s1 -o keys >/dev/null || { echo "FAIL: genkey"; exit 1; }
done
cat >etc/keytable <<'EOF'
kcorp   corp.example    s1 ../keys/corp.example.s1.key
knod    nodmarc.example s1 ../keys/nodmarc.example.s1.key
kstrict strict.example  s1 ../keys/strict.example.s1.key
kesp    esp.example     s1 ../keys/esp.example.s1.key
EOF
cat >etc/signtable <<'EOF'
corp.example         kcorp
news.corp.example    kcorp
nodmarc.example      knod
shop.strict.example  kstrict
unaligned.example    kesp
soft.example         kcorp
EOF
cat >etc/dkimguard.conf <<EOF
KeyTable keytable
SigningTable signtable
Nameservers 127.0.0.1:$DNS_PORT
DNSTimeoutMs 500
DNSRetries 0
EOF

# ---- zones
dns_zone example
dns_zone 2.0.192.in-addr.arpa
dns_zone 8.b.d.0.1.0.0.2.ip6.arpa
for d in corp.example nodmarc.example strict.example esp.example; do
	dkim keys/$d.s1.key s1._domainkey.$d
done
dns_set _dmarc.corp.example "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@corp.example"
dns_set corp.example "v=spf1 ip4:192.0.2.1 -all"
dns_set news.corp.example "v=spf1 ip4:192.0.2.1 -all"
dns_set nodmarc.example "v=spf1 ip4:192.0.2.1 -all"
dns_set _dmarc.strict.example "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:d@strict.example"
dns_set bounce.strict.example "v=spf1 ip4:192.0.2.1 -all"
dns_set _dmarc.unaligned.example "v=DMARC1; p=none"
dns_set _dmarc.badrec.example "v=DMARC1; p=rejected; adkim=r"
dns_set _dmarc.twodmarc.example "v=DMARC1; p=none"
dns_add _dmarc.twodmarc.example "v=DMARC1; p=reject"
dns_set esp.example "v=spf1 ip4:192.0.2.1 -all"
dns_set soft.example "v=spf1 ip4:192.0.2.1 ~all"
dns_set neutral.example "v=spf1 ip4:192.0.2.1 ?all"
dns_set two.example "v=spf1 ip4:192.0.2.1 -all"
dns_add two.example "v=spf1 a -all"
rr two.example A 192.0.2.20
inc1="" inc2=""	# two strings of one record (RFC 7208 3.3: joined)
for i in $(seq 11); do
	dns_set i$i.eleven.example "v=spf1 -all"
	if [ "$i" -le 6 ]; then inc1="$inc1 include:i$i.eleven.example"
	else inc2="$inc2 include:i$i.eleven.example"; fi
done
dns_set eleven.example "v=spf1$inc1" "$inc2 -all"
dns_servfail_zone temp.example
# PTR: .1 confirmed, .2 none, .3 names a host without that address
rr 1.2.0.192.in-addr.arpa PTR mail.corp.example.
rr mail.corp.example A 192.0.2.1
rr 3.2.0.192.in-addr.arpa PTR ghost.corp.example.
rr ghost.corp.example A 192.0.2.99
# 2001:db8::25 confirmed through AAAA, written in another spelling
rr 5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mail6.corp.example.
rr mail6.corp.example AAAA 2001:0db8:0:0::0025
dns_reload || { echo "FAIL: unbound refused the zones"; exit 1; }

# doc CASE WANT_RC ARGS... - run doctor, check its exit status
doc() {
	local name=$1 want=$2 rc
	shift 2
	"$K" -c "${CONF:-etc/dkimguard.conf}" doctor "$@" >out/$name.out 2>out/$name.err
	rc=$?
	[ "$rc" = "$want" ] && ok "$name: exit $rc" || {
		fail "$name: exit $rc, wanted $want"
		sed 's/^/    /' out/$name.out out/$name.err
	}
	CUR=$name
}
# has LINE - the last doctor output holds exactly this line
has() {
	grep -qxF -- "$1" out/$CUR.out && ok "$CUR: $1" || {
		fail "$CUR: no line: $1"
		sed 's/^/    /' out/$CUR.out
	}
}
# lacks PATTERN - no line of the last output matches (grep -E)
lacks() {
	grep -qE -- "$1" out/$CUR.out && { fail "$CUR: unexpected /$1/:"; grep -E -- "$1" out/$CUR.out | sed 's/^/    /'; } ||
		ok "$CUR: nothing matches /$1/"
}

echo "== aligned d=, ready"
doc ready 0 corp.example --ip 192.0.2.1
has '  ok    _dmarc.corp.example: "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@corp.example": p=reject applies to corp.example'
has '        adkim=r aspf=r pct=100'
has "  ok    s1._domainkey.corp.example: key kcorp published (RSA 2048 bits), d=corp.example aligns with corp.example"
has '  ok    corp.example: "v=spf1 ip4:192.0.2.1 -all": valid (0 of 10 DNS-querying terms, 0 of 2 void lookups)'
has '  ok    192.0.2.1: pass (ip4:192.0.2.1 at corp.example)'
has '  ok    192.0.2.1: mail.corp.example (its A record holds 192.0.2.1)'
has "  ok    meets Outlook's sender requirements: SPF pass aligned, DKIM pass aligned, DMARC p=reject"
has 'ready'
lacks 'publish:|FAIL'

echo "== DMARC at the org domain with sp="
doc inherited 0 news.corp.example --ip 192.0.2.1
has '  ok    _dmarc.corp.example: "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@corp.example": inherited from the organizational domain corp.example: sp=quarantine applies to news.corp.example'
has "  ok    meets Outlook's sender requirements: SPF pass aligned, DKIM pass aligned, DMARC p=quarantine"

echo "== no DMARC"
doc nodmarc 1 nodmarc.example --ip 192.0.2.1
has '  FAIL  no DMARC record at _dmarc.nodmarc.example'
has '        publish: _dmarc.nodmarc.example. IN TXT "v=DMARC1; p=none"'
has "  FAIL  does not meet Outlook's sender requirements: no DMARC policy applies to nodmarc.example"
has 'not ready: 2 problems'

echo "== a DMARC record with a syntax error; two DMARC records"
doc badrec 1 badrec.example --ip 192.0.2.1
has '  FAIL  _dmarc.badrec.example: p=rejected: want none, quarantine or reject: receivers ignore it'
has '        publish: _dmarc.badrec.example. IN TXT "v=DMARC1; p=none"'
doc twodmarc 1 sub.twodmarc.example --ip 192.0.2.1
has '  FAIL  _dmarc.twodmarc.example has 2 DMARC records: receivers then apply none (RFC 7489 6.6.3); keep one'
has '        fix: delete every DMARC record at _dmarc.twodmarc.example but one'

echo "== adkim/aspf strict, inherited p=reject"
doc strict 1 shop.strict.example --ip 192.0.2.1 --mail-from bounce.strict.example
has '        adkim=s aspf=s pct=100'
has "  ok    s1._domainkey.strict.example: key kstrict published (RSA 2048 bits), d=strict.example does not align with shop.strict.example"
has '  ok    192.0.2.1: pass (ip4:192.0.2.1 at bounce.strict.example)'
has "  FAIL  does not meet Outlook's sender requirements: neither SPF (bounce.strict.example, aspf=s) nor DKIM (d=strict.example, adkim=s) aligns with shop.strict.example"
has '        publish: _dmarc.shop.strict.example. IN TXT "v=DMARC1; p=reject; rua=mailto:d@strict.example"'
lacks 'p=none|fix: dkimguard-keytool genkey'

echo "== unaligned d="
doc unaligned 1 unaligned.example --ip 192.0.2.1 --mail-from esp.example
has "  ok    s1._domainkey.esp.example: key kesp published (RSA 2048 bits), d=esp.example does not align with unaligned.example"
has '  WARN  no published key'"'"'s d= aligns with unaligned.example: DKIM cannot make DMARC pass'
has '        fix: dkimguard-keytool genkey -d unaligned.example -s SELECTOR, publish it, sign mail from unaligned.example with it'
has "  FAIL  does not meet Outlook's sender requirements: neither SPF (esp.example, aspf=r) nor DKIM (d=esp.example, adkim=r) aligns with unaligned.example"
lacks 'publish:'

echo "== SPF results"
doc spf-fail 1 corp.example --ip 192.0.2.66 --ip 192.0.2.1
has '  FAIL  192.0.2.66: fail (-all)'
has '        publish: corp.example. IN TXT "v=spf1 ip4:192.0.2.66 ip4:192.0.2.1 -all"'
has "  FAIL  does not meet Outlook's sender requirements: SPF does not pass for every address"
doc spf-softfail 1 corp.example --ip 192.0.2.1 --mail-from soft.example --ip 2001:db8::25
has '  FAIL  2001:db8::25: softfail (~all)'
has '        publish: soft.example. IN TXT "v=spf1 ip6:2001:db8::25 ip4:192.0.2.1 ~all"'
doc spf-neutral 1 corp.example --ip 192.0.2.9 --mail-from neutral.example
has '  FAIL  192.0.2.9: neutral (?all)'
has '        publish: neutral.example. IN TXT "v=spf1 ip4:192.0.2.9 ip4:192.0.2.1 ?all"'
doc spf-two 1 corp.example --ip 192.0.2.1 --mail-from two.example
grep -q '^  FAIL  two.example: permerror: ' out/spf-two.out && ok "spf-two: permerror" ||
	fail "spf-two: no permerror line: $(cat out/spf-two.out)"
has '        record 1: "v=spf1 a -all"'
has '        record 2: "v=spf1 ip4:192.0.2.1 -all"'
has '        fix: replace both records by one:'
has '        publish: two.example. IN TXT "v=spf1 ip4:192.0.2.1 a -all"'
doc spf-eleven 1 corp.example --ip 192.0.2.1 --mail-from eleven.example
grep -q '^  FAIL  eleven.example: permerror: ' out/spf-eleven.out && ok "spf-eleven: permerror" ||
	fail "spf-eleven: no permerror line: $(cat out/spf-eleven.out)"
has '        fix: bring the DNS-querying terms (include, a, mx, ptr, exists, redirect) to 10 at most: replace some by the ip4:/ip6: ranges they give'
grep -q '^  FAIL  192.0.2.1: permerror' out/spf-eleven.out && ok "spf-eleven: check_host permerror" ||
	fail "spf-eleven: 192.0.2.1 not permerror"
lacks 'publish:'
doc spf-temp 1 corp.example --ip 192.0.2.1 --mail-from temp.example
grep -q '^  FAIL  temp.example: .*; check again$' out/spf-temp.out && ok "spf-temp: lint temperror" ||
	fail "spf-temp: $(cat out/spf-temp.out)"
has '  FAIL  192.0.2.1: temperror'
lacks 'publish: temp'

echo "== PTR"
doc ptr 1 corp.example --ip 192.0.2.1 --ip 192.0.2.2 --ip 192.0.2.3 --ip 2001:db8::25
has '  ok    2001:db8::25: mail6.corp.example (its AAAA record holds 2001:db8::25)'
has '  ok    192.0.2.1: mail.corp.example (its A record holds 192.0.2.1)'
has '  FAIL  192.0.2.2: no PTR record at 2.2.0.192.in-addr.arpa'
has '        publish: 2.2.0.192.in-addr.arpa. IN PTR mail.corp.example.'
has '        publish: mail.corp.example. IN A 192.0.2.2'
has '  FAIL  192.0.2.3: 192.0.2.3 names ghost.corp.example, whose A records do not hold 192.0.2.3'
has '        publish: ghost.corp.example. IN A 192.0.2.3'

echo "== --nameserver instead of the configuration's Nameservers"
grep -v '^Nameservers' etc/dkimguard.conf >etc/nons.conf
echo 'Nameservers 127.0.0.1:9' >>etc/nons.conf	# nobody answers there
CONF=etc/nons.conf doc nameserver 0 corp.example --nameserver "127.0.0.1:$DNS_PORT" --ip 192.0.2.1
has 'ready'

echo "== usage"
doc usage-ip 2 corp.example --ip 192.0.2.300
doc usage-none 2
doc usage-two 2 corp.example other.example --ip 192.0.2.1
doc no-ip 1 corp.example
has '  WARN  whether the outbound addresses pass is not checked (give --ip)'
has "  FAIL  does not meet Outlook's sender requirements: SPF not checked (give --ip)"
has 'not ready: 1 problem (and SPF not checked: give --ip)'
lacks '^PTR'

[ -n "${DOCTOR_SHOW:-}" ] && cp -r out "$DOCTOR_SHOW"
kt_finish run-doctor
