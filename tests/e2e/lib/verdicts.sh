# verdicts.sh - judge what arrived at the sink with verifiers nobody here
# wrote, and send the shared test data through an MTA.  Source it from bash
# after dkimguard.sh (pass, fail, dg_reload); needs W (keys in $W/dns.tsv,
# the signing keys' records in $W/sign-keys.tsv).
#
# unfold FILE            header fields one per line (RFC 5322 2.2.3)
# mail_dkim FILE         Mail::DKIM's verdicts: "result/domain/alg ..."
# opendkim_verify FILE   OpenDKIM's (opendkim -t) dkim= results
# ar_verdicts FILE       the dkim= results of our Authentication-Results
#                        ($AUTHSERV, default e2e.dkimguard.test), in order
# expected_set TEXT      the verdicts an expected.tsv cell accepts
# verify_set SET SEND    every row of $TESTDATA/SET/expected.tsv: TestKeys
#                        switched to the set's dns.tsv (SIGHUP), the message
#                        sent with "SEND FROM FILE N" (N counts up; SEND
#                        prints the delivered file), its A-R verdict checked;
#                        says how many rows it ran, fails when fewer than
#                        the file holds
# verify_shared_data SEND  verify_set for every set of the shared test data
#                        (a note when $TESTDATA is missing), then TestKeys
#                        back to the signing keys

AUTHSERV=${AUTHSERV:-e2e.dkimguard.test}

# unfold FILE - header fields one per line (RFC 5322 2.2.3), header only
unfold() {
	awk 'BEGIN{RS="\r?\n"} /^$/{exit} /^[^ \t]/{if (h) print h; h=$0; next} {h=h" "$0} END{if (h) print h}' "$1"
}

# mail_dkim FILE - Mail::DKIM verdicts of every signature, keys from dns.tsv
mail_dkim() {
	perl - "$W/dns.tsv" "$1" <<'PERL'
use strict; use warnings;
use Mail::DKIM::Verifier; use Net::DNS;
my ($tsv, $file) = @ARGV; my %txt;
open my $t, '<', $tsv or die; while (<$t>) { chomp; next if /^#/ || !/\t/;
  my ($n, $r) = split /\t/, $_, 2; $txt{lc $n} = $r; } close $t;
package FakeResolver;
sub new { bless {}, shift }
sub errorstring { 'NXDOMAIN' }
sub send { my ($self, $name, $type) = @_;
  my $p = Net::DNS::Packet->new($name, $type); my $r = $txt{lc $name};
  if (defined $r) { my @s = unpack('(A255)*', $r);
    $p->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', txtdata => [@s])); }
  else { $p->header->rcode('NXDOMAIN'); } return $p; }
package main;
Mail::DKIM::DNS::resolver(FakeResolver->new);
my $v = Mail::DKIM::Verifier->new; open my $m, '<', $file or die;
while (<$m>) { s/\r?\n\z/\r\n/; $v->PRINT($_); } $v->CLOSE;
print join(' ', map { $_->result . '/' . $_->domain . '/' . $_->algorithm .
  ($_->result eq 'pass' ? '' : '(' . $_->result_detail . ')') } $v->signatures), "\n";
PERL
}

# opendkim_verify FILE - "pass" when OpenDKIM's test mode passes it
opendkim_verify() {
	awk -F'\t' '!/^#/ && NF == 2 { print $1 " " $2 }' "$W/dns.tsv" >"$W/odk-keys"
	printf 'Mode v\nTestDNSData %s\nSyslog no\nMinimumKeyBits 1024\n' \
		"$W/odk-keys" >"$W/odk.conf"
	opendkim -x "$W/odk.conf" -t "$1" -vv 2>&1 |
		grep -o 'dkim=[a-z]*[^;]*header.a=[^ ]*' | sed 's/ header.i=[^ ]*//'
}

# ar_verdicts FILE - our A-R's dkim= results, in order
ar_verdicts() {
	unfold "$1" | grep -i "^Authentication-Results: *$AUTHSERV" |
		grep -o 'dkim=[a-z]*' | sed 's/dkim=//'
}

# expected_set TEXT - acceptable verdicts named in an expected.tsv cell;
# "unknown" (the real key is not available offline) is permerror here:
# the set's dns.tsv has no such key (RFC 6376 6.1.2), as run-conformance.sh
# reads it too
expected_set() {
	sed 's/^unknown\b/permerror/' <<<"$1" |
		grep -o -w -E 'pass|fail|permerror|temperror|neutral|none|policy' | sort -u | tr '\n' ' '
}

# data_rows TSV - how many cases an expected.tsv holds (not # or blank)
data_rows() {
	awk '!/^#/ && NF > 0' "$1" | wc -l
}

VERIFY_N=1
# verify_set SET SEND - the set's messages from outside, verdicts checked;
# every row of the set is one case, and a row that cannot be run (its
# file missing, an expectation we cannot read) fails, so the count of
# cases run always equals the count of rows in the data
verify_set() {
	local set=$1 send=$2 tsv=$TESTDATA/$1/expected.tsv file sig expect f got want
	local rows ran=0
	[ -r "$tsv" ] || { fail "shared data: $tsv missing"; return; }
	rows=$(data_rows "$tsv")
	{ cat "$W/sign-keys.tsv"; grep -v '^#' "$TESTDATA/$set/dns.tsv"; } >"$W/dns.tsv"
	dg_reload || { fail "reload with TestKeys of $set"; return; }
	while IFS=$'\t' read -r file sig _ expect _; do
		case $file in "#"*|"") continue ;; esac
		[ -r "$TESTDATA/$set/$file" ] || { fail "$set/$file: in expected.tsv, not in the data"; continue; }
		want=$(expected_set "$expect")
		[ -n "$want" ] || { fail "$set/$file sig $sig: no verdict in '$expect'"; continue; }
		ran=$((ran + 1))
		VERIFY_N=$((VERIFY_N + 1))
		f=$("$send" "sender@example.net" "$TESTDATA/$set/$file" "$VERIFY_N") || {
			fail "$set/$file: not delivered"; continue; }
		got=$(ar_verdicts "$f" | sed -n "$(( ${sig/-/0} + 1 ))p")
		[ "$sig" = - ] && got=$(ar_verdicts "$f" | head -n 1)
		case " $want" in
		*" $got "*) pass "$set/$file sig $sig: dkim=$got (expected: ${want% })" ;;
		*) fail "$set/$file sig $sig: dkim=$got, expected one of: ${want% }" ;;
		esac
	done <"$tsv"
	if [ "$ran" -eq "$rows" ] && [ "$rows" -gt 0 ]; then
		pass "shared data $set: ran $ran of $rows cases"
	else
		fail "shared data $set: ran $ran of $rows cases"
	fi
}

# verify_shared_data SEND - the shared sets, then the signing keys again
verify_shared_data() {
	local set
	if [ -z "${TESTDATA:-}" ] || [ ! -d "$TESTDATA" ]; then
		echo "SKIPPED PART: external verification (TESTDATA '${TESTDATA:-}' not found)"
	else
		for set in rfc-examples dkimpy opendkim-milter; do
			verify_set "$set" "$1"
		done
	fi
	cp "$W/sign-keys.tsv" "$W/dns.tsv"
	dg_reload || fail "reload back to the signing keys"
}
