#!/bin/bash
# outbound.sh - what the outgoing-mail checks cost per message: the same
#	       signed load (bench/loadgen, CONC connections, COUNT messages,
#	       one RSA-2048 key, TestKeys) against dkimguard without and with
#	       OutboundAddresses (SPF verdicts from a real unbound, cached
#	       after the first message), each run ROUNDS times; prints
#	       loadgen's summary lines for both.
#
# SYNOPSIS
#	bash bench/outbound.sh [CONC [COUNT [ROUNDS]]]     (4 4000 3)
#	Ports: $DKIMGUARD_TEST_PORTS ("LO-HI") for unbound.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONC=${1:-4} COUNT=${2:-4000} ROUNDS=${3:-3}
W=$(mktemp -d /tmp/outbound-bench.XXXXXX)
DG=""
export DKIMGUARD_TEST_PORTS=${DKIMGUARD_TEST_PORTS:-24000-24999}
. "$ROOT/tests/e2e/lib/dns.sh"
cleanup() {
	[ -n "$DG" ] && { kill "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	dns_stop
	rm -rf "$W"
}
trap cleanup EXIT
dns_have || { echo "SKIP: unbound not installed"; exit 77; }
dns_start "$W/dns" "$(dns_free_port)" || exit 1
DNS_TTL=3600
dns_zone a.example
dns_set a.example "v=spf1 ip4:192.0.2.0/24 -all"
dns_reload
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/a.key" 2>/dev/null
chmod 600 "$W/a.key"
echo 'ka  a.example  s1  a.key' >"$W/keytable"
echo 'a.example  ka' >"$W/signingtable"
printf 's1._domainkey.a.example\tv=DKIM1; k=rsa; p=%s\n' \
	"$(openssl pkey -in "$W/a.key" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$W/dns.tsv"
printf 'From: A <a@a.example>\r\nTo: b@example.org\r\nSubject: bench\r\nDate: %s\r\nMessage-ID: <b@a.example>\r\n\r\n%s\r\n' \
	"$(date -R)" "$(head -c 3000 /dev/zero | tr '\0' x | fold -w 70 | sed 's/$/\r/')" >"$W/m.eml"
run() {	# run LABEL [OutboundAddresses line]
	cat >"$W/c.conf" <<CONF
Socket unix:$W/sock
SocketMode 0600
PidFile $W/pid
KeyTable keytable
SigningTable signingtable
TestKeys dns.tsv
Nameservers 127.0.0.1:$(cat "$W/dns/port")
LogMessageLine off
LogLevel warning
$2
CONF
	rm -f "$W/sock"
	"$ROOT/milter/dkimguard" -f -c "$W/c.conf" 2>"$W/log" &
	DG=$!
	for _ in $(seq 100); do [ -S "$W/sock" ] && break; sleep 0.1; done
	"$ROOT/bench/loadgen" --one -S "unix:$W/sock" -m "$W/m.eml" \
		--client-addr 127.0.0.1 --from a@a.example >/dev/null 2>&1 # fills the cache
	sleep 0.5
	for r in $(seq "$ROUNDS"); do
		printf '%s round %s: ' "$1" "$r"
		"$ROOT/bench/loadgen" -S "unix:$W/sock" -m "$W/m.eml" -c "$CONC" \
			-n "$COUNT" --client-addr 127.0.0.1 --from a@a.example 2>&1 |
			grep -E '^loadgen:|latency' | tr '\n' ' '
		echo
	done
	kill "$DG"; wait "$DG" 2>/dev/null; DG=""
}
run without ""
run with "OutboundAddresses 192.0.2.25"
