#!/bin/bash
# run-status.sh - `dkimguard -n` and `dkimguard-keytool status` show the
#	same key states: for one configuration the keytool prints
#	exactly the table -n prints (rows, actions, problems, records to
#	publish), both built by common/guard/keystate.c and guard_table.
#
#   A. TestKeys file: keys valid, mismatching, missing and revoked, with
#      GuardAction hold, in both key table formats; a "%" entry (signs as
#      the matched domain) is in neither table; status exits 1 while a key
#      is not valid and 0 once every record is fixed; an unsafe key file
#      is refused by both.
#   B. the same against unbound on loopback (tests/e2e/lib/dns.sh), with
#      a zone answering SERVFAIL (dns-temperror).
#   Both print the same readiness section after the table (DMARC, SPF,
#   PTR of OutboundAddresses per signing domain, common/readiness/): not
#   checked with TestKeys (A); in B a ready domain line by line, an SPF
#   fail with the record to publish, a SERVFAIL zone that does not stop
#   the others (run-readiness.sh has the rest).
# Exit 0: all passed; 77: B skipped (reason printed), none failed; 1: a
# failure.  Ports: 23000-23999, or $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
kt_init kt-status

[ -x "$K" ] && [ -x "$MILTER" ] ||
	{ echo "SKIP: build first (make): $K, $MILTER"; exit 77; }

# same DESC WANT_STATUS_RC - -n's table (between its first line and
# "health:") equals status's output, and status exits WANT_STATUS_RC
same() {
	local rc
	local nrc want
	"$MILTER" -n -c etc/dkimguard.conf >n.out 2>n.err
	nrc=$?
	# -n: 0 when health is ok, 2 when it loads but is not (dkimguard(8))
	want=2; grep -q '^health: ok' n.out && want=0
	[ "$nrc" = "$want" ] ||
		{ fail "$1: dkimguard -n exit $nrc, wanted $want: $(head -3 n.err)"; return; }
	"$K" -c etc/dkimguard.conf status >s.out 2>s.err
	rc=$?
	awk '/^DOMAIN /{on=1} /^health:/{on=0} on' n.out >n.table
	# status: the table, then the readiness section (as -n's last part)
	awk '/^readiness: /{exit} {print}' s.out >s.table
	if [ -s s.table ] && cmp -s n.table s.table; then
		ok "$1: same $(grep -vc '^    publish:' s.table) lines ($(awk 'NR > 1 && !/^ / {printf "%s ", $3}' s.table))"
	else
		fail "$1: tables differ"
		diff n.table s.table | head -20 | sed 's/^/    /'
	fi
	sed -n '/^readiness: /,$p' n.out >n.ready
	sed -n '/^readiness: /,$p' s.out >s.ready
	if [ -s s.ready ] && cmp -s n.ready s.ready; then
		ok "$1: same readiness section ($(wc -l <s.ready) lines)"
	else
		fail "$1: readiness sections differ"
		diff n.ready s.ready | head -20 | sed 's/^/    /'
	fi
	[ "$rc" = "$2" ] && ok "$1: status exit $rc" ||
		fail "$1: status exit $rc, wanted $2: $(head -3 s.err)"
}

# has STATE DOMAIN - the status table has a row DOMAIN s1 STATE
has() {
	awk -v d="$2" -v s="$1" '$1 == d && $3 == s { f = 1 } END { exit !f }' s.out &&
		ok "row $2: $1" || fail "no row '$2 s1 $1' in: $(cat s.out)"
}

# ---------------------------------------------------------------- part A
echo "== A: TestKeys"
mkdir -p "$W/a/etc" "$W/a/keys"
cd "$W/a" || exit 1
for d in good bad gone dead; do
	"$K" genkey -d $d.example -s s1 -o keys >/dev/null
done
"$K" genkey -d any.example -s w -o keys >/dev/null
cat >etc/keytable <<'EOF'
kgood good.example:s1:../keys/good.example.s1.key
kbad  bad.example   s1  ../keys/bad.example.s1.key
kgone gone.example:s1:../keys/gone.example.s1.key
kdead dead.example  s1  ../keys/dead.example.s1.key
kwild %             w   ../keys/any.example.w.key
EOF
printf '%s\n' 'good.example kgood' 'bad.example kbad' 'gone.example kgone' \
    'dead.example kdead' '*.example kwild' >etc/signtable
records() {	# records FIXED: 0 broken as above, 1 every record right
	printf 's1._domainkey.good.example\t%s\n' "$(txt_of keys/good.example.s1.key)"
	if [ "$1" = 1 ]; then
		for d in bad gone dead; do
			printf 's1._domainkey.%s.example\t%s\n' $d "$(txt_of keys/$d.example.s1.key)"
		done
	else
		printf 's1._domainkey.bad.example\t%s\n' "$(txt_of keys/good.example.s1.key)"
		printf 's1._domainkey.dead.example\tv=DKIM1; k=rsa; p=\n'
	fi
}
records 0 >dns.tsv
cat >etc/dkimguard.conf <<EOF
KeyTable keytable
SigningTable refile:signtable
TestKeys $W/a/dns.tsv
GuardAction hold
PidFile $W/a/none.pid
Socket unix:$W/a/dkimguard.sock
EOF
same "broken records" 1
grep -qx 'readiness: not checked: TestKeys replaces DNS' s.ready &&
	ok "readiness: not checked with TestKeys" || fail "readiness with TestKeys: $(cat s.ready)"
has valid good.example
has mismatch bad.example
has missing gone.example
has revoked dead.example
grep -q 'any.example\|^[^ ]* *w ' s.table && fail "the % entry has a row" ||
	ok "no row for the % entry"
[ "$(awk 'NR > 1 && !/^ / {print $4}' s.table | sort -u)" = hold ] &&
	ok "GuardAction hold in every row" || fail "actions: $(cat s.out)"
records 1 >dns.tsv
same "records fixed" 0
[ "$(awk 'NR > 1 {print $3}' s.table | sort -u)" = valid ] && ok "every row valid" ||
	fail "after the fix: $(cat s.out)"
chmod 644 keys/bad.example.s1.key
"$MILTER" -n -c etc/dkimguard.conf >/dev/null 2>&1 && fail "-n accepted a 0644 key" ||
	ok "-n refuses a 0644 key"
"$K" -c etc/dkimguard.conf status >s.out 2>s.err
[ $? = 2 ] && grep -q 'chmod' s.err && ok "status refuses it too, with the fix" ||
	fail "status with a 0644 key: $(cat s.out s.err)"
chmod 600 keys/bad.example.s1.key
cd "$ROOT" || exit 1

# ---------------------------------------------------------------- part B
echo "== B: unbound"
. "$ROOT/tests/e2e/lib/dns.sh"
if ! dns_have; then
	skip "B: unbound or python3-dnspython not installed"
elif ! dns_start "$W/dns" \
    "$(dns_free_port "${DKIMGUARD_TEST_PORTS:-23000-23999}")"; then
	fail "unbound did not start"
else
	cd "$W/a" || exit 1
	dns_zone example
	mapfile -t parts < <(txt_of keys/good.example.s1.key | fold -w 255)
	dns_set s1._domainkey.good.example "${parts[@]}"
	dns_set s1._domainkey.bad.example "${parts[@]}"
	dns_servfail_zone dead.example
	dns_zone 2.0.192.in-addr.arpa
	dns_set _dmarc.good.example "v=DMARC1; p=reject"
	dns_set good.example "v=spf1 ip4:192.0.2.1 -all"
	dns_set bad.example "v=spf1 ip4:192.0.2.9 -all"
	printf '%s\n' '1.2.0.192.in-addr.arpa 2 IN PTR mx.good.example.' \
	    'mx.good.example 2 IN A 192.0.2.1' >>"$DNS_DIR/records"
	dns_reload
	sed -i '/^TestKeys/d' etc/dkimguard.conf
	printf 'Nameservers 127.0.0.1:%s\nDNSTimeoutMs 500\n' "$DNS_PORT" >>etc/dkimguard.conf
	echo 'OutboundAddresses 192.0.2.1' >>etc/dkimguard.conf
	same "against DNS" 1
	has valid good.example
	has mismatch bad.example
	has missing gone.example
	has dns-temperror dead.example
	# readiness: the section both print, a few of its lines
	sed -n '/^good.example$/,/^  ready$/p' s.ready >good.ready
	cat >good.want <<'EOF'
good.example
  DMARC
    ok    _dmarc.good.example: "v=DMARC1; p=reject": p=reject applies to good.example
          adkim=r aspf=r pct=100
  SPF
    ok    good.example: "v=spf1 ip4:192.0.2.1 -all": valid (0 of 10 DNS-querying terms, 0 of 2 void lookups)
    ok    192.0.2.1: pass (ip4:192.0.2.1 at good.example)
  ready
EOF
	cmp -s good.ready good.want && ok "readiness: good.example ready" ||
		{ fail "readiness of good.example:"; diff good.want good.ready | sed 's/^/    /'; }
	for l in '    ok    192.0.2.1: mx.good.example (its A record holds 192.0.2.1)' \
	    '    FAIL  192.0.2.1: fail (-all)' \
	    '          publish: bad.example. IN TXT "v=spf1 ip4:192.0.2.1 ip4:192.0.2.9 -all"' \
	    '          publish: _dmarc.gone.example. IN TXT "v=DMARC1; p=none"' \
	    'readiness: 8 problems; 1 of 4 signing domains ready'; do
		grep -qxF -- "$l" s.ready && ok "readiness: $l" ||
			fail "readiness: no line: $l"
	done
	grep -q '^    FAIL  .*_dmarc.dead.example.*check again$' s.ready &&
		ok "readiness: dead.example's DMARC temperror, and went on" ||
		fail "readiness: dead.example: $(grep -A3 '^dead' s.ready)"
	cd "$ROOT" || exit 1
fi

kt_finish run-status
