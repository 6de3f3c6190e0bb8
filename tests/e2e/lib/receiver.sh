# receiver.sh - a receiving MTA that judges mail with software nobody here
# wrote: a private Postfix whose policy services are python3-spf's
# policyd-spf (SPF of MAIL FROM; of the HELO name for a null sender), whose
# milters are OpenDKIM (verify only) and OpenDMARC (DMARC from those
# results), relaying to an SMTP sink.  Source it from bash after postfix.sh,
# dns.sh and verdicts.sh (unfold).
#
# These programs ask the system resolver (port 53, /etc/resolv.conf), which
# cannot point at the test's unbound on a high port.  So the test runs in a
# private mount namespace where /etc/resolv.conf is a bind mount of a file
# naming an unbound on 127.53.x.1:53 that forwards everything to the test's
# unbound; the host's resolv.conf and resolver are never touched.
#
# rc_enter_namespace SCRIPT ARGS...
#     when not yet inside: exec SCRIPT again in a private mount namespace
#     (unshare -m, propagation private); inside: return 0; 1 when no
#     namespace can be made (not root, or no CAP_SYS_ADMIN).
# rc_have                0 when policyd-spf, opendkim, opendmarc, unbound and
#                        the public suffix list are installed
# rc_start DIR PORT SINK_PORT DNS_PORT
#     the resolver (forwarder to 127.0.0.1:DNS_PORT, resolv.conf bound),
#     opendkim and opendmarc on loopback ports, the sink on SINK_PORT
#     (DIR/sink) and Postfix (DIR/pf) on PORT with the policy services
#     (MAIL FROM; the HELO name for the null sender) and the milters; 1
#     when a part does not start
# rc_verdict FILE        the receiver's verdict of a delivered message, one
#                        line: "spf=R dkim=R dmarc=R dmarc_policy=P"
#                        (dkim: pass when a signature passed, else the first
#                        result; dmarc_policy "-" without one), read from the
#                        Authentication-Results fields its three judges
#                        added (authserv-ids $RC_SPF_ID, $RC_DKIM_ID, $RC_ID)
# rc_ar FILE ID          the Authentication-Results fields of authserv-id
#                        ID, unfolded, blanks squeezed, the id left out
# rc_history QUEUE_ID    OpenDMARC's history record of that receiving queue
#                        id ("key value" lines), for alignment details
#
# Environment: DKIMGUARD_TEST_PORTS (ports and the resolver address).
# shellcheck shell=bash

RC_ID=receiver.dkimguard.test
RC_SPF_ID=spf.receiver.dkimguard.test
RC_DKIM_ID=dkim.receiver.dkimguard.test
RC_PSL=/usr/share/publicsuffix/public_suffix_list.dat
RC_DIR=""

# rc_enter_namespace - re-run the script in a private mount namespace
rc_enter_namespace() {
	[ -n "${RC_IN_NAMESPACE:-}" ] && return 0
	unshare -m --propagation private true 2>/dev/null || return 1
	RC_IN_NAMESPACE=1 exec unshare -m --propagation private bash "$@"
}

# rc_have - every judge installed
rc_have() {
	[ -x /usr/bin/policyd-spf ] && [ -x /usr/sbin/opendkim ] &&
		[ -x /usr/sbin/opendmarc ] && [ -x /usr/sbin/unbound ] &&
		[ -r "$RC_PSL" ]
}

# rc__free53 - an address 127.53.N.1 whose port 53 is free (UDP and TCP)
rc__free53() {
	local lo=${DNS_PORT_LO:-23000}
	/usr/bin/python3 - "$((lo / 1000 % 250 + 1))" <<'EOF'
import socket, sys
first = int(sys.argv[1])
for n in list(range(first, 251)) + list(range(1, first)):
    addr = "127.53.%d.1" % n
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind((addr, 53))
            s.close()
        print(addr)
        break
    except OSError:
        pass
EOF
}

# rc__resolver DIR DNS_PORT - forwarder on ADDR:53, resolv.conf bound to it
rc__resolver() {
	local dir=$1 port=$2 addr
	addr=$(rc__free53)
	[ -n "$addr" ] || { echo "receiver: no 127.53.N.1:53 free" >&2; return 1; }
	RC_RESOLVER=$addr
	cat >"$dir/unbound.conf" <<EOF
server:
	interface: $addr@53
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: "$dir/unbound.log"
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	do-not-query-localhost: no
	cache-max-ttl: 0
	cache-max-negative-ttl: 0
	outgoing-port-permit: $DNS_PORT_LO-$DNS_PORT_HI
	outgoing-port-avoid: 0-$((DNS_PORT_LO - 1))
	outgoing-port-avoid: $((DNS_PORT_HI + 1))-65535
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$port
remote-control:
	control-enable: no
EOF
	pf_daemon "$dir" unbound /usr/sbin/unbound -d -c "$dir/unbound.conf"
	printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$addr" >"$dir/resolv.conf"
	chmod 644 "$dir/resolv.conf"
	mount --bind "$dir/resolv.conf" /etc/resolv.conf || return 1
	local _
	for _ in $(seq 50); do
		/usr/bin/python3 - "$addr" <<'EOF' 2>/dev/null && return 0
import sys, dns.message, dns.query
q = dns.message.make_query("version.bind.", "TXT", "CH")
dns.query.udp(q, sys.argv[1], port=53, timeout=0.2)
EOF
		sleep 0.1
	done
	echo "receiver: the forwarder on $addr:53 did not answer" >&2
	cat "$dir/unbound.log" >&2
	return 1
}

# rc__opendkim DIR PORT - OpenDKIM verifying only
rc__opendkim() {
	local dir=$1 port=$2
	echo 192.0.2.255 >"$dir/nobody-internal"
	cat >"$dir/opendkim.conf" <<EOF
Mode                 v
Socket               inet:$port@127.0.0.1
AuthservID           $RC_DKIM_ID
AlwaysAddARHeader    yes
Background           no
Syslog               no
Nameservers          $RC_RESOLVER
InternalHosts        $dir/nobody-internal
PeerList             $dir/nobody-internal
MinimumKeyBits       1024
On-BadSignature      accept
On-DNSError          accept
On-KeyNotFound       accept
On-NoSignature       accept
On-SignatureError    accept
On-InternalError     accept
PidFile              $dir/opendkim.pid
EOF
	pf_daemon "$dir" opendkim /usr/sbin/opendkim -f -x "$dir/opendkim.conf"
	pf_wait_port "$port" 10
}

# rc__opendmarc DIR PORT - OpenDMARC trusting the two judges before it
rc__opendmarc() {
	local dir=$1 port=$2
	cat >"$dir/opendmarc.conf" <<EOF
Socket               inet:$port@127.0.0.1
AuthservID           $RC_ID
TrustedAuthservIDs   $RC_SPF_ID,$RC_DKIM_ID
Background           false
Syslog               false
IgnoreHosts          $dir/nobody-internal
PublicSuffixList     $RC_PSL
HistoryFile          $dir/opendmarc.history
SPFSelfValidate      false
SPFIgnoreResults     false
RejectFailures       false
FailureReports       false
RequiredHeaders      false
PidFile              $dir/opendmarc.pid
EOF
	pf_daemon "$dir" opendmarc /usr/sbin/opendmarc -f -c "$dir/opendmarc.conf"
	pf_wait_port "$port" 10
}

# rc__policyd_conf DIR NAME HELO - policyd-spf's configuration DIR/NAME.conf:
# never refuse; HELO "No_Check" judges MAIL FROM only, "False" the HELO
# name (the identity SPF judges for a null sender, RFC 7208 2.4)
rc__policyd_conf() {
	cat >"$1/$2.conf" <<EOF
debugLevel = 1
TestOnly = 1
HELO_reject = $3
Mail_From_reject = False
PermError_reject = False
TempError_Defer = False
skip_addresses = 192.0.2.255/32
Header_Type = AR
Authserv_Id = $RC_SPF_ID
Lookup_Time = 10
EOF
	chmod 644 "$1/$2.conf"
}

# rc_start - the whole receiver
rc_start() {
	local dir=$1 port=$2 sink=$3 dns=$4 conf dkport dmport
	RC_DIR=$dir
	mkdir -p "$dir" && chmod 755 "$dir"
	rc__resolver "$dir" "$dns" || return 1
	dkport=$(dns_free_port)
	rc__opendkim "$dir" "$dkport" || { echo "receiver: opendkim did not start:" >&2; cat "$dir/opendkim.log" >&2; return 1; }
	dmport=$(dns_free_port)
	rc__opendmarc "$dir" "$dmport" || { echo "receiver: opendmarc did not start:" >&2; cat "$dir/opendmarc.log" >&2; return 1; }
	rc__policyd_conf "$dir" policyd-spf No_Check
	rc__policyd_conf "$dir" policyd-spf-helo False
	pf_sink_start "$dir" "$sink" || return 1
	PF_SINK_PORT=$sink pf_start "$dir/pf" "$port" \
		"inet:127.0.0.1:$dkport, inet:127.0.0.1:$dmport" \
		"myhostname = mx.receiver.dkimguard.test" \
		"smtpd_restriction_classes = rc_null_sender" \
		"rc_null_sender = check_policy_service unix:private/policyd-spf-helo" \
		"smtpd_recipient_restrictions = check_sender_access inline:{<>=rc_null_sender}, check_policy_service unix:private/policyd-spf, permit" \
		"policyd-spf_time_limit = 3600" \
		"policyd-spf-helo_time_limit = 3600" || return 1
	conf=$dir/pf/conf
	# the policy services: spawned by the master, so inside this namespace;
	# MAIL FROM for every sender, the HELO name for the null sender
	postconf -c "$conf" -M "policyd-spf/unix=policyd-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf $dir/policyd-spf.conf" &&
		postconf -c "$conf" -M "policyd-spf-helo/unix=policyd-spf-helo unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf $dir/policyd-spf-helo.conf" &&
		timeout 30 postfix -c "$conf" reload >/dev/null 2>&1
}

# rc_ar FILE ID - the A-R fields of authserv-id ID, one per line
rc_ar() {
	unfold "$1" | tr -s ' \t' '  ' |
		grep -i "^Authentication-Results: *$2 *;" | sed 's/^[^;]*; *//'
}

# rc_verdict FILE - "spf=R dkim=R dmarc=R dmarc_policy=P"
rc_verdict() {
	local f=$1 spf dkim dmarc pol
	spf=$(rc_ar "$f" "$RC_SPF_ID" | grep -o '^spf=[a-z]*' | head -n 1)
	dkim=$(rc_ar "$f" "$RC_DKIM_ID" | tr ';' '\n' | grep -o '^ *dkim=[a-z]*' | tr -d ' ')
	if grep -qx 'dkim=pass' <<<"$dkim"; then dkim=dkim=pass
	else dkim=$(head -n 1 <<<"$dkim"); fi
	dmarc=$(rc_ar "$f" "$RC_ID" | grep -o '^dmarc=[a-z]*' | head -n 1)
	pol=$(rc_ar "$f" "$RC_ID" | grep '^dmarc=' | grep -o '(p=[a-z]*' | head -n 1)
	pol=${pol#(p=}
	[ "$dmarc" = dmarc=none ] && pol="" # OpenDMARC says p=none without a record
	echo "${spf:-spf=missing} ${dkim:-dkim=missing} ${dmarc:-dmarc=missing} dmarc_policy=${pol:--}"
}

# rc_history QID - OpenDMARC's history record of a receiving queue id
rc_history() {
	awk -v q="$1" '$1 == "job" { on = ($2 == q) } on' "$RC_DIR/opendmarc.history" 2>/dev/null
}
