#!/bin/bash
# run-deb.sh - the Debian package installed the way an admin installs it,
# with Debian's Postfix as its package ships it, delivers signed mail.
#
# Builds the package (make -f Makefile deb), then in a private mount and
# network namespace (unshare -m -n) puts overlays over /etc, /var and /usr
# (so dpkg, adduser and postfix change nothing on this machine) and a
# fresh /run, and there:
#   - dpkg -i the package: service user and group, /etc/dkimguard/keys
#     (dkimguard, 0700), the socket folder in Postfix's chroot
#     (dkimguard:postfix, 2750); "dkimguard -n" accepts the sample
#     configuration at once (exit 0) and says what to do next;
#   - follows the README's "On a Debian host" steps: genkey, tables (-n: exit
#     2, the record is missing), publish (-n: exit 0; unbound
#     serving example.com on port 53 of the namespace's loopback, named in
#     /etc/resolv.conf), key and signing table lines, the main.cf lines;
#   - starts the daemon the way the unit does: User=, Group=,
#     RuntimeDirectory=, RuntimeDirectoryMode=, UMask= and ExecStart= are
#     READ FROM the installed unit file;
#   - starts Debian's Postfix with its master.cf exactly as shipped (smtpd,
#     cleanup, pickup chrooted) and main.cf as its postinst wrote it, plus
#     the README's lines and a log file (maillog_file: there is no syslog);
#   - mail over SMTP on 127.0.0.1:25 and through sendmail(1) reaches a
#     local mailbox signed, and dkimpy verifies it through that DNS;
#   - a second instance refuses to start and names the first;
#   - the unit's ExecReload with a broken key exits non-zero, and mail
#     stays signed; with the key back it exits 0;
#   - rotate start/activate (as the README shows) switches the selector
#     with no message refused;
#   - DMARC and SPF published, OutboundAddresses added, ExecReload: -n
#     shows the domain ready and mail is predicted outlook=yes (a reload
#     asks the cached DMARC and SPF answers again);
#   - the sample's commented inet Socket line instead, Postfix's milter
#     on that port: mail is signed and the daemon, as the service user,
#     finds each TCP session's socket (immediate ACKs); then back;
#   - DNS down when the daemon starts: after a restart the key kept in
#     the state file signs under grace; on a first start (no state file)
#     mail gets 451 until DNS is back, then goes through signed;
#   - a stop removes the PID file and the socket;
#   - dpkg --remove keeps /etc/dkimguard, --purge removes it.
# Every process started in the namespace is stopped before it ends.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

if [ "${1:-}" != --inner ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i in a mount namespace)"
	for t in unshare setpriv dpkg-buildpackage dh lintian /usr/sbin/postfix \
	    /usr/sbin/unbound ip; do
		command -v "$t" >/dev/null ||
			skip "$t is missing (scripts/deps.sh check installs it)"
	done
	/usr/bin/python3 -c 'import dkim, dns.resolver' 2>/dev/null ||
		skip "python3-dkim and python3-dnspython are missing"
	unshare -m -n true 2>/dev/null ||
		skip "cannot create mount and network namespaces here"
	echo "building the package (make -f Makefile deb)"
	(cd "$TOP" && make -f Makefile deb) >"$TOP/build/run-deb.build.log" 2>&1 ||
		fail "make deb failed; see build/run-deb.build.log"
	deb=$(ls -t "$TOP"/build/dkimguard_*.deb | head -n 1)
	W=$(mktemp -d /tmp/dkimguard-deb.XXXXXX)
	unshare -m -n "$0" --inner "$deb" "$W"
	rc=$?
	rm -rf "$W"
	exit $rc
fi

DEB=$2 W=$3
export DEBIAN_FRONTEND=noninteractive
mount --make-rprivate / || fail "mount --make-rprivate"
mount -t tmpfs -o mode=755 dkimguard-test "$W" || fail "tmpfs on $W"
for d in etc var usr; do
	mkdir "$W/$d.up" "$W/$d.wk"
	mount -t overlay "overlay-$d" \
	    -o "lowerdir=/$d,upperdir=$W/$d.up,workdir=$W/$d.wk" "/$d" ||
		skip "cannot mount an overlay over /$d"
done
mount -t tmpfs -o mode=755 run /run || fail "tmpfs on /run"
mkdir -p /run/lock
ip link set lo up || fail "lo up"
mkdir -p "$W/t"
T=$W/t

. "$TOP/tests/e2e/lib/postfix.sh"
. "$TOP/tests/e2e/lib/dns.sh"
NSNET=$(readlink /proc/self/ns/net)
# stop_namespace - every process left in this network namespace is one this
# script started (the namespace is its own): stop them all
stop_namespace() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$NSNET" ] &&
			kill -9 "${p#/proc/}" 2>/dev/null
	done
}
pf_on_exit stop_namespace
pf_on_exit dns_stop

checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }

# --- the host: names and DNS on the namespace's loopback -------------------
rm -f /etc/resolv.conf
echo "nameserver 127.0.0.1" >/etc/resolv.conf
dns_start "$W/dns" 53 || fail "unbound did not start"
dns_zone example.com
dns_reload

# --- install ----------------------------------------------------------------
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1 || { cat "$T/dpkg-i.log"; fail "dpkg -i"; }
ok "dpkg -i $(basename "$DEB")"
getent passwd dkimguard >/dev/null && getent group dkimguard >/dev/null ||
	fail "no service user and group dkimguard"
[ "$(stat -c '%U %a' /etc/dkimguard/keys)" = "dkimguard 700" ] ||
	fail "/etc/dkimguard/keys is $(stat -c '%U %a' /etc/dkimguard/keys)"
[ "$(stat -c '%U:%G %a' /var/spool/postfix/dkimguard)" = "dkimguard:postfix 2750" ] ||
	fail "socket folder is $(stat -c '%U:%G %a' /var/spool/postfix/dkimguard)"
ok "service user, key folder dkimguard 0700, socket folder dkimguard:postfix 2750"
dkimguard -n >"$T/n0.out" 2>&1; rc=$?
[ $rc = 0 ] || { cat "$T/n0.out"; fail "dkimguard -n right after install: exit $rc"; }
grep -q "next: dkimguard-keytool genkey" "$T/n0.out" ||
	{ cat "$T/n0.out"; fail "dkimguard -n does not say what to do next"; }
ok "dkimguard -n accepts the installed sample (exit 0) and says what to do next"

# --- the unit, as systemd would run it --------------------------------------
UNIT=/lib/systemd/system/dkimguard.service
[ -f "$UNIT" ] || fail "the package installed no $UNIT"
uval() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
U=$(uval User) G=$(uval Group) RD=$(uval RuntimeDirectory)
RDM=$(uval RuntimeDirectoryMode) UM=$(uval UMask)
START=$(uval ExecStart) RELOAD=$(uval ExecReload)
[ -n "$U" ] && [ -n "$G" ] && [ -n "$RD" ] && [ -n "$START" ] &&
	[ -n "$RELOAD" ] || fail "the unit lacks User/Group/RuntimeDirectory/ExecStart/ExecReload"
echo "unit: User=$U Group=$G RuntimeDirectory=$RD mode ${RDM:-0755} UMask=${UM:-0022}"
# as_unit CMDLINE - run a unit command line as systemd would: the user,
# its group and supplementary groups, the umask; stdin from /dev/null
as_unit() {
	(umask "${UM:-0022}" && exec setpriv --reuid="$U" --regid="$G" \
	    --init-groups -- $1 </dev/null)
}
start_unit() {
	install -d -o "$U" -g "$G" -m "${RDM:-0755}" "/run/$RD"
	pf_daemon "$W" dkimguard bash -c "umask ${UM:-0022} && exec setpriv \
	    --reuid=$U --regid=$G --init-groups -- $START"
}
CONF=/etc/dkimguard/dkimguard.conf
SOCK=$(sed -n 's/^Socket[[:space:]]*unix://p' "$CONF")
PIDF=$(sed -n 's/^PidFile[[:space:]]*//p' "$CONF")
[ -n "$SOCK" ] && [ -n "$PIDF" ] || fail "no unix Socket or PidFile in $CONF"
wait_file() {		# wait_file TEST PATH SECONDS
	local end=$((SECONDS + $3))
	while ((SECONDS <= end)); do
		test "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}

# --- the README's steps: key, record, tables --------------------------------
dkimguard-keytool genkey -d example.com -s s2026 --owner dkimguard \
    -o /etc/dkimguard/keys >"$T/genkey.out" 2>&1 ||
	{ cat "$T/genkey.out"; fail "genkey"; }
publish() {		# publish SELECTOR: the one-line record genkey printed
	local rec
	rec=$(dkimguard-keytool dns -d example.com -s "$1" \
	    -k "/etc/dkimguard/keys/example.com.$1.key" | tail -n 1)
	[ "${rec#v=DKIM1}" != "$rec" ] || fail "no record for $1: $rec"
	dns_set "$1._domainkey.example.com" $(echo "$rec" | tr -d ' ' | fold -w 250)
	dns_reload
}
echo "s2026 example.com s2026 /etc/dkimguard/keys/example.com.s2026.key" \
    >>/etc/dkimguard/keytable
echo "example.com s2026" >>/etc/dkimguard/signingtable
# not published yet: it loads, but the key is not valid (exit 2)
dkimguard -n >"$T/n1.out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "s2026.*missing" "$T/n1.out" ||
	{ cat "$T/n1.out"; fail "dkimguard -n before publishing: exit $rc, wanted 2 (missing)"; }
publish s2026
dkimguard -n >"$T/n2.out" 2>&1; rc=$?
[ $rc = 0 ] || { cat "$T/n2.out"; fail "dkimguard -n with the key published: exit $rc"; }
ok "genkey --owner dkimguard; dkimguard -n: exit 2 before the record is published, 0 after"

start_unit
wait_file -S "$SOCK" 10 || { cat "$W/dkimguard.log"; fail "no socket $SOCK"; }
[ "$(stat -c '%U:%G %a' "$SOCK")" = "dkimguard:postfix 660" ] ||
	fail "socket is $(stat -c '%U:%G %a' "$SOCK")"
ok "daemon started as the unit starts it; socket dkimguard:postfix 0660 in the chroot"

# a second instance refuses and names the first; its stderr stands for
# the journal (JOURNAL_STREAM names that file, as systemd names its
# stream), so its lines must carry sd-daemon priorities: <3> for errors
: >"$T/second.out"
JOURNAL_STREAM=$(stat -c %d:%i "$T/second.out") as_unit "$START" \
    >>"$T/second.out" 2>&1 && fail "a second instance started"
grep -q "already running as pid $(cat "$PIDF")" "$T/second.out" ||
	{ cat "$T/second.out"; fail "the second instance does not name the first"; }
[ -S "$SOCK" ] || fail "the second instance removed the first one's socket"
grep -q "^<3>PidFile $PIDF: dkimguard is already running" "$T/second.out" &&
	! grep -vq '^<[0-7]>' "$T/second.out" ||
	{ cat "$T/second.out"; fail "journal lines without <N> priorities"; }
ok "a second instance refuses: $(grep -o 'already running as pid [0-9]*' "$T/second.out"); its journal lines carry priorities"

# --- Debian's Postfix, as shipped + the README's lines ----------------------
cmp -s /etc/postfix/master.cf /usr/share/postfix/master.cf.dist ||
	cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
grep -Eq '^cleanup +unix +n +- +y' /etc/postfix/master.cf ||
	fail "master.cf does not chroot cleanup: not as Debian ships it"
# the README's main.cf lines, taken from the README itself
sed -n '/^## On a Debian host/,/^## /p' "$TOP/README.md" |
    sed -n 's/^    \(smtpd_milters\|non_smtpd_milters\|milter_default_action\|milter_protocol\) = \([^#]*[^# ]\).*/\1 = \2/p' \
    >"$T/main.cf.lines"
[ "$(wc -l <"$T/main.cf.lines")" = 4 ] ||
	fail "README's Debian section does not hold the 4 main.cf lines"
while read -r line; do postconf -e "$line"; done <"$T/main.cf.lines"
postconf -e "maillog_file = /var/log/postfix-test.log"	# no syslog here
newaliases
useradd -M -s /usr/sbin/nologin dgrcpt
/usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1
postfix start >"$T/postfix-start.log" 2>&1 || { cat "$T/postfix-start.log"; fail "postfix start"; }
pf_on_exit postfix stop
pf_wait_port 25 20 || fail "Postfix does not listen on 127.0.0.1:25"
ok "Debian's Postfix started (master.cf as shipped, chroot y) with $(paste -sd';' "$T/main.cf.lines")"

# --- mail ---------------------------------------------------------------------
MBOX=/var/mail/dgrcpt
n=0
message() {		# message SUBJECT: a file to send
	n=$((n + 1))
	printf 'From: Sender <sender@example.com>\r\nTo: dgrcpt@localhost\r\nSubject: %s\r\nMessage-ID: <deb-%d@example.com>\r\n\r\nHello from the package test, message %d.\r\n' \
	    "$1" "$n" "$n" >"$T/msg$n.eml"
	echo "$T/msg$n.eml"
}
mbox_count() {
	/usr/bin/python3 -c 'import mailbox,sys; print(len(mailbox.mbox(sys.argv[1])))' "$MBOX" 2>/dev/null || echo 0
}
wait_mbox() {		# wait_mbox COUNT
	local end=$((SECONDS + 30))
	while ((SECONDS <= end)); do
		[ "$(mbox_count)" -ge "$1" ] && return 0
		sleep 0.2
	done
	tail -n 20 /var/log/postfix-test.log
	fail "mailbox holds $(mbox_count) messages, not $1"
}
# verify_last SELECTOR: the newest delivered message verifies with dkimpy
# (its own DNS lookup through /etc/resolv.conf) and was signed by SELECTOR
verify_last() {
	/usr/bin/python3 - "$MBOX" "$1" <<'PY'
import mailbox, re, sys, dkim
mb = mailbox.mbox(sys.argv[1])
raw = mb.get_bytes(len(mb) - 1)
sig = re.search(rb'^DKIM-Signature:.*?(?=^\S)', raw, re.M | re.S)
if sig is None:
    sys.exit("not signed:\n" + raw.decode(errors="replace")[:600])
tags = dict(t.strip().split(b"=", 1) for t in
            re.sub(rb"\s+", b"", sig.group(0)[15:]).split(b";") if b"=" in t)
if tags.get(b"s") != sys.argv[2].encode() or tags.get(b"d") != b"example.com":
    sys.exit("signed by d=%s s=%s" % (tags.get(b"d"), tags.get(b"s")))
if not dkim.verify(raw):
    sys.exit("dkimpy: signature does not verify")
print("PASS d=example.com s=%s" % sys.argv[2])
PY
}
send_smtp() {		# send_smtp FILE: 250 expected
	local reply
	reply=$(pf_send 25 sender@example.com dgrcpt@localhost "$1") ||
		fail "SMTP refused $1: $reply"
}
send_smtp "$(message 'over SMTP')"
wait_mbox 1
out=$(verify_last s2026) || fail "SMTP message: $out"
ok "SMTP on 127.0.0.1:25 -> signed, dkimpy: $out"
/usr/sbin/sendmail -f sender@example.com dgrcpt@localhost <"$(message 'through sendmail(1)')" ||
	fail "sendmail(1) refused the message"
wait_mbox 2
out=$(verify_last s2026) || fail "sendmail(1) message: $out"
ok "sendmail(1) -> pickup -> cleanup (chrooted) -> signed, dkimpy: $out"

# --- reload with a broken key ---------------------------------------------------
KEY=/etc/dkimguard/keys/example.com.s2026.key
cp -p "$KEY" "$T/good.key"
echo "not a key" >"$KEY"
dkimguard -n >"$T/n3.out" 2>&1; rc=$?
[ $rc = 1 ] || { cat "$T/n3.out"; fail "dkimguard -n with a broken key: exit $rc, wanted 1"; }
as_unit "$RELOAD" >"$T/reload-bad.out" 2>&1 && { cat "$T/reload-bad.out"; fail "ExecReload accepted a broken key"; }
grep -q "example.com.s2026.key" "$T/reload-bad.out" ||
	{ cat "$T/reload-bad.out"; fail "ExecReload does not name the broken key"; }
ok "broken key: dkimguard -n exit 1; ExecReload ($RELOAD) exits non-zero and names the key"
send_smtp "$(message 'after the refused reload')"
wait_mbox 3
out=$(verify_last s2026) || fail "after the refused reload: $out"
ok "mail after the refused reload stays signed: $out"
cp -p "$T/good.key" "$KEY"
as_unit "$RELOAD" >"$T/reload-good.out" 2>&1 || { cat "$T/reload-good.out"; fail "ExecReload with the key back"; }
grep -q "reloaded (generation" "$T/reload-good.out" || { cat "$T/reload-good.out"; fail "no reload confirmation"; }
ok "ExecReload with the key back: exit 0, $(grep -o 'reloaded (generation [0-9]*)' "$T/reload-good.out")"

# --- rotation as the README shows -------------------------------------------
dkimguard-keytool rotate start -d example.com -s s2027 --owner dkimguard \
    >"$T/rot-start.out" 2>&1 || { cat "$T/rot-start.out"; fail "rotate start"; }
publish s2027
send_smtp "$(message 'during the rotation')"
wait_mbox 4
out=$(verify_last s2026) || fail "during the rotation: $out"
dkimguard-keytool rotate activate -d example.com >"$T/rot-act.out" 2>&1 ||
	{ cat "$T/rot-act.out"; fail "rotate activate: exit $?"; }
send_smtp "$(message 'after activate')"
wait_mbox 5
out=$(verify_last s2027) || fail "after activate: $out"
ok "rotate start + publish + activate: s2026 -> s2027, no message refused: $out"

# --- Outlook readiness as an operator turns it on ------------------------------
# DMARC and SPF published, OutboundAddresses added to the installed
# configuration, ExecReload: -n shows the domain's readiness, and mail
# through Debian's Postfix is predicted to meet Outlook's rules (the first
# one may find the background lookups still pending: a few are sent)
dns_set "_dmarc.example.com" "v=DMARC1; p=none"
dns_set "example.com" "v=spf1 ip4:127.0.0.1 -all"
dns_reload
echo "OutboundAddresses 127.0.0.1" >>"$CONF"
as_unit "$RELOAD" >"$T/reload-outbound.out" 2>&1 ||
	{ cat "$T/reload-outbound.out"; fail "ExecReload with OutboundAddresses"; }
dkimguard -n >"$T/n4.out" 2>&1; rc=$?
[ $rc = 0 ] &&
	grep -qF 'ok    _dmarc.example.com: "v=DMARC1; p=none": p=none applies to example.com' "$T/n4.out" &&
	grep -q '127.0.0.1.*pass' "$T/n4.out" ||
	{ cat "$T/n4.out"; fail "dkimguard -n: exit $rc, or no readiness lines for example.com's DMARC and SPF"; }
pred=""
for i in 1 2 3 4 5; do
	n=$(mbox_count)
	send_smtp "$(message "outlook $i")"
	wait_mbox $((n + 1))
	pred=$(grep -o 'outlook=[a-z]*' "$W/dkimguard.log" | tail -n 1)
	[ "$pred" = outlook=yes ] && break
	sleep 1
done
line=$(grep 'qid=.*outlook=' "$W/dkimguard.log" | tail -n 1)
[ "$pred" = outlook=yes ] && grep -q ' spf=pass .*dmarc=pass ' <<<"$line" ||
	{ echo "$line"; fail "no outlook=yes prediction after $i messages (last: ${pred:-none})"; }
ok "OutboundAddresses + DMARC + SPF: -n shows example.com ready; message $i logged spf=pass dmarc=pass outlook=yes"

# --- over TCP, as the installed sample's commented line offers ----------------
# Postfix (chroot and all) reaches a TCP milter without the spool socket;
# the daemon, started by the unit as its service user, must find each
# session's socket after dropping privileges and sign every message
pf_daemon_stop "$W" dkimguard
cp -p "$CONF" "$T/unix.conf"
TCP_SOCK=$(sed -n 's/^#\(Socket[[:space:]]*inet:[0-9]*@127\.0\.0\.1\)[[:space:]]*$/\1/p' "$CONF")
[ -n "$TCP_SOCK" ] || fail "the installed sample offers no commented inet Socket line"
TCP_PORT=$(echo "$TCP_SOCK" | sed 's/.*inet:\([0-9]*\)@.*/\1/')
sed -i "s|^Socket[[:space:]]*unix:.*|$TCP_SOCK|" "$CONF"
postconf -e "smtpd_milters = inet:127.0.0.1:$TCP_PORT"
postfix reload >/dev/null 2>&1
start_unit
pf_wait_port "$TCP_PORT" 20 || { cat "$W/dkimguard.log"; fail "nothing listens on 127.0.0.1:$TCP_PORT"; }
for i in 1 2 3 4 5; do
	n=$(mbox_count)
	send_smtp "$(message "over TCP $i")"
	wait_mbox $((n + 1))
	out=$(verify_last s2027) || fail "over TCP, message $i: $out"
done
grep -q "TCP sessions: immediate ACKs on the session socket" "$W/dkimguard.log" ||
	{ grep "TCP sessions" "$W/dkimguard.log"; fail "over TCP the daemon did not find the session socket"; }
ok "Socket ${TCP_SOCK##*[[:space:]]} (the sample's line) behind the chrooted Postfix: 5 of 5 signed, dkimpy: $out; the session socket found as user $U"
# back to the spool socket for the stop checks
pf_daemon_stop "$W" dkimguard
cp -p "$T/unix.conf" "$CONF"
while read -r line; do postconf -e "$line"; done <"$T/main.cf.lines"
postfix reload >/dev/null 2>&1
start_unit
wait_file -S "$SOCK" 10 || { cat "$W/dkimguard.log"; fail "no socket $SOCK after going back to it"; }

# --- DNS down when the daemon starts ---------------------------------------------
# restart_down: the daemon stopped (it writes its state file), DNS
# stopped, the daemon started again as the unit does: the key valid at
# its last check signs under GuardGrace, and dkimpy verifies the message
# once DNS is back
pf_daemon_stop "$W" dkimguard
dns_stop
start_unit
wait_file -S "$SOCK" 10 || { cat "$W/dkimguard.log"; fail "no socket with DNS down"; }
grep -q "key(s) restored from" "$W/dkimguard.log" ||
	{ cat "$W/dkimguard.log"; fail "DNS down at start: no key restored from the state file"; }
n=$(mbox_count)
send_smtp "$(message 'DNS down at start')"
wait_mbox $((n + 1))
grep -q "sig1_guard=dns-temperror sig1_result=signed" "$W/dkimguard.log" ||
	{ tail -n 5 "$W/dkimguard.log"; fail "DNS down at start: the message was not signed under grace"; }
dns_restart || fail "unbound did not start again"
out=$(verify_last s2027) || fail "signed while DNS was down: $out"
ok "restart with DNS down: $(grep -o 'guard: [0-9]* key(s) restored from [^ ]*' "$W/dkimguard.log"); mail signed under grace (sig1_guard=dns-temperror); DNS back, dkimpy: $out"

# the first start ever with DNS down: no state file, so the key was never
# seen valid and GuardAction tempfail refuses with 451 (the sender keeps the
# message); DNS back, the same message goes through signed within seconds
pf_daemon_stop "$W" dkimguard
STATE=$(sed -n 's/.*guard: [0-9]* key(s) restored from \([^ ]*\).*/\1/p' "$W/dkimguard.log" | tail -n 1)
[ -f "$STATE" ] || fail "no state file at '$STATE'"
rm -f "$STATE"
dns_stop
start_unit
wait_file -S "$SOCK" 10 || { cat "$W/dkimguard.log"; fail "no socket with DNS down, no state file"; }
m=$(message 'DNS down, never checked')
reply=$(pf_send 25 sender@example.com dgrcpt@localhost "$m") &&
	fail "DNS down, key never checked: accepted ($reply); GuardAction tempfail refuses"
[[ $reply == 451* ]] || fail "DNS down, key never checked: '$reply', wanted 451"
refused=$reply
dns_restart || fail "unbound did not start again"
n=$(mbox_count)
t0=$SECONDS
until reply=$(pf_send 25 sender@example.com dgrcpt@localhost "$m"); do
	((SECONDS - t0 < 30)) || fail "DNS back for 30 s, still refused: $reply"
	sleep 1
done
wait_mbox $((n + 1))
out=$(verify_last s2027) || fail "after DNS came back: $out"
ok "first start with DNS down, no state file: '${refused:0:90}...' (the sender keeps it); DNS back: accepted after $((SECONDS - t0)) s, dkimpy: $out"

# --- stop ---------------------------------------------------------------------
pf_daemon_stop "$W" dkimguard
[ ! -e "$PIDF" ] || fail "the PID file $PIDF stayed after a stop"
[ ! -e "$SOCK" ] || fail "the socket $SOCK stayed after a stop"
ok "stop removes the PID file and the socket"
grep -q '^<[0-7]>' "$W/dkimguard.log" &&
	fail "priority prefixes on stderr that is not the journal"

# --- remove keeps the configuration, purge removes it ---------------------------
postfix stop >/dev/null 2>&1
dpkg --remove dkimguard >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log"; fail "dpkg --remove"; }
[ -f "$CONF" ] && [ -f "$KEY" ] && [ ! -e /usr/sbin/dkimguard ] ||
	fail "dpkg --remove: programs should go, configuration and keys stay"
rm -f /etc/dkimguard/keys/*.key
dpkg --purge dkimguard >"$T/dpkg-p.log" 2>&1 || { cat "$T/dpkg-p.log"; fail "dpkg --purge"; }
[ ! -e /etc/dkimguard ] && [ ! -e /var/spool/postfix/dkimguard ] ||
	fail "dpkg --purge left $(ls -d /etc/dkimguard /var/spool/postfix/dkimguard 2>/dev/null)"
ok "dpkg --remove keeps /etc/dkimguard; --purge (keys removed first) removes it and the socket folder"

[ $checks = 19 ] || fail "ran $checks checks, expected 19"
echo "PASS: $checks checks"
exit 0
