#!/bin/bash
# run-readiness.sh - the readiness section of `dkimguard -n` and
#	`dkimguard-keytool status` (common/readiness/) against a real
#	unbound on loopback (tests/e2e/lib/dns.sh) serving zones written
#	here: for every signing domain of the key table, the exact lines
#	printed (DMARC own or inherited, SPF validity, SPF and PTR of each
#	OutboundAddresses address, the records to publish), the same
#	section from both programs, and the exit statuses (readiness
#	problems are warnings: -n stays 0 while the keys are valid).
#
#   own DMARC      corp.example: p=reject; sp=quarantine, SPF passes
#   inherited      news.corp.example: no own record, the org domain's
#                  sp=quarantine applies (never "publish p=none")
#   no DMARC       nodmarc.example: the record to publish is p=none
#   SPF fail       fail.example: one address passes, two fail: the
#                  merged record to publish
#   SPF permerror  two.example (two records), eleven.example (11
#                  DNS-querying terms)
#   PTR            .1 confirmed, .2 without PTR, .3 names a host whose A
#                  record does not hold it: once, not once per domain
#   no addresses   OutboundAddresses unset: SPF of them "not checked"
#   From: domains  a "%" key: the key it signs with at the signing
#                  table's literal From: domain is checked before any mail
#                  (missing, then valid), and the domain's readiness too
#                  (not "*", not ".parent")
#   bound          52 signing domains: 50 checked, "and 2 more"
#   DNS down       a nameserver that never answers: "DNS unreachable"
#                  once, -n bounded in time, exit 2 (keys not checkable)
#   TestKeys       no DNS: the section says it is not checked
# Exit 0: all passed; 77: unbound missing (reason printed); 1: a failure.
# Ports: 22000-22999 by default, or $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
kt_init kt-readiness
. "$ROOT/tests/e2e/lib/dns.sh"

[ -x "$K" ] && [ -x "$MILTER" ] ||
	{ echo "SKIP: build first (make): $K, $MILTER"; exit 77; }
dns_have || { echo "SKIP: unbound or python3-dnspython not installed"; exit 77; }
[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	{ echo "SKIP: publicsuffix not installed (organizational domains)"; exit 77; }
PORTS=${DKIMGUARD_TEST_PORTS:-22000-22999}
dns_start "$W/dns" "$(dns_free_port "$PORTS")" ||
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

# ---- one key, signing as six domains (the key table's d= values)
"$K" genkey -d corp.example -s s1 -o keys >/dev/null || { echo "FAIL: genkey"; exit 1; }
DOMAINS="corp.example news.corp.example nodmarc.example fail.example two.example eleven.example"
: >etc/keytable
for d in $DOMAINS; do
	echo "k-$d $d s1 ../keys/corp.example.s1.key" >>etc/keytable
done
echo "kwild % s1 ../keys/corp.example.s1.key" >>etc/keytable # no domain of its own
awk '{print $2, $1}' etc/keytable >etc/signtable
# conf FILE [OPTION LINE]... - a configuration on the test's unbound
conf() {
	local f=$1
	shift
	cat >"$f" <<EOF
KeyTable keytable
SigningTable signtable
Nameservers 127.0.0.1:$DNS_PORT
DNSTimeoutMs 500
DNSRetries 0
PidFile $W/dkimguard.pid
Socket unix:$W/dkimguard.sock
EOF
	printf '%s\n' "$@" >>"$f"
}
conf etc/dkimguard.conf "OutboundAddresses 192.0.2.1, 192.0.2.2, 192.0.2.3"
conf etc/noaddr.conf

# ---- zones
dns_zone example
dns_zone 2.0.192.in-addr.arpa
for d in $DOMAINS; do dkim keys/corp.example.s1.key s1._domainkey.$d; done
dns_set _dmarc.corp.example "v=DMARC1; p=reject; sp=quarantine"
dns_set corp.example "v=spf1 ip4:192.0.2.0/29 -all"
dns_set news.corp.example "v=spf1 ip4:192.0.2.0/29 -all"
dns_set nodmarc.example "v=spf1 ip4:192.0.2.0/29 -all"
dns_set _dmarc.fail.example "v=DMARC1; p=none"
dns_set fail.example "v=spf1 ip4:192.0.2.1 -all"
dns_set _dmarc.two.example "v=DMARC1; p=quarantine"
dns_set two.example "v=spf1 ip4:192.0.2.0/29 -all"
dns_add two.example "v=spf1 a -all"
dns_set _dmarc.eleven.example "v=DMARC1; p=none"
inc1="" inc2="" # two strings of one record (RFC 7208 3.3: joined)
for i in $(seq 11); do
	dns_set i$i.eleven.example "v=spf1 -all"
	if [ "$i" -le 6 ]; then inc1="$inc1 include:i$i.eleven.example"
	else inc2="$inc2 include:i$i.eleven.example"; fi
done
dns_set eleven.example "v=spf1$inc1" "$inc2 -all"
rr 1.2.0.192.in-addr.arpa PTR mail.corp.example.
rr mail.corp.example A 192.0.2.1
rr 3.2.0.192.in-addr.arpa PTR ghost.corp.example.
rr ghost.corp.example A 192.0.2.99
dns_reload || { echo "FAIL: unbound refused the zones"; exit 1; }

# run NAME WANT_RC CMD... - run, keep stdout/stderr, check the status
run() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >out/$name.out 2>out/$name.err
	rc=$?
	[ "$rc" = "$want" ] && ok "$name: exit $rc" || {
		fail "$name: exit $rc, wanted $want"
		sed 's/^/    /' out/$name.out out/$name.err | head -40
	}
	CUR=$name
}
# section NAME - the readiness section of an output (from "readiness:")
section() { sed -n '/^readiness: /,$p' out/$1.out; }
# has LINE - the readiness section of the last output holds this line
has() {
	section $CUR | grep -qxF -- "$1" && ok "$CUR: $1" || {
		fail "$CUR: no line: $1"
		section $CUR | sed 's/^/    /'
	}
}
# count N LINE - the line occurs exactly N times
count() {
	local n
	n=$(section $CUR | grep -cxF -- "$2")
	[ "$n" = "$1" ] && ok "$CUR: $1 x $2" || fail "$CUR: $n x $2, wanted $1"
}
# lacks PATTERN - no line of the section matches (grep -E)
lacks() {
	section $CUR | grep -qE -- "$1" &&
		{ fail "$CUR: unexpected /$1/:"; section $CUR | grep -E -- "$1" | sed 's/^/    /'; } ||
		ok "$CUR: nothing matches /$1/"
}

echo "== dkimguard -n"
run n 0 "$MILTER" -n -c etc/dkimguard.conf
grep -q '^health: ok' out/n.out && ok "n: health ok: readiness problems are warnings" ||
	fail "n: health: $(grep '^health' out/n.out)"
has 'readiness: 6 signing domains; OutboundAddresses 192.0.2.1 192.0.2.2 192.0.2.3'
has 'outbound addresses'
has '    ok    192.0.2.1: mail.corp.example (its A record holds 192.0.2.1)'
has '    FAIL  192.0.2.2: no PTR record at 2.2.0.192.in-addr.arpa'
has '          publish: 2.2.0.192.in-addr.arpa. IN PTR mail.corp.example.'
has '          publish: mail.corp.example. IN A 192.0.2.2'
has '    FAIL  192.0.2.3: 192.0.2.3 names ghost.corp.example, whose A records do not hold 192.0.2.3'
has '          publish: ghost.corp.example. IN A 192.0.2.3'
count 1 '    FAIL  192.0.2.2: no PTR record at 2.2.0.192.in-addr.arpa'
# own DMARC, everything passes
has 'corp.example'
has '    ok    _dmarc.corp.example: "v=DMARC1; p=reject; sp=quarantine": p=reject applies to corp.example'
has '    ok    corp.example: "v=spf1 ip4:192.0.2.0/29 -all": valid (0 of 10 DNS-querying terms, 0 of 2 void lookups)'
has '    ok    192.0.2.3: pass (ip4:192.0.2.0/29 at corp.example)'
# inherited with sp=: the org domain's sp= applies, nothing to publish
has '    ok    _dmarc.corp.example: "v=DMARC1; p=reject; sp=quarantine": inherited from the organizational domain corp.example: sp=quarantine applies to news.corp.example'
lacks '_dmarc.news.corp.example|p=none.*news|news.*p=none'
# no DMARC
has '    FAIL  no DMARC record at _dmarc.nodmarc.example'
has '          publish: _dmarc.nodmarc.example. IN TXT "v=DMARC1; p=none"'
# SPF fail for two addresses: one record with them
has '    ok    192.0.2.1: pass (ip4:192.0.2.1 at fail.example)'
has '    FAIL  192.0.2.2: fail (-all)'
has '    FAIL  192.0.2.3: fail (-all)'
has '          publish: fail.example. IN TXT "v=spf1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.1 -all"'
# permerrors
section n | grep -q '^    FAIL  two.example: permerror: ' && ok "n: two.example permerror" ||
	fail "n: no two.example permerror line"
has '          record 1: "v=spf1 a -all"'
has '          fix: replace both records by one:'
has '          publish: two.example. IN TXT "v=spf1 ip4:192.0.2.0/29 a -all"'
section n | grep -q '^    FAIL  eleven.example: permerror: ' && ok "n: eleven.example permerror" ||
	fail "n: no eleven.example permerror line"
has '          fix: bring the DNS-querying terms (include, a, mx, ptr, exists, redirect) to 10 at most: replace some by the ip4:/ip6: ranges they give'
# verdicts
section n | awk '/^[a-z]/ {d = $1} /^  (ready|not ready)/ {print d ":" $0}' >out/verdicts
cat >out/want-verdicts <<'EOF'
corp.example:  ready
news.corp.example:  ready
nodmarc.example:  not ready: 1 problem
fail.example:  not ready: 2 problems
two.example:  not ready: 4 problems
eleven.example:  not ready: 4 problems
EOF
cmp -s out/verdicts out/want-verdicts && ok "n: the verdict of each domain" ||
	{ fail "n: verdicts differ:"; diff out/want-verdicts out/verdicts | sed 's/^/    /'; }
has 'readiness: 13 problems; 2 of 6 signing domains ready'
lacks '%'

echo "== keytool status: the same section"
run status 0 "$K" -c etc/dkimguard.conf status
if cmp -s <(section n) <(section status); then
	ok "status: the same $(section status | wc -l) readiness lines as -n"
else
	fail "status: readiness differs from -n"
	diff <(section n) <(section status) | head -20 | sed 's/^/    /'
fi

echo "== no OutboundAddresses"
run noaddr 0 "$MILTER" -n -c etc/noaddr.conf
has 'readiness: 6 signing domains; OutboundAddresses not set: their SPF and PTR not checked'
has '    WARN  whether the outbound addresses pass is not checked (set OutboundAddresses)'
lacks '^outbound addresses|^  PTR|pass \('
has 'corp.example'
count 0 '  ready'
count 3 '  no problem found, outbound addresses not checked'
has 'readiness: 3 problems; 0 of 6 signing domains ready'

echo "== 52 signing domains: 50 checked"
mkdir -p many/etc
: >many/etc/keytable
for i in $(seq -w 1 52); do
	echo "k$i d$i.many.example s1 ../../keys/corp.example.s1.key" >>many/etc/keytable
	dkim keys/corp.example.s1.key s1._domainkey.d$i.many.example
done
awk '{print $2, $1}' many/etc/keytable >many/etc/signtable
dns_reload || fail "unbound refused the zones"
conf many/etc/dkimguard.conf "OutboundAddresses 192.0.2.1"
run many 0 "$K" -c many/etc/dkimguard.conf status
has 'readiness: 52 signing domains (the first 50 checked); OutboundAddresses 192.0.2.1'
has 'and 2 more signing domains not checked'
has 'readiness: 150 problems; 0 of 50 signing domains ready'
has 'd50.many.example'
lacks '^d51'

echo "== the signing table's From: domains (a \"%\" key signs as each)"
mkdir -p from/etc
echo "kwild % s1 ../../keys/corp.example.s1.key" >from/etc/keytable
printf '%s kwild\n' shop.corp.example '*' .corp.example >from/etc/signtable
conf from/etc/dkimguard.conf "OutboundAddresses 192.0.2.1"
# the key that will sign as shop.corp.example is checked before any mail
run from-unpublished 2 "$MILTER" -n -c from/etc/dkimguard.conf
grep -Eq '^shop\.corp\.example +s1 +missing ' out/from-unpublished.out &&
	grep -q '^    publish: s1._domainkey.shop.corp.example. IN TXT' out/from-unpublished.out &&
	ok "from-unpublished: the \"%\" key for shop.corp.example is missing, with the record to publish" ||
	{ fail "from-unpublished: no missing line for shop.corp.example/s1"; sed 's/^/    /' out/from-unpublished.out | head -8; }
dkim keys/corp.example.s1.key s1._domainkey.shop.corp.example
dns_reload || fail "unbound refused the zones"
run from 0 "$MILTER" -n -c from/etc/dkimguard.conf
grep -Eq '^shop\.corp\.example +s1 +valid ' out/from.out && ok "from: published, the key is valid" ||
	fail "from: $(grep '^shop' out/from.out)"
has 'readiness: 1 signing domain; OutboundAddresses 192.0.2.1'
has 'shop.corp.example'
has '    ok    _dmarc.corp.example: "v=DMARC1; p=reject; sp=quarantine": inherited from the organizational domain corp.example: sp=quarantine applies to shop.corp.example'
has '          publish: shop.corp.example. IN TXT "v=spf1 ip4:192.0.2.1 ~all"'
has 'readiness: 2 problems; 0 of 1 signing domain ready'
lacks '^\*|^\.corp|^%'
echo "== DNS unreachable"
BH=$(dns_free_port "$PORTS")
dns_blackhole "$BH"
conf etc/down.conf "OutboundAddresses 192.0.2.1, 192.0.2.2"
sed -i "s/^Nameservers .*/Nameservers 127.0.0.1:$BH/; s/^DNSTimeoutMs .*/DNSTimeoutMs 200/" etc/down.conf
start=$(date +%s%N)
run down 2 "$MILTER" -n -c etc/down.conf
ms=$((($(date +%s%N) - start) / 1000000))
count 1 'readiness: DNS unreachable (no reply from the nameserver in time): DMARC, SPF and PTR not checked'
lacks 'FAIL|^corp'
# each lookup waits 200 ms at most; asked one by one, the six domains'
# DMARC, SPF and PTR questions (about 40) would take 8 s
[ "$ms" -lt 5000 ] && ok "down: -n took $ms ms (bounded)" || fail "down: -n took $ms ms"
sed -i "s/^Nameservers .*/Nameservers 127.0.0.1:9/" etc/down.conf # refused
run refused 2 "$MILTER" -n -c etc/down.conf
section refused | grep -q '^readiness: DNS unreachable (' && ok "refused: DNS unreachable" ||
	fail "refused: $(section refused)"

echo "== TestKeys: no DNS"
printf 's1._domainkey.%s\t%s\n' corp.example "$(txt_of keys/corp.example.s1.key)" >dns.tsv
conf etc/tk.conf "TestKeys $W/dns.tsv"
run testkeys 1 "$K" -c etc/tk.conf status
has 'readiness: not checked: TestKeys replaces DNS'

kt_finish run-readiness
