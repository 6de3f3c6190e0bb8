# dns.sh - a real DNS server for the tests: Debian's unbound on 127.0.0.1,
#	   serving zones the test writes, rewrites and reloads.
#
# SYNOPSIS (bash; source this file)
#	dns_start DIR PORT          start unbound on 127.0.0.1:PORT (UDP+TCP)
#	dns_attach DIR              in another shell (a fix-up script run by
#	                            a test program): use the server in DIR
#	dns_zone ZONE               declare a static zone (SOA, negative TTL
#	                            $DNS_NEG_TTL, default 2)
#	dns_set NAME STRING...      one TXT record of several strings, replacing
#	                            every record at NAME; TTL $DNS_TTL (default 2)
#	dns_add NAME STRING...      one more TXT record at NAME
#	dns_set_cname NAME TARGET   NAME is a CNAME to TARGET
#	dns_del NAME                remove every record at NAME
#	dns_servfail_zone ZONE      names under ZONE get SERVFAIL (a stub zone
#	                            whose server answers SERVFAIL to everything)
#	dns_reload                  apply the changes (unbound is reloaded,
#	                            its cache flushed)
#	dns_blackhole PORT          a UDP+TCP port on 127.0.0.1 that reads
#	                            queries and never answers (for timeouts)
#	dns_query NAME [PORT]       print the TXT answer (dnspython), for logs
#	dns_txt_tsv PORT NAME...    "NAME<TAB>TXT" for each NAME as the server
#	                            on 127.0.0.1:PORT answers it without
#	                            recursion (RD=0: its own data, no cache;
#	                            what a receiver with an empty cache gets
#	                            from an authoritative server), strings
#	                            joined; a NAME without TXT is left out
#	dns_free_port [LO-HI]       print a port of 127.0.0.1 free for UDP and
#	                            TCP, in LO-HI (default: the range below)
#	dns_stop                    stop everything started here
#
# DESCRIPTION
#	Changes are written to DIR/records and take effect on dns_reload,
#	which writes DIR/zones.conf and sends SIGHUP to unbound.  Every name
#	must be inside a zone declared with dns_zone (unbound answers
#	REFUSED otherwise).  Strings longer than 255 bytes are the caller's
#	mistake: unbound rejects them, as any server would (RFC 1035 3.3).
#	The helpers use /usr/bin/python3 (Debian's, with python3-dnspython).
#	Requires: unbound, python3-dnspython.  Ports: 22000-22999, or the
#	range in $DKIMGUARD_TEST_PORTS ("LO-HI") when set.

DNS_DIR=""
DNS_PORT=""
DNS_PIDS=""
: "${DNS_TTL:=2}"
: "${DNS_NEG_TTL:=2}"
DNS_PY=/usr/bin/python3
DNS_PORTS=${DKIMGUARD_TEST_PORTS:-22000-22999}
DNS_PORT_LO=${DNS_PORTS%-*}
DNS_PORT_HI=${DNS_PORTS#*-}

# dns_have - 0 when the tools are installed
dns_have() {
	[ -x /usr/sbin/unbound ] && $DNS_PY -c 'import dns.message' 2>/dev/null
}

# dns_require_verify - skip (the caller's skip) unless unbound, dnspython
# and dkimpy, which judges the signatures against the zone, are installed
dns_require_verify() {
	dns_have && $DNS_PY -c 'import dkim' 2>/dev/null ||
		skip "needs unbound, python3-dnspython and python3-dkim (apt-get install unbound python3-dnspython python3-dkim)"
}

# dns_start - write the configuration, start unbound, wait until it answers
dns_start() {
	DNS_DIR=$1 DNS_PORT=$2
	mkdir -p "$DNS_DIR"
	: >"$DNS_DIR/records"; : >"$DNS_DIR/zones"; : >"$DNS_DIR/stubs"
	echo "$DNS_PORT" >"$DNS_DIR/port"
	cat >"$DNS_DIR/unbound.conf" <<EOF
server:
	interface: 127.0.0.1@$DNS_PORT
	port: $DNS_PORT
	do-ip6: no
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$DNS_DIR"
	pidfile: "$DNS_DIR/unbound.pid"
	use-syslog: no
	logfile: "$DNS_DIR/unbound.log"
	verbosity: 1
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	do-not-query-localhost: no
	cache-max-ttl: 1
	cache-max-negative-ttl: 1
	infra-host-ttl: 1
	outgoing-port-permit: $DNS_PORT_LO-$DNS_PORT_HI
	outgoing-port-avoid: 0-$((DNS_PORT_LO - 1))
	outgoing-port-avoid: $((DNS_PORT_HI + 1))-65535
	include: "$DNS_DIR/zones.conf"
remote-control:
	control-enable: no
EOF
	dns_write_conf
	dns_restart
}

# dns_restart - start unbound (again, after dns_stop) with the records it
# was given; wait until it answers
dns_restart() {
	/usr/sbin/unbound -d -c "$DNS_DIR/unbound.conf" \
	    >>"$DNS_DIR/unbound.out" 2>&1 &
	DNS_PIDS="$DNS_PIDS $!"
	DNS_UNBOUND_PID=$!
	echo "$DNS_UNBOUND_PID" >"$DNS_DIR/unbound.shpid"
	dns_wait_ready
}

# dns_attach - take over the server started by dns_start in DIR
dns_attach() {
	DNS_DIR=$1
	DNS_PORT=$(cat "$DNS_DIR/port")
	DNS_UNBOUND_PID=$(cat "$DNS_DIR/unbound.shpid")
}

# dns_wait_ready - poll until unbound answers (5 s at most)
dns_wait_ready() {
	local _
	for _ in $(seq 50); do
		if $DNS_PY - "$DNS_PORT" <<'EOF' 2>/dev/null; then return 0; fi
import sys, dns.message, dns.query
q = dns.message.make_query("version.bind.", "TXT", "CH")
dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=0.2)
EOF
		sleep 0.1
	done
	echo "dns.sh: unbound did not start on 127.0.0.1:$DNS_PORT:" >&2
	cat "$DNS_DIR/unbound.out" "$DNS_DIR/unbound.log" >&2 2>/dev/null
	return 1
}

# dns_quote - one unbound string argument per TXT string
dns_quote() {
	local s out=""
	for s in "$@"; do
		s=${s//\\/\\\\}
		out="$out \"${s//\"/\\\"}\""
	done
	printf '%s' "$out"
}

# dns_zone - a static local zone with an SOA (RFC 2308 negative TTL)
dns_zone() {
	local z=${1%.}
	printf '\tlocal-zone: "%s." static\n' "$z" >>"$DNS_DIR/zones"
	printf "\tlocal-data: '%s. %s IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 %s'\n" \
	    "$z" "$DNS_NEG_TTL" "$z" "$z" "$DNS_NEG_TTL" >>"$DNS_DIR/zones"
}

# dns_del - forget every record at NAME (takes effect on dns_reload)
dns_del() {
	local n=${1%.}
	awk -v n="$n" '$1 != n' "$DNS_DIR/records" >"$DNS_DIR/records.new"
	mv "$DNS_DIR/records.new" "$DNS_DIR/records"
}

# dns_set - NAME holds one TXT record made of the given strings
dns_set() {
	dns_del "$1"
	dns_add "$@"
}

# dns_add - one more TXT record at NAME
dns_add() {
	local n=${1%.}
	shift
	printf '%s %s IN TXT%s\n' "$n" "$DNS_TTL" "$(dns_quote "$@")" \
	    >>"$DNS_DIR/records"
}

# dns_set_cname - NAME is an alias of TARGET
dns_set_cname() {
	dns_del "$1"
	printf '%s %s IN CNAME %s.\n' "${1%.}" "$DNS_TTL" "${2%.}" \
	    >>"$DNS_DIR/records"
}

# dns_servfail_zone - delegate ZONE to a server that answers SERVFAIL
dns_servfail_zone() {
	local z=${1%.} port
	port=$(dns_free_port)
	dns_responder "$port" servfail
	printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' \
	    "$z" "$port" >>"$DNS_DIR/stubs"
	printf '\tlocal-zone: "%s." transparent\n' "$z" >>"$DNS_DIR/zones"
}

# dns_write_conf - zones.conf from zones, records and stubs
dns_write_conf() {
	{
		cat "$DNS_DIR/zones"
		while IFS= read -r line; do
			printf "\tlocal-data: '%s'\n" "$line"
		done <"$DNS_DIR/records"
		cat "$DNS_DIR/stubs"
	} >"$DNS_DIR/zones.conf"
}

# dns_reload - apply the records: rewrite zones.conf, SIGHUP unbound
dns_reload() {
	dns_write_conf
	/usr/sbin/unbound-checkconf "$DNS_DIR/unbound.conf" >/dev/null || {
		echo "dns.sh: bad configuration:" >&2
		cat "$DNS_DIR/zones.conf" >&2
		return 1
	}
	kill -HUP "$DNS_UNBOUND_PID"
	sleep 0.3
	dns_wait_ready
}

# dns_free_port - a UDP+TCP port in the range (LO-HI, default the
# suite's) nobody listens on
dns_free_port() {
	local range=${1:-$DNS_PORT_LO-$DNS_PORT_HI}
	$DNS_PY - "${range%-*}" "${range#*-}" <<'EOF'
import random, socket, sys
for _ in range(200):
    p = random.randint(int(sys.argv[1]), int(sys.argv[2]))
    try:
        for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(("127.0.0.1", p))
            s.close()
        print(p)
        break
    except OSError:
        pass
EOF
}

# dns_responder - PORT MODE: "servfail" answers SERVFAIL, "silent" never
dns_responder() {
	$DNS_PY - "$1" "$2" >>"$DNS_DIR/responder-$1.log" 2>&1 <<'EOF' &
import socket, sys, threading
port, mode = int(sys.argv[1]), sys.argv[2]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(16)
held = []
def tcp():
    while True:
        c, _ = t.accept()
        held.append(c)		# silent: keep it open, never answer
threading.Thread(target=tcp, daemon=True).start()
while True:
    q, peer = u.recvfrom(4096)
    if mode == "silent" or len(q) < 12:
        continue
    # RFC 1035 4.1.1: same id and question, QR=1, RA=1, RCODE=2
    r = q[:2] + bytes([0x80 | (q[2] & 0x79), 0x82]) + q[4:6] + b"\0" * 6
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    u.sendto(r + q[12:end + 5], peer)
EOF
	DNS_PIDS="$DNS_PIDS $!"
	sleep 0.3
}

# dns_blackhole - a port that reads queries and never answers
dns_blackhole() {
	dns_responder "$1" silent
}

# dns_query - print the TXT answer at NAME (debugging aid)
dns_query() {
	$DNS_PY - "$1" "${2:-$DNS_PORT}" <<'EOF'
import sys, dns.message, dns.query
q = dns.message.make_query(sys.argv[1], "TXT")
print(dns.query.udp(q, "127.0.0.1", port=int(sys.argv[2]), timeout=2))
EOF
}

# dns_txt_tsv - the TXT records at NAMEs, as a TSV for dkimverify.py --dns
dns_txt_tsv() {
	$DNS_PY - "$@" <<'EOF'
import sys, dns.flags, dns.message, dns.query
port = int(sys.argv[1])
for name in sys.argv[2:]:
    q = dns.message.make_query(name, "TXT")
    q.flags &= ~dns.flags.RD
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    for rrset in r.answer:
        for rr in rrset:
            if rr.rdtype == 16:
                print("%s\t%s" % (name, b"".join(rr.strings).decode()))
EOF
}

# dns_stop - stop unbound and the responders started here
dns_stop() {
	local p
	for p in $DNS_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $DNS_PIDS; do
		wait "$p" 2>/dev/null
	done
	DNS_PIDS=""
}
