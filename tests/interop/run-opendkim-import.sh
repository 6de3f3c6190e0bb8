#!/bin/bash
# run-opendkim-import.sh - an OpenDKIM set-up as a Debian admin writes it,
# imported with "dkimguard-keytool import-opendkim": OpenDKIM and dkimguard
# sign the same messages, dkimpy verifies both, and both take the same
# internal/external decision for every TrustedHosts entry.
#
# DESCRIPTION
#	The set-up: three domains with keys from opendkim-genkey (owned by
#	the opendkim user, mode 600), KeyTable and SigningTable refile:, a
#	TrustedHosts file with addresses, networks, an exclusion and host
#	names (localhost, and names of a private /etc/hosts), used for
#	InternalHosts and ExternalIgnoreList as the usual guides do, Socket
#	inet:PORT@localhost, Mode sv, and the lines of Debian's stock
#	/etc/opendkim.conf (Syslog, SyslogSuccess, Canonicalization
#	relaxed/simple, OversignHeaders From, UserID opendkim, UMask 007,
#	TrustAnchorFile).
#	1. import-opendkim writes dkimguard.conf; it must list exactly the
#	   lines dkimguard cannot carry (SyslogSuccess, UMask,
#	   TrustAnchorFile) and nothing else.
#	2. OpenDKIM (Debian's opendkim, -f) runs on the socket; each message
#	   (3 domains x 3 messages) goes through it with bench/loadgen --one
#	   from an internal client; then each TrustedHosts entry, and
#	   clients listed nowhere, send one message: signed or not.
#	3. OpenDKIM is stopped and dkimguard started on the same socket with
#	   the imported file, plus one line: TestKeys (the keys' records as
#	   a dns.tsv, since the test has no DNS for its domains).  The same
#	   messages and clients.
#	4. dkimpy verifies every signature of both (keys from the dns.tsv);
#	   every decision must match OpenDKIM's.
#	5. dkimguard alone with PeerList and ExternalIgnoreList (a host
#	   name) and On-BadSignature reject, fed a message whose body was
#	   changed after signing: an external client is refused, the
#	   ignored one accepted, the peer accepted at connect with nothing
#	   added (run before 4; its count is printed with the rest).
#	The host names resolve through a private /etc/hosts bind-mounted in
#	a mount namespace (unshare -m): OpenDKIM matches a name against the
#	client's name (loadgen --client-name), dkimguard resolves it to its
#	address, so each name-client connects with the name and its address.
#
# ENVIRONMENT
#	KEEP_WORK=1 keeps the work directory; DKIMGUARD_TEST_PORTS="LO-HI"
#	the port range (default 25000-25999).
#
# DIAGNOSTICS
#	Exit 0 when every signature verified and every decision matched,
#	1 otherwise, 77 when a part is missing (root, unshare, opendkim,
#	opendkim-genkey, dkimpy).  Prints the counts.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (UserID opendkim, a mount namespace)"
command -v opendkim >/dev/null || skip "opendkim not installed (apt-get install opendkim)"
command -v opendkim-genkey >/dev/null || skip "opendkim-genkey not installed (apt-get install opendkim-tools)"
id opendkim >/dev/null 2>&1 || skip "no opendkim user (Debian's opendkim package creates it)"
"$PY" -c 'import dkim' 2>/dev/null || skip "dkimpy not installed (apt-get install python3-dkim)"
command -v unshare >/dev/null || skip "unshare(1) is missing"
for b in milter/dkimguard keytool/dkimguard-keytool bench/loadgen; do
	[ -x "$ROOT/$b" ] || { echo "FAIL: $ROOT/$b not built (run make)"; exit 1; }
done

# the rest runs in a mount namespace with its own /etc/hosts
if [ -z "${ODKI_IN_NS:-}" ]; then
	unshare -m true 2>/dev/null || skip "cannot create a mount namespace here (unshare -m)"
	ODKI_IN_NS=1 exec unshare -m bash "$0" "$@"
fi

. "$ROOT/tests/e2e/lib/postfix.sh"	# pf_daemon, pf_daemon_stop, pf_on_exit
. "$ROOT/tests/e2e/lib/dns.sh"		# dns_free_port

W=$(mktemp -d "${TMPDIR:-/tmp}/dkimguard-odkimport.XXXXXX") || exit 1
chmod 755 "$W"
# removed last (postfix.sh runs the exit commands in reverse order)
if [ "${KEEP_WORK:-0}" = 1 ]; then
	pf_on_exit echo "work directory kept: $(pf__q "$W")" ">&2"
else
	pf_on_exit rm -rf "$(pf__q "$W")"
fi

# private host names (the namespace's /etc/hosts only)
cp /etc/hosts "$W/hosts"
cat >>"$W/hosts" <<'EOF'
127.0.0.21	relay-a.odk.test
127.0.0.22	relay-b.odk.test
EOF
mount --bind "$W/hosts" /etc/hosts || skip "cannot bind-mount /etc/hosts"
getent hosts relay-a.odk.test >/dev/null || { echo "FAIL: private /etc/hosts not used"; exit 1; }

# OpenDKIM refuses keys below a folder others may write (/tmp): the
# set-up lives in /etc/dkimkeys, Debian's key folder, replaced by a
# folder of the work directory inside this mount namespace only
DOMAINS="example.com example.net example.org"
E=/etc/dkimkeys
mkdir -p "$W/dkimkeys" "$W/run" "$W/out"
mount --bind "$W/dkimkeys" "$E" || skip "cannot bind-mount $E"
mkdir -p "$E/keys"
chown opendkim "$W/run"
: >"$E/KeyTable"; : >"$E/SigningTable"; : >"$W/dns.tsv"
for d in $DOMAINS; do
	s=mail2026
	mkdir -p "$E/keys/$d"
	opendkim-genkey -D "$E/keys/$d" -d "$d" -s "$s" -b 2048 || { echo "FAIL: opendkim-genkey"; exit 1; }
	chmod 700 "$E/keys/$d"; chmod 600 "$E/keys/$d/$s.private"
	echo "$s._domainkey.$d $d:$s:$E/keys/$d/$s.private" >>"$E/KeyTable"
	echo "*@$d $s._domainkey.$d" >>"$E/SigningTable"
	printf '%s._domainkey.%s\t%s\n' "$s" "$d" \
		"$(grep -o '"[^"]*"' "$E/keys/$d/$s.txt" | tr -d '"\n')" >>"$W/dns.tsv"
done

chown -R opendkim:opendkim "$E"; chmod 700 "$E"

# TrustedHosts: address, network, exclusion inside it, host names
cat >"$E/TrustedHosts" <<'EOF'
# hosts whose mail is signed
127.0.0.1
::1
localhost
10.20.30.40
192.168.50.0/24
!192.168.50.66
relay-a.odk.test
relay-b.odk.test
EOF
# CLIENT lines: ADDR NAME WHY (one per TrustedHosts entry, and others)
cat >"$W/clients" <<'EOF'
127.0.0.1 unknown 127.0.0.1
::1 unknown ::1
127.0.0.1 localhost localhost
10.20.30.40 unknown 10.20.30.40
192.168.50.7 unknown 192.168.50.0/24
192.168.50.66 unknown !192.168.50.66
127.0.0.21 relay-a.odk.test relay-a.odk.test
127.0.0.22 relay-b.odk.test relay-b.odk.test
10.20.30.41 unknown (listed nowhere)
127.0.0.23 unknown (listed nowhere)
192.168.51.7 unknown (listed nowhere)
203.0.113.9 mx.elsewhere.example (listed nowhere)
EOF

PORT=$(dns_free_port "${DKIMGUARD_TEST_PORTS:-25000-25999}") || { echo "FAIL: no free port"; exit 1; }
cat >"$E/opendkim.conf" <<EOF
# This is a basic configuration for signing and verifying, as in Debian.
Syslog			yes
SyslogSuccess		yes
Canonicalization	relaxed/simple
Mode			sv
SubDomains		no
OversignHeaders		From
UserID			opendkim
UMask			007
Socket			inet:$PORT@localhost
PidFile			$W/run/opendkim.pid
TrustAnchorFile		/usr/share/dns/root.key

KeyTable		refile:$E/KeyTable
SigningTable		refile:$E/SigningTable
ExternalIgnoreList	refile:$E/TrustedHosts
InternalHosts		refile:$E/TrustedHosts
EOF

fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. the import
"$ROOT/keytool/dkimguard-keytool" import-opendkim "$E/opendkim.conf" \
	-o "$W/dkimguard.conf" 2>"$W/import.err"
irc=$?
cat "$W/import.err"
[ "$irc" = 1 ] || bad "import-opendkim exit $irc, want 1 (written, some lines not carried)"
notc=$(grep -c "^dkimguard-keytool: $E/opendkim.conf:[0-9]*: option" "$W/import.err")
for o in SyslogSuccess UMask TrustAnchorFile; do
	grep -q "opendkim.conf:[0-9]*: option '$o'" "$W/import.err" || bad "import did not list $o"
done
[ "$notc" = 3 ] || bad "import listed $notc options, want 3"
grep -qx 'Mode *both' "$W/dkimguard.conf" || bad "Mode sv not imported as both"
echo "TestKeys $W/dns.tsv" >>"$W/dkimguard.conf"
"$ROOT/milter/dkimguard" -n -c "$W/dkimguard.conf" >"$W/check.out" 2>&1 ||
	{ cat "$W/check.out"; bad "dkimguard -n refuses the imported file"; }

# send_all NAME - the signing messages, then one message per client
send_all() {
	local name=$1 d i addr cname why n=0
	for d in $DOMAINS; do
		for i in 1 2 3; do
			printf 'From: User %s <user%s@%s>\r\nTo: bob@elsewhere.example\r\nSubject: import test %s %s\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%s.%s.%s@%s>\r\n\r\nHello from %s, message %s.\r\n' \
				"$i" "$i" "$d" "$d" "$i" "$name" "$i" "$d" "$d" "$d" "$i" >"$W/out/in.$d.$i"
			timeout 60 "$ROOT/bench/loadgen" --one -S "inet:$PORT@127.0.0.1" \
				-m "$W/out/in.$d.$i" --client-addr 127.0.0.1 --from "user$i@$d" \
				>"$W/out/$name.sign.$d.$i.eml" 2>"$W/out/$name.sign.$d.$i.act" || bad "$name: loadgen failed for $d #$i"
		done
	done
	while read -r addr cname why; do
		n=$((n + 1))
		timeout 60 "$ROOT/bench/loadgen" --one -S "inet:$PORT@127.0.0.1" \
			-m "$W/out/in.example.com.1" --client-addr "$addr" --client-name "$cname" \
			--from user1@example.com >"$W/out/$name.client.$n.eml" 2>/dev/null ||
			bad "$name: loadgen failed for client $addr"
		if grep -qi '^DKIM-Signature:' "$W/out/$name.client.$n.eml"; then
			echo "$why internal"
		else
			echo "$why external"
		fi >>"$W/$name.decisions"
	done <"$W/clients"
}

# start_wait NAME CMD... - a daemon, then its TCP port answering
start_wait() {
	local name=$1 end
	shift
	pf_daemon "$W" "$name" "$@"
	end=$((SECONDS + 20))
	until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
		kill -0 "$(cat "$W/$name.pid")" 2>/dev/null || break
		((SECONDS < end)) || break
		sleep 0.2
	done
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
	tail -n 5 "$W/$name.log"
	return 1
}

# 2. OpenDKIM
if start_wait opendkim opendkim -f -x "$E/opendkim.conf"; then
	send_all opendkim
	pf_daemon_stop "$W" opendkim
else
	bad "opendkim did not start"
fi
# 3. dkimguard on the same socket, from the imported file
for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break; sleep 0.2; done
if start_wait dkimguard "$ROOT/milter/dkimguard" -f -c "$W/dkimguard.conf"; then
	send_all dkimguard
	pf_daemon_stop "$W" dkimguard
else
	bad "dkimguard did not start"
fi

# 5. dkimguard alone: PeerList and ExternalIgnoreList (a host name) with
# On-BadSignature reject, on a message whose signature no longer verifies
cat >"$W/lists.conf" <<EOF
Socket inet:$PORT@localhost
PidFile $W/run/lists.pid
Mode sv
InternalHosts 127.0.0.1
PeerList 192.0.2.0/24
ExternalIgnoreList relay-b.odk.test
On-BadSignature reject
TestKeys $W/dns.tsv
EOF
sed 's/^Hello from/Hello (changed) from/' "$W/out/dkimguard.sign.example.com.1.eml" >"$W/out/broken.eml"
lists_ok=0
for i in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break; sleep 0.2; done
if start_wait lists "$ROOT/milter/dkimguard" -f -c "$W/lists.conf"; then
	# CLIENT WANT: reject; accept (ignored: not refused); peer (accepted
	# at connect, nothing added)
	while read -r addr want; do
		timeout 60 "$ROOT/bench/loadgen" --one -S "inet:$PORT@127.0.0.1" -m "$W/out/broken.eml" \
			--client-addr "$addr" >"$W/out/lists.$addr.eml" 2>"$W/out/lists.$addr.act"
		got=$(sed -n 's/^ACTION=\([a-z]*\).*/\1/p' "$W/out/lists.$addr.act")
		if [ "$got" = accept ] && ! grep -qi '^Authentication-Results:' "$W/out/lists.$addr.eml"; then
			got=peer
		fi
		echo "lists: client $addr: $got (want $want)"
		if [ "$got" = "$want" ]; then lists_ok=$((lists_ok + 1)); else bad "client $addr: $got, want $want"; fi
	done <<EOF
203.0.113.9 reject
127.0.0.22 accept
192.0.2.5 peer
EOF
	pf_daemon_stop "$W" lists
else
	bad "dkimguard (lists.conf) did not start"
fi
echo "lists: $lists_ok of 3 PeerList/ExternalIgnoreList outcomes as wanted"

# 4. dkimpy verifies both; the decisions compared
want=0
for d in $DOMAINS; do for i in 1 2 3; do want=$((want + 1)); done; done
for name in opendkim dkimguard; do
	"$PY" "$ROOT/tests/interop/dkimpy_tool.py" verify "$W/dns.tsv" "$W"/out/$name.sign.*.eml \
		>"$W/$name.verify" 2>&1
	pass=$(awk -F'\t' '$3 == "pass" { n++ } END { print n + 0 }' "$W/$name.verify")
	dom=$(for d in $DOMAINS; do grep -l "^DKIM-Signature:.*" "$W"/out/$name.sign.$d.*.eml 2>/dev/null |
		xargs -r grep -il "d=$d;" ; done | wc -l)
	echo "$name: $pass of $want signatures verified by dkimpy ($dom with d= the From: domain)"
	[ "$pass" = "$want" ] && [ "$dom" = "$want" ] || { grep -v $'\tpass\t' "$W/$name.verify" | head -5; bad "$name: $pass/$want verified"; }
done
nclients=$(wc -l <"$W/clients")
same=0
if [ -s "$W/opendkim.decisions" ] && [ -s "$W/dkimguard.decisions" ]; then
	same=$(paste -d'|' "$W/opendkim.decisions" "$W/dkimguard.decisions" |
		awk -F'|' '$1 == $2 { n++ } END { print n + 0 }')
	paste "$W/opendkim.decisions" "$W/dkimguard.decisions" | sed 's/^/  opendkim: /; s/\t/   dkimguard: /'
fi
internal=$(grep -c ' internal$' "$W/dkimguard.decisions" 2>/dev/null)
echo "decisions: $same of $nclients clients the same ($internal internal for dkimguard; $(grep -vc '^#' "$E/TrustedHosts") TrustedHosts entries)"
[ "$same" = "$nclients" ] || bad "decisions differ"
[ "$fail" = 0 ] && echo "PASS: opendkim-import" || exit 1
