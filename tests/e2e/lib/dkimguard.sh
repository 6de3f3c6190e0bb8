# dkimguard.sh - a dkimguard daemon for the Postfix end-to-end suites.
# Source it from bash after postfix.sh:  . tests/e2e/lib/dkimguard.sh
#
# pass / fail / skip MSG "PASS: MSG"; "FAIL: MSG", counted in FAILS
#                        (0 when sourced); "SKIP: MSG" and exit 77
# dg_require             skip unless root with postfix installed; exit 1
#                        when milter/dkimguard is not built
# dg_workdir NAME        W=$(mktemp -d /tmp/NAME.XXXXXX) with run/ (the
#                        socket, reachable by user postfix), keys/ and
#                        msgs/; removed at exit unless $KEEP is set; the
#                        end of the dkimguard log is printed at exit when
#                        $FAILS is not 0.  Sets SOCK=$W/run/dkimguard.sock
# dg_conf_common         print the configuration lines every suite shares
#                        (socket, pid file, debug log, Mode both, loopback
#                        InternalHosts, KeyTable keytable, SigningTable
#                        signingtable, GuardStateFile in $W); the suite
#                        appends its own
# dg_start               start milter/dkimguard -f -c $W/dkimguard.conf
#                        (pf_daemon: log $W/dkimguard.log), wait for SOCK
# dg_stop                stop it
# dg_pid                 its pid
# dg_log                 print its log
# dg_wait_log REGEX COUNT TIMEOUT
#                        wait until REGEX matched COUNT log lines; 1 on
#                        timeout
# dg_reload              SIGHUP, wait for the next "reloaded" line (20 s)
# dg_new_msg TAG         a fresh message from alice@$DOMAIN to bob@sink.test
#                        in a new file $W/msgs/TAG-XXXXXX.eml (unique also
#                        when called in $(...)); prints the path
# dg_up                  dg_start, the SMTP sink on $SINK_PORT and Postfix
#                        ($W/pf) on $SMTP_PORT using the milter; exit 1
#                        when one of them does not start
#
# Needs TOP (the checkout) set by the caller.

FAILS=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "SKIP: $*"; exit 77; }

# dg_require - what every Postfix suite needs
dg_require() {
	[ "$(id -u)" = 0 ] || skip "needs root to run a private Postfix instance"
	command -v postfix >/dev/null || skip "postfix is not installed"
	[ -x "$TOP/milter/dkimguard" ] ||
		{ echo "FAIL: milter/dkimguard is not built"; exit 1; }
}

# dg_workdir - the suite's work directory, cleaned up at exit
dg_workdir() {
	W=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	chmod 711 "$W"
	mkdir -p "$W/run" "$W/keys" "$W/msgs"
	chmod 755 "$W/run"
	[ -n "${KEEP:-}" ] || pf_on_exit rm -rf "$(pf__q "$W")"
	pf_on_exit 'if [ "$FAILS" != 0 ]; then echo "--- dkimguard log"; tail -n 60 '"$W"'/dkimguard.log; fi'
	SOCK=$W/run/dkimguard.sock
}

# dg_conf_common - configuration lines shared by the suites
dg_conf_common() {
	cat <<CONF
Socket          unix:$SOCK
SocketGroup     postfix
SocketMode      0660
PidFile         $W/run/dkimguard.pid
LogLevel        debug
Mode            both
InternalHosts   127.0.0.0/8, ::1
KeyTable        keytable
SigningTable    signingtable
GuardStateFile  $W/guard.state
CONF
}

# dg_rsa_key SEL - an RSA-2048 key keys/SEL.key that signs all of
# $DOMAIN: its record is dns.tsv (for TestKeys and dkimverify.py), with
# keytable and signingtable naming it alone
dg_rsa_key() {
	local sel=$1
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$W/keys/$sel.key" 2>/dev/null || return 1
	chmod 600 "$W/keys/$sel.key"
	printf '%s._domainkey.%s\tv=DKIM1; k=rsa; p=%s\n' "$sel" "$DOMAIN" \
		"$(openssl pkey -in "$W/keys/$sel.key" -pubout -outform DER | base64 -w0)" \
		>"$W/dns.tsv"
	printf '%s  %s  %s  keys/%s.key\n' "$sel" "$DOMAIN" "$sel" "$sel" >"$W/keytable"
	printf '%s  %s\n' "$DOMAIN" "$sel" >"$W/signingtable"
}

# dg_log - the daemon's output so far
dg_log() { cat "$W/dkimguard.log" 2>/dev/null; }

# dg_pid - the daemon's pid (pf_daemon's record)
dg_pid() { cat "$W/dkimguard.pid" 2>/dev/null; }

# dg_start - start dkimguard in the foreground, wait for its socket
dg_start() {
	local end=$((SECONDS + 20))
	rm -f "$SOCK"
	pf_daemon "$W" dkimguard "$TOP/milter/dkimguard" -f -c "$W/dkimguard.conf"
	while [ ! -S "$SOCK" ] && ((SECONDS < end)); do sleep 0.1; done
	[ -S "$SOCK" ] || { echo "dkimguard did not start:"; dg_log; return 1; }
}

# dg_stop - stop dkimguard (TERM, then KILL after 10 s)
dg_stop() { pf_daemon_stop "$W" dkimguard; }

# dg_new_msg - a test message whose body keeps trailing spaces and tabs
# (what c=simple and c=relaxed treat differently)
dg_new_msg() {
	local f n
	f=$(mktemp "$W/msgs/$1-XXXXXX.eml") || return 1
	n=${f##*-}
	n=${n%.eml}
	cat >"$f" <<MSG
From: Alice Example <alice@$DOMAIN>
To: Bob <bob@sink.test>
Subject: dkimguard $1 message $n
Date: $(date -R)
Message-ID: <$1-$n-$$@$DOMAIN>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello Bob,

this is message $n.   Trailing spaces and	tabs stay.  

-- 
Alice
MSG
	echo "$f"
}

# dg_up - dkimguard, the sink and Postfix, or exit 1
dg_up() {
	dg_start || exit 1
	pf_sink_start "$W" "$SINK_PORT" || { echo "FAIL: sink"; exit 1; }
	pf_start "$W/pf" "$SMTP_PORT" "unix:$SOCK" ||
		{ echo "FAIL: postfix"; exit 1; }
}

# dg_wait_log - until REGEX matched COUNT lines, at most TIMEOUT s
dg_wait_log() {
	local end=$((SECONDS + $3))
	while (($(dg_log | grep -cE -- "$1") < $2)); do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# dg_reload - SIGHUP and wait for the "reloaded" line (count grows)
dg_reload() {
	local before
	before=$(dg_log | grep -c 'reloaded')
	kill -HUP "$(dg_pid)"
	dg_wait_log 'reloaded' $((before + 1)) 20
}
