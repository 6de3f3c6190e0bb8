#!/bin/bash
# selftest-postfix.sh - prove that postfix.sh drives a real Postfix
#
# Debian's opendkim signs (RSA-2048 key from opendkim-genkey, inet milter
# on 127.0.0.1:20102) behind a private Postfix (smtpd 127.0.0.1:20100)
# that relays to the SMTP sink (127.0.0.1:20101).  Checks:
#   1. SMTP: 250, the sink gets the message, dkimpy verifies its signature
#   2. sendmail/pickup (non_smtpd_milters): same
#   3. milter down: 4xx (milter_default_action = tempfail), nothing
#      reaches the sink, nothing is queued
#   4. with bench/nullfilter built: -A quarantine puts the message on hold,
#      pf_hold_release delivers it
#   5. with bench/loadgen and bench/nullfilter built: the filter sees the
#      same header fields, values and body chunks from loadgen --one as
#      from Postfix (folded and tab-led fields, LF and CRLF, 150 KB body),
#      with and without SMFIP_HDR_LEADSPC
# Prints PASS/FAIL per check and "N passed, N failed"; exit 1 on failure.
# Ports: 20100-20104.  Needs root, postfix, opendkim, python3-dkim.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/postfix.sh"

SMTPD=20100 SINK=20101 MILTER=20102 NULLF=20103 PROBE=20104
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
T=$(mktemp -d /tmp/pf-selftest.XXXXXX)
pf_on_exit rm -rf "$(pf__q "$T")"
npass=0 nfail=0

pass() { echo "PASS: $*"; npass=$((npass + 1)); }
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

# make_message - a small message from example.com
make_message() {
	cat >"$1" <<EOF
From: Alice <alice@example.com>
To: Bob <bob@example.net>
Subject: selftest $2
Date: $(date -R)
Message-ID: <selftest-$2-$$@example.com>

Hello Bob,
this is message $2.
EOF
}

# start_opendkim - signing opendkim on 127.0.0.1:$MILTER
start_opendkim() {
	mkdir -p "$T/keys"
	opendkim-genkey -D "$T/keys" -d example.com -s sel -b 2048 || return 1
	cat >"$T/opendkim.conf" <<EOF
Socket inet:$MILTER@127.0.0.1
Mode s
Domain example.com
Selector sel
KeyFile $T/keys/sel.private
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.1
RequireSafeKeys false
Syslog no
EOF
	pf_daemon "$T" opendkim opendkim -f -x "$T/opendkim.conf"
	pf_wait_port "$MILTER" 10
}

# verify_last - dkimpy verifies the newest message in the sink
verify_last() {
	local f
	f=$(pf_sink_files "$T" | tail -n 1)
	/usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --txt "$T/keys/sel.txt" "$f"
}

# check_smtp_signed - check 1
check_smtp_signed() {
	local reply
	make_message "$T/m1.eml" 1
	reply=$(pf_send "$SMTPD" alice@example.com bob@example.net "$T/m1.eml")
	case $reply in 250*) ;; *) fail "SMTP send: $reply"; return ;; esac
	pf_wait_sink "$T" 1 30 || { fail "SMTP message did not reach the sink"; return; }
	verify_last && pass "SMTP: 250, delivered, signature verifies" ||
		fail "SMTP: signature does not verify"
	sed 's/this is message 1/this is message one/' "$(pf_sink_files "$T" | tail -n 1)" >"$T/tampered.eml"
	if /usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --txt "$T/keys/sel.txt" \
		"$T/tampered.eml" >/dev/null; then
		fail "a tampered body still verifies"
	else
		pass "a tampered body does not verify"
	fi
}

# check_sendmail_signed - check 2
check_sendmail_signed() {
	make_message "$T/m2.eml" 2
	pf_sendmail "$T/pf" "$T/m2.eml" alice@example.com bob@example.net ||
		{ fail "sendmail exit status $?"; return; }
	pf_wait_sink "$T" 2 30 || { fail "sendmail message did not reach the sink"; return; }
	verify_last && pass "sendmail: delivered, signature verifies" ||
		fail "sendmail: signature does not verify"
}

# check_milter_down - check 3
check_milter_down() {
	local reply
	pf_daemon_stop "$T" opendkim
	make_message "$T/m3.eml" 3
	reply=$(pf_send "$SMTPD" alice@example.com bob@example.net "$T/m3.eml")
	case $reply in
	4*) ;;
	*) fail "milter down: expected 4xx, got: $reply"; return ;;
	esac
	sleep 3
	if [ "$(pf_sink_files "$T" | wc -l)" -ne 2 ] || [ "$(pf_queue_count "$T/pf")" -ne 0 ]; then
		fail "milter down: a message was delivered or queued"
		return
	fi
	pass "milter down: '$reply', nothing delivered or queued"
}

# check_quarantine - check 4, needs bench/nullfilter
check_quarantine() {
	local nf=$ROOT/bench/nullfilter
	if [ ! -x "$nf" ]; then
		echo "SKIP: quarantine (bench/nullfilter not built)"
		return
	fi
	pf_daemon "$T" nullfilter "$nf" -p "inet:$NULLF@127.0.0.1" -A quarantine
	pf_wait_port "$NULLF" 10 || { fail "nullfilter did not start"; return; }
	postconf -c "$T/pf/conf" -e "smtpd_milters = inet:127.0.0.1:$NULLF" &&
		timeout 30 postfix -c "$T/pf/conf" reload >/dev/null 2>&1
	sleep 1
	make_message "$T/m4.eml" 4
	pf_send "$SMTPD" alice@example.com bob@example.net "$T/m4.eml" >/dev/null
	sleep 2
	if ! pf_queue "$T/pf" | grep -q '!'; then
		fail "quarantine: message not on hold"
		return
	fi
	pf_hold_release "$T/pf" >/dev/null 2>&1
	pf_wait_sink "$T" 3 30 && pass "quarantine: held, released, delivered" ||
		fail "quarantine: released message not delivered"
}

# probe_message - folded and tab-led fields, mixed line ends, 150 KB body
probe_message() {
	{
		printf 'From: Alice <alice@example.com>\nTo: bob@example.net,\n  carol@example.net\n'
		printf 'Subject: probe\r\n\twith a tab fold\r\nX-Tab:\tvalue\nX-Empty:\n'
		printf 'Date: %s\nMessage-ID: <probe-%s@example.com>\n\n' "$(date -R)" "$$"
		awk 'BEGIN { for (i = 0; i < 2100; i++) printf "line %d of the probe body, some text to fill it up\n", i }'
		printf '\r\n.leading dot\r\nlast line without newline'
	} >"$1"
}

# filter_view LOG FROM - the header/body lines a nullfilter logged
filter_view() {
	tail -n "+$2" "$1" | grep -E '^(header|body|eoh)' | sed 's/ i=.*//'
}

# compare_views FLAGS - one probe through Postfix and through loadgen
compare_views() {
	local flags=$1 before reply
	pf_daemon_stop "$T" probe
	pf_daemon "$T" "probe$flags" "$ROOT/bench/nullfilter" -p "inet:$PROBE@127.0.0.1" -v $flags
	pf_wait_port "$PROBE" 10 || return 1
	postconf -c "$T/pf/conf" -e "smtpd_milters = inet:127.0.0.1:$PROBE" &&
		timeout 30 postfix -c "$T/pf/conf" reload >/dev/null 2>&1
	sleep 1
	before=$(pf_sink_files "$T" | wc -l)
	reply=$(pf_send "$SMTPD" alice@example.com bob@example.net "$T/probe.eml")
	case $reply in 250*) ;; *) echo "probe: $reply"; return 1 ;; esac
	pf_wait_sink "$T" $((before + 1)) 30 || return 1
	filter_view "$T/probe$flags.log" 1 >"$T/view-postfix$flags"
	before=$(($(wc -l <"$T/probe$flags.log") + 1))
	"$ROOT/bench/loadgen" --one -S "inet:$PROBE@127.0.0.1" -m "$T/probe.eml" >/dev/null 2>&1
	filter_view "$T/probe$flags.log" "$before" >"$T/view-loadgen$flags"
	pf_daemon_stop "$T" "probe$flags"
	[ -s "$T/view-postfix$flags" ] && diff "$T/view-postfix$flags" "$T/view-loadgen$flags"
}

# check_loadgen_like_postfix - check 5
check_loadgen_like_postfix() {
	if [ ! -x "$ROOT/bench/loadgen" ] || [ ! -x "$ROOT/bench/nullfilter" ]; then
		echo "SKIP: loadgen vs Postfix (bench programs not built)"
		return
	fi
	probe_message "$T/probe.eml"
	compare_views "" && pass "loadgen sends what Postfix sends" ||
		fail "loadgen and Postfix differ (see diff above)"
	compare_views "-L" && pass "loadgen sends what Postfix sends (HDR_LEADSPC)" ||
		fail "loadgen and Postfix differ with HDR_LEADSPC (see diff above)"
}

start_opendkim || { echo "FAIL: opendkim did not start"; cat "$T/opendkim.log"; exit 1; }
pf_sink_start "$T" "$SINK" || { echo "FAIL: sink did not start"; exit 1; }
pf_start "$T/pf" "$SMTPD" "inet:127.0.0.1:$MILTER" || { echo "FAIL: postfix did not start"; exit 1; }
check_smtp_signed
check_sendmail_signed
check_milter_down
check_quarantine
check_loadgen_like_postfix
if ((nfail)); then
	echo "--- postfix log"; pf_log "$T/pf" | tail -n 30
	echo "--- opendkim log"; tail -n 20 "$T/opendkim.log"
fi
echo "selftest-postfix: $npass passed, $nfail failed"
((nfail == 0))
