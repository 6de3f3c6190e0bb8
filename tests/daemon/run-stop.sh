#!/bin/bash
# run-stop.sh - how dkimguard stops (SIGTERM), driven by bench/loadgen:
#   1. idle: it exits 0 within 1 s (plain libmilter needs up to 5 s, while
#      new connections wait unaccepted), removes its PID file and logs
#      "stopped";
#   2. a message in flight (loadgen --one --hold: headers sent, body held
#      back 3 s) is waited for: 1 s after the TERM the daemon still runs
#      and says so in its log, the held message then gets its verdict,
#      signed, and the daemon exits right after, well before its 10 s
#      limit; a message begun meanwhile gets 451 4.3.2 (the MTA keeps it);
#   3. under load (4 connections sending without pause), every message
#      that got a verdict before the stop was signed, messages that began
#      after it were tempfailed (451 4.3.2, the MTA keeps them), and the
#      daemon exits within 2 s without cutting off a message.
# Exit 0 pass, 1 fail, 77 skip (not built, no openssl).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MILTER=$ROOT/milter/dkimguard
LOADGEN=$ROOT/bench/loadgen
W=$(mktemp -d /tmp/dkimguard-stop.XXXXXX)
DG=""
fails=0

cleanup() {
	[ -n "$DG" ] && { kill -KILL "$DG" 2>/dev/null; wait "$DG" 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT
skip() { echo "SKIP: $*"; exit 77; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

[ -x "$MILTER" ] && [ -x "$LOADGEN" ] || skip "milter/dkimguard or bench/loadgen not built"
command -v openssl >/dev/null || skip "openssl not installed"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/k.key" 2>/dev/null ||
	skip "openssl genpkey failed"
chmod 600 "$W/k.key"
printf 'k1  stop.example  s1  k.key\n' >"$W/keytable"
printf 'stop.example  k1\n' >"$W/signingtable"
printf 's1._domainkey.stop.example\tv=DKIM1; k=rsa; p=%s\n' \
	"$(openssl pkey -in "$W/k.key" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$W/dns.tsv"
cat >"$W/dkimguard.conf" <<CONF
Socket        unix:$W/sock
SocketMode    0600
PidFile       $W/pid
KeyTable      keytable
SigningTable  signingtable
TestKeys      dns.tsv
LogLevel      info
CONF
printf 'From: a@stop.example\nTo: b@example.net\nSubject: stop\n\nbody\n' >"$W/msg.eml"

# start - the daemon in the foreground, log in $W/log; waits for the socket
start() {
	rm -f "$W/sock"
	"$MILTER" -f -c "$W/dkimguard.conf" >"$W/log" 2>&1 &
	DG=$!
	for _ in $(seq 100); do [ -S "$W/sock" ] && return 0; sleep 0.1; done
	echo "FAIL: dkimguard did not start: $(cat "$W/log")"
	exit 1
}

# stop_ms - SIGTERM, wait for the exit; sets MS (milliseconds) and RC
stop_ms() {
	local t0
	t0=$(date +%s%N)
	kill -TERM "$DG"
	wait "$DG"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	DG=""
}

one() {	# one [loadgen options] - one message, ACTION line on stderr
	"$LOADGEN" --one -S "unix:$W/sock" -m "$W/msg.eml" --client-addr 127.0.0.1 "$@"
}

# ---- 1. idle ----------------------------------------------------------------
start
one >"$W/out.eml" 2>/dev/null && grep -q '^DKIM-Signature:' "$W/out.eml" ||
	bad "no signature before the stop"
stop_ms
ms=$MS
[ "$RC" = 0 ] && [ "$ms" -lt 1000 ] && [ ! -e "$W/pid" ] && grep -q 'notice: stopped' "$W/log" &&
	ok "idle stop: exit 0 after $ms ms, PID file removed, 'stopped' logged" ||
	bad "idle stop: exit $RC after $ms ms, pid file $( [ -e "$W/pid" ] && echo left || echo removed)"

# ---- 2. a message in flight is waited for ------------------------------------
start
one --hold 3000 >"$W/held.eml" 2>"$W/held.action" &
held=$!
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$DG"
sleep 1
if kill -0 "$DG" 2>/dev/null && grep -q 'stopping: 1 message(s) in flight' "$W/log"; then
	ok "1 s after TERM the daemon waits for the message in flight (log: $(grep -o 'stopping: 1 message.*' "$W/log"))"
else
	bad "the daemon did not wait for the message in flight: $(tail -n 3 "$W/log")"
fi
one >/dev/null 2>"$W/late.action"
grep -q '^ACTION=tempfail REPLY="451 4.3.2 dkimguard is stopping' "$W/late.action" &&
	ok "a message begun during the wait is tempfailed: $(head -n 1 "$W/late.action")" ||
	bad "a message begun during the wait: $(cat "$W/late.action")"
wait "$held"
wait "$DG"
RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
DG=""
grep -q '^ACTION=accept' "$W/held.action" && grep -q '^DKIM-Signature:' "$W/held.eml" &&
	ok "the held message got its verdict after the TERM: $(head -n 1 "$W/held.action"), signed" ||
	bad "held message: $(cat "$W/held.action")"
[ "$RC" = 0 ] && [ "$ms" -lt 5000 ] && ! grep -q 'cut off' "$W/log" &&
	ok "exit 0 ${ms} ms after the TERM (the hold ended ~2500 ms after it), nothing cut off" ||
	bad "after the drain: exit $RC after $ms ms; $(grep 'cut off' "$W/log")"

# ---- 3. under load ------------------------------------------------------------
start
"$LOADGEN" -S "unix:$W/sock" -m "$W/msg.eml" -c 4 -n 1000000 -t 5 --stop-on-error \
	--client-addr 127.0.0.1 >"$W/load.out" 2>&1 &
lg=$!
sleep 1
stop_ms
ms=$MS
wait "$lg"
res=$(grep '^RESULT' "$W/load.out")
kv() { grep -o "$1=[0-9]*" <<<"$res" | cut -d= -f2; }
[ "$RC" = 0 ] && [ "$ms" -lt 2000 ] && ! grep -q 'cut off' "$W/log" &&
	ok "stop under load: exit 0 after $ms ms, no message cut off" ||
	bad "stop under load: exit $RC after $ms ms; $(grep 'cut off' "$W/log")"
[ -n "$(kv accept)" ] && [ "$(kv accept)" -gt 0 ] && [ "$(kv accept)" = "$(kv ins_hdrs)" ] &&
	ok "every one of the $(kv accept) messages accepted before the stop was signed" ||
	bad "accepted $(kv accept), signatures inserted $(kv ins_hdrs)"
[ "$(kv tempfail)" -gt 0 ] 2>/dev/null &&
	ok "$(kv tempfail) messages that began after the stop were tempfailed" ||
	echo "note: no message began between the TERM and the exit ($res)"

if [ "$fails" != 0 ]; then
	echo "run-stop: $fails failures"
	echo "--- log"; tail -n 20 "$W/log"
	exit 1
fi
echo "run-stop: all passed"
