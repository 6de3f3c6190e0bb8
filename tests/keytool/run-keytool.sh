#!/bin/bash
# run-keytool.sh - dkimguard-keytool end to end.
#
#   A. without DNS (TestKeys file): genkey (mode, no overwrite, sizes,
#      255-byte strings), a full rotation on each table format with the
#      injected clock, bad input changing nothing.
#   B. against a real DNS server on loopback (unbound, tests/e2e/lib/dns.sh):
#      check, activate refused while the record is missing or wrong, a
#      record split in two strings accepted, retire refused before the
#      grace period, DNS failure refused.
#   C. with a running dkimguard fed by bench/loadgen --one: messages signed
#      with the old selector before activate and the new one after, none
#      tempfailed or unsigned during the switch, while the milter reloads
#      back to back (the tables are replaced under a concurrent reload);
#      activate confirmed through PIDFILE.reloaded ("0 ok" at start-up, a
#      refused reload reported as "N failed ...").
# Exit 0: all passed; 77: some part skipped (reason printed), none failed;
# 1: a failure.  Ports: 23000-23999, or $DKIMGUARD_TEST_PORTS ("LO-HI").
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
kt_init kt-e2e
LOADGEN=$ROOT/bench/loadgen

# expect RC DESC CMD... - run CMD, compare its exit code
expect() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		fail "$desc: exit $rc, wanted $want"
		sed 's/^/    /' "$W/out" "$W/err" | head -20
	fi
}

# snap DIR - checksums of every file, to prove nothing changed
snap() { (cd "$1" && find . -type f | sort | xargs sha256sum); }

[ -x "$K" ] || { echo "SKIP: $K is not built (make)"; exit 77; }
export DKIMGUARD_NOW=2026-11-23T06:00:00Z

# ---------------------------------------------------------------- part A
echo "== A: genkey, tables, rotation without DNS"
mkdir -p "$W/a/etc" "$W/a/keys"
cd "$W/a" || exit 1
expect 0 "genkey rsa" "$K" genkey -d example.com -s s1 -o keys
[ "$(stat -c %a keys/example.com.s1.key)" = 600 ] && ok "key mode 0600" ||
	fail "key mode $(stat -c %a keys/example.com.s1.key)"
python3 - "$W/out" <<'EOF' && ok "zone strings <= 255 bytes, one-line form" || fail "record form"
import re, sys
t = open(sys.argv[1]).read()
zone = [l for l in t.splitlines() if "IN TXT" in l or l.startswith("\t\"")]
strs = re.findall(r'"((?:[^"\\]|\\.)*)"', " ".join(zone))
one = [l for l in t.splitlines() if l.startswith("v=DKIM1")]
assert len(strs) >= 2 and all(len(s) <= 255 for s in strs), strs
assert one and "".join(strs) == one[0], "zone and one-line differ"
EOF
sum=$(sha256sum keys/example.com.s1.key)
expect 2 "genkey refuses to overwrite" "$K" genkey -d example.com -s s1 -o keys
[ "$sum" = "$(sha256sum keys/example.com.s1.key)" ] && ok "existing key untouched" ||
	fail "existing key changed"
expect 2 "genkey refuses 512 bits" "$K" genkey -d example.com -s s2 -b 512 -o keys
expect 0 "genkey ed25519" "$K" genkey -d example.org -s e1 -t ed25519 -o keys
expect 2 "genkey refuses a bad selector" "$K" genkey -d example.com -s 'a b' -o keys

cat >etc/keytable <<'EOF'
# OpenDKIM format, with comments
s1._domainkey.example.com   example.com:s1:../keys/example.com.s1.key   # rsa
EOF
cat >etc/keytable.own <<'EOF'
# dkimguard format
org	example.org	e1	../keys/example.org.e1.key
EOF
cat etc/keytable.own >>etc/keytable
printf '# signing\nexample.com s1._domainkey.example.com # main\nexample.org org\n' >etc/signtable
printf 's1._domainkey.example.com\t%s\n' "$(txt_of keys/example.com.s1.key)" >dns.tsv
printf 'e1._domainkey.example.org\t%s\n' "$(txt_of keys/example.org.e1.key)" >>dns.tsv
cat >etc/dkimguard.conf <<EOF
KeyTable keytable
SigningTable signtable
TestKeys $W/a/dns.tsv
PidFile $W/a/none.pid
EOF
C="-c etc/dkimguard.conf"
expect 0 "check --all (TestKeys)" "$K" $C check --all
before=$(snap etc)
expect 2 "rotate start: unknown domain" "$K" $C rotate start -d nosuch.example
expect 1 "rotate activate: nothing staged" "$K" $C rotate activate -d example.com
expect 2 "check: missing table" "$K" -c etc/dkimguard.conf --signingtable etc/nonexistent check
keys_before=$(ls keys)
expect 2 "rotate start: unwritable state folder" \
    "$K" $C --state /nonexistent/dir/state rotate start -d example.com
[ "$before" = "$(snap etc)" ] && [ "$keys_before" = "$(ls keys)" ] &&
	ok "bad input changed nothing" || fail "bad input changed files"
expect 0 "dns: record of a key in the key table" "$K" $C dns -d example.com -s s1
grep -q "^$(txt_of keys/example.com.s1.key)\$" "$W/out" && ok "dns prints the record" ||
	fail "dns output"
for d in example.com example.org; do
	expect 0 "rotate start $d" "$K" $C rotate start -d "$d"
	sel=$(awk -v d=$d '$1 == d && $2 == "staged" {print $3}' etc/keytable.rotation)
	[ -n "$sel" ] || { fail "no staged selector for $d"; continue; }
	f=$(ls keys/$d.$sel.key)
	expect 1 "activate $d refused: record missing" "$K" $C rotate activate -d "$d"
	printf '%s._domainkey.%s\t%s\n' "$sel" "$d" "$(txt_of "$f")" >>dns.tsv
	expect 0 "activate $d" "$K" $C rotate activate -d "$d"
	expect 1 "retire $d refused within the grace period" \
	    "$K" $C rotate retire -d "$d"
	DKIMGUARD_NOW=2026-11-30T06:00:00Z expect 0 "retire $d after 7 days" \
	    "$K" $C rotate retire -d "$d"
	grep -q 'p=$' "$W/out" && ok "revoked record printed" || fail "no p= record"
done
grep -q '^# signing$' etc/signtable && grep -q '# main$' etc/signtable &&
	grep -q '^# OpenDKIM format' etc/keytable &&
	grep -q 'example.com:s202611:../keys/example.com.s202611.key' etc/keytable &&
	grep -qP '^s202611\._domainkey\.example\.org\texample\.org\ts202611\t' etc/keytable &&
	ok "both formats edited in place, comments kept" ||
	{ fail "table contents"; cat etc/keytable etc/signtable; }
ls keys/example.com.s1.key.retired-* >/dev/null 2>&1 && ok "old key moved aside" ||
	fail "old key not moved aside"
cd "$ROOT" || exit 1

# ------------------------------------------------------ part A2: reloads
# stand_in PIDFILE WORD - a process that answers SIGHUP like the milter:
# PIDFILE.reloaded gets "GENERATION WORD"; WORD "none": never answers
stand_in() {
	bash -c 'gen=0; [ "$1" = none ] || echo "0 ok" >"$0.reloaded"
		trap "gen=\$((gen + 1)); [ \"$1\" = none ] ||
		  { echo \"\$gen $1 test\" >\"$0.r\"; mv \"$0.r\" \"$0.reloaded\"; }" HUP
		echo $$ >"$0"; while :; do sleep 0.1; done' "$1" "$2" &
	PIDS="$PIDS $!"
	for _ in $(seq 30); do [ -s "$1" ] && break; sleep 0.1; done
}

echo "== A2: reload confirmation (a stand-in for the milter)"
mkdir -p "$W/r/etc" "$W/r/keys"
cd "$W/r" || exit 1
"$K" genkey -d example.com -s s1 -o keys >/dev/null
printf 'k1 example.com:s1:../keys/example.com.s1.key\n' >etc/keytable
printf 'example.com k1\n' >etc/signtable
printf 's1._domainkey.example.com\t%s\n' "$(txt_of keys/example.com.s1.key)" >dns.tsv
printf 'KeyTable keytable\nSigningTable signtable\nTestKeys %s\nPidFile %s\n' \
    "$W/r/dns.tsv" "$W/r/m.pid" >etc/dkimguard.conf
C="-c etc/dkimguard.conf"
"$K" $C rotate start -d example.com -s s2 >/dev/null
printf 's2._domainkey.example.com\t%s\n' "$(txt_of keys/example.com.s2.key)" >>dns.tsv
stand_in "$W/r/m.pid" failed
before=$(snap etc | grep -v '\.bak$')
expect 1 "activate: the milter refuses the reload" "$K" $C rotate activate -d example.com
grep -q 'refused to reload' "$W/err" && [ "$before" = "$(snap etc | grep -v '\.bak$')" ] &&
	grep -q ' staged s2 ' etc/keytable.rotation &&
	ok "old signing table put back, key still staged" ||
	{ fail "after a refused reload"; cat "$W/err" etc/signtable; }
kill "$(cat m.pid)"; rm -f m.pid m.pid.reloaded
stand_in "$W/r/m.pid" none
expect 3 "activate: reload not confirmed" \
    "$K" $C rotate activate -d example.com --reload-timeout 1
grep -qx 'example.com s2._domainkey.example.com' etc/signtable &&
	ok "switched, exit 3 says unconfirmed" ||
	fail "signing table after an unconfirmed reload"
kill "$(cat m.pid)"; rm -f m.pid m.pid.reloaded
stand_in "$W/r/m.pid" ok
DKIMGUARD_NOW=2026-12-01T00:00:00Z expect 0 "retire: reload confirmed" \
    "$K" $C rotate retire -d example.com
grep -q 'reloaded (generation 1)' "$W/out" && ok "generation reported" ||
	fail "no generation in: $(cat "$W/out")"
cd "$ROOT" || exit 1

# ---------------------------------------------------------------- part B
# publish NAME TXT [FIRST] - TXT at NAME in strings of at most 255 bytes
# (the first FIRST bytes long, to split inside p=), as the zone form does
publish() {
	local name=$1 t=$2 n=${3:-255} parts=()
	while [ -n "$t" ]; do parts+=("${t:0:$n}"); t=${t:$n}; n=255; done
	dns_set "$name" "${parts[@]}"
}

DNSOK=0
if [ ! -f "$ROOT/tests/e2e/lib/dns.sh" ]; then
	skip "B, C: tests/e2e/lib/dns.sh is missing"
else
	. "$ROOT/tests/e2e/lib/dns.sh"
	if ! dns_have; then
		skip "B, C: unbound or python3-dnspython not installed"
	elif dns_start "$W/dns" \
	    "$(dns_free_port "${DKIMGUARD_TEST_PORTS:-23000-23999}")"; then
		DNSOK=1
	else
		fail "unbound did not start"
	fi
fi
if [ $DNSOK = 1 ]; then
	echo "== B: against unbound on 127.0.0.1:$DNS_PORT"
	mkdir -p "$W/b/etc" "$W/b/keys"
	cd "$W/b" || exit 1
	"$K" genkey -d example.com -s s1 -o keys >/dev/null
	printf 'main example.com s1 ../keys/example.com.s1.key\n' >etc/keytable
	printf '*@example.com main\n' >etc/signtable
	cat >etc/dkimguard.conf <<EOF
KeyTable keytable
SigningTable refile:signtable
Nameservers 127.0.0.1:$DNS_PORT
DNSTimeoutMs 500
PidFile $W/b/none.pid
EOF
	dns_zone example.com
	publish s1._domainkey.example.com "$(txt_of keys/example.com.s1.key)"
	dns_set example.com "v=spf1 -all"
	dns_set _dmarc.example.com "v=DMARC1; p=none"
	dns_reload
	C="-c etc/dkimguard.conf"
	expect 0 "check against DNS" "$K" $C check -d example.com
	grep -q 'no SPF\|no DMARC' "$W/err" && fail "SPF/DMARC warning despite records" ||
		ok "no SPF/DMARC warning with records"
	# a subdomain under the organizational domain's p=reject; sp=reject:
	# the inherited policy is reported, p=none never suggested
	dns_set _dmarc.example.com "v=DMARC1; p=reject; sp=reject"
	dns_set mail.example.com "v=spf1 -all"
	publish s1._domainkey.mail.example.com "$(txt_of keys/example.com.s1.key)"
	dns_reload
	expect 0 "check a subdomain with an inherited DMARC policy" \
	    "$K" $C check -d mail.example.com -s s1 -k keys/example.com.s1.key
	{ grep -q 'p=none' "$W/out" "$W/err" || grep -q 'DMARC' "$W/err"; } &&
		fail "suggests weakening the inherited policy: $(cat "$W/err")" ||
		ok "no DMARC warning, no p=none for the subdomain"
	grep -qxF "mail.example.com: no DMARC record of its own; it inherits example.com's (_dmarc.example.com: \"v=DMARC1; p=reject; sp=reject\"): p=reject applies" "$W/out" &&
		ok "the inherited policy is reported" ||
		fail "inherited policy not reported: $(cat "$W/out")"
	dns_del _dmarc.example.com
	dns_add mail.example.com "v=spf1 a -all" # two SPF records
	dns_reload
	expect 0 "check: no DMARC anywhere, two SPF records" \
	    "$K" $C check -d mail.example.com -s s1 -k keys/example.com.s1.key
	grep -qF 'mail.example.com has no DMARC record (TXT at _dmarc.mail.example.com, none at _dmarc.example.com, "v=DMARC1; p=none; ...")' "$W/err" &&
		ok "no DMARC at either name: p=none suggested" ||
		fail "no-DMARC warning: $(cat "$W/err")"
	grep -qF 'mail.example.com: SPF permerror: 2 SPF records at mail.example.com' "$W/err" &&
		ok "two SPF records: permerror warned" ||
		fail "two SPF records not warned: $(cat "$W/err")"
	dns_set _dmarc.example.com "v=DMARC1; p=none"
	dns_reload
	expect 0 "rotate start" "$K" $C rotate start -d example.com -s s2
	before=$(snap etc)
	expect 1 "activate refused: record missing" "$K" $C rotate activate -d example.com
	grep -q 'missing' "$W/err" && ok "says missing" || fail "no 'missing' in message"
	publish s2._domainkey.example.com "$(txt_of keys/example.com.s1.key)"
	dns_reload
	expect 1 "activate refused: record holds another key" \
	    "$K" $C rotate activate -d example.com
	grep -q 'mismatch' "$W/err" && ok "says mismatch" || fail "no 'mismatch' in message"
	"$K" $C rotate status | grep -q 'waiting for s2._domainkey' &&
		ok "status waits for the record" || fail "status text"
	"$K" $C --nameservers 127.0.0.1:1 rotate activate -d example.com >/dev/null 2>&1
	[ $? = 1 ] && ok "activate refused on DNS failure" || fail "DNS failure"
	[ "$before" = "$(snap etc)" ] && ok "refusals changed nothing" ||
		fail "refusals changed files"
	publish s2._domainkey.example.com "$(txt_of keys/example.com.s2.key)" 100
	dns_reload
	"$K" $C rotate status | grep -q 'published and matching' &&
		ok "status: ready to activate" || fail "status after publishing"
	expect 0 "activate with the record in three strings" \
	    "$K" $C rotate activate -d example.com
	grep -qx '\*@example.com s2._domainkey.example.com' etc/signtable &&
		ok "signing table switched" || fail "signing table: $(cat etc/signtable)"
	DKIMGUARD_NOW=2026-11-29T06:00:00Z expect 1 "retire refused after 6 days" \
	    "$K" $C rotate retire -d example.com
	DKIMGUARD_NOW=2026-11-29T06:00:00Z expect 0 "retire with --grace 5d" \
	    "$K" $C rotate retire -d example.com --grace 5d
	dns_set s1._domainkey.example.com "v=DKIM1; k=rsa; p="
	dns_reload
	cd "$ROOT" || exit 1
fi

# ---------------------------------------------------------------- part C
# selector_of FILE - s= of the first DKIM-Signature, "none" if unsigned
selector_of() {
	python3 - "$1" <<'EOF'
import re, sys
m = open(sys.argv[1], "rb").read().decode("latin-1")
m = re.sub(r"\r?\n[ \t]", " ", m)
r = re.search(r"^DKIM-Signature:.*?\bs=([^;\s]+)", m, re.M | re.I)
print(r.group(1) if r else "none")
EOF
}

# send N - one message through the milter: "ACTION SELECTOR"
send() {
	local out="$W/c/msg.$1"
	"$LOADGEN" --one -S "unix:$W/c/milter.sock" -m "$W/c/message" \
	    --from user@example.com --rcpt rcpt@example.net >"$out" 2>"$out.err"
	echo "$(sed -n 's/^ACTION=\([a-z]*\).*/\1/p' "$out.err") $(selector_of "$out")"
}

if [ $DNSOK = 1 ] && { [ ! -x "$MILTER" ] || [ ! -x "$LOADGEN" ]; }; then
	skip "C: milter/dkimguard or bench/loadgen is not built"
elif [ $DNSOK = 1 ]; then
	echo "== C: rotation under a running dkimguard"
	mkdir -p "$W/c/etc" "$W/c/keys"
	cd "$W/c" || exit 1
	"$K" genkey -d example.com -s old -o keys >/dev/null
	printf 'old._domainkey.example.com example.com:old:../keys/example.com.old.key\n' >etc/keytable
	printf 'example.com old._domainkey.example.com\n' >etc/signtable
	cat >etc/dkimguard.conf <<EOF
Socket unix:$W/c/milter.sock
PidFile $W/c/dkimguard.pid
KeyTable keytable
SigningTable signtable
Nameservers 127.0.0.1:$DNS_PORT
DNSTimeoutMs 500
LogLevel debug
EOF
	printf 'From: user@example.com\r\nTo: rcpt@example.net\r\nSubject: rotation\r\nDate: Mon, 23 Nov 2026 06:00:00 +0000\r\nMessage-ID: <r@example.com>\r\n\r\nbody\r\n' >message
	publish old._domainkey.example.com "$(txt_of keys/example.com.old.key)"
	dns_reload
	"$MILTER" -f -c etc/dkimguard.conf >milter.log 2>&1 &
	mpid=$!
	PIDS="$PIDS $mpid"
	for _ in $(seq 50); do [ -S milter.sock ] && break; sleep 0.1; done
	r=$(send 0)
	[ "$r" = "accept old" ] && ok "signed with the old selector" ||
		fail "before rotation: '$r' (log: $(tail -3 milter.log))"
	[ "$(cat dkimguard.pid.reloaded 2>/dev/null)" = "0 ok" ] &&
		ok "start-up report: 0 ok" ||
		fail "start-up report: '$(cat dkimguard.pid.reloaded 2>&1)'"
	"$K" -c etc/dkimguard.conf rotate start -d example.com -s new >/dev/null
	publish new._domainkey.example.com "$(txt_of keys/example.com.new.key)"
	dns_reload
	n=0
	( while [ ! -f stop ]; do n=$((n + 1)); echo "$(send "$n")" >>results; done ) &
	sender=$!
	# reloads back to back, each SIGHUP after the previous reload ended
	# (overlapping SIGHUPs are the milter's own test's business)
	( while [ ! -f stop ]; do
		c=$(grep -c 'reloaded\|refused' milter.log)
		kill -HUP "$mpid" 2>/dev/null || break
		for _ in $(seq 250); do
			[ "$(grep -c 'reloaded\|refused' milter.log)" -gt "$c" ] && break
			sleep 0.02
		done
	done ) &
	hupper=$!
	PIDS="$PIDS $sender $hupper"
	sleep 1
	"$K" -c etc/dkimguard.conf rotate activate -d example.com --reload-timeout 5 >act.out 2>&1
	rc=$?
	case $rc in
	0) grep -q 'reloaded (generation' act.out &&
	     ok "activate confirmed the milter's reload" ||
	     fail "activate did not see the milter: $(cat act.out)" ;;
	3) fail "activate: reload unconfirmed: $(cat act.out)" ;;
	*) fail "activate exit $rc: $(cat act.out)" ;;
	esac
	# mail keeps flowing a little after the switch; on a loaded machine
	# until at least 6 messages went through (30 s at most)
	sleep 2
	end=$((SECONDS + 30))
	while [ "$(wc -l <results)" -le 5 ] && ((SECONDS < end)); do
		sleep 0.2
	done
	touch stop
	wait "$sender" "$hupper" 2>/dev/null
	kill -0 "$mpid" 2>/dev/null && ok "the milter survived the SIGHUP storm" ||
		fail "the milter died: $(tail -5 milter.log)"
	r=$(send 999)
	[ "$r" = "accept new" ] && ok "signed with the new selector after activate" ||
		fail "after activate: '$r'"
	total=$(wc -l <results)
	bad=$(grep -cv '^accept \(old\|new\)$' results)
	[ "$total" -gt 5 ] && [ "$bad" = 0 ] &&
		ok "$total messages during the switch: none tempfailed or unsigned" ||
		fail "$bad of $total messages tempfailed or unsigned: $(sort results | uniq -c)"
	awk '$2 == "new" { seen = 1 } $2 == "old" && seen { bad = 1 } END { exit bad }' results &&
		ok "old selector until the switch, new after it, never back" ||
		fail "selectors out of order: $(tr '\n' ' ' <results)"
	grep -qi 'reload.*refused' milter.log &&
		fail "a reload was refused: $(grep -i 'reload.*refused' milter.log | head -3)" ||
		ok "$(grep -c 'reloaded' milter.log) reloads during the switch, none refused"
	# a refused reload: reported with a larger generation, then a good one
	read -r g0 _ <dkimguard.pid.reloaded
	cp etc/dkimguard.conf conf.good
	echo 'NoSuchOption 1' >>etc/dkimguard.conf
	kill -HUP "$mpid"
	for _ in $(seq 100); do
		read -r g1 st why <dkimguard.pid.reloaded
		[ "$g1" -gt "$g0" ] && break
		sleep 0.05
	done
	[ "$g1" -gt "$g0" ] && [ "$st" = failed ] && grep -q NoSuchOption <<<"$why" &&
		ok "refused reload reported: $g1 $st $why" ||
		fail "refused reload report: '$g1 $st $why' (before: $g0)"
	cp conf.good etc/dkimguard.conf
	kill -HUP "$mpid"
	for _ in $(seq 100); do
		read -r g2 st _ <dkimguard.pid.reloaded
		[ "$g2" -gt "$g1" ] && break
		sleep 0.05
	done
	[ "$g2" = $((g1 + 1)) ] && [ "$st" = ok ] && ok "next reload: $g2 ok" ||
		fail "after the fix: '$g2 $st' (refused one: $g1)"
	kill "$mpid"; wait "$mpid" 2>/dev/null
	[ ! -e dkimguard.pid.reloaded ] && ok "report removed at exit" ||
		fail "dkimguard.pid.reloaded left behind"
	cd "$ROOT" || exit 1
fi

kt_finish run-keytool
