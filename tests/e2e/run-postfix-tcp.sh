#!/bin/bash
# run-postfix-tcp.sh - dkimguard on a TCP socket behind a real Postfix, the
# way many operators attach a DKIM milter (inet:8891@localhost).
#
# Postfix writes to a milter without TCP_NODELAY, so whenever it writes
# twice without reading an answer in between, its second write waits in
# Nagle's buffer until the milter's kernel ACKs the first: up to 40 ms of
# delayed ACK per message, which a CPU-bound benchmark with many sessions
# hides and a single SMTP session shows.  Proves:
#   1. one session at a time, and one after another in one session (the
#      milter connection carries message after message), N_ONE messages
#      over TCP take less than
#      STALL_MS each on average (a milter that leaves a command
#      unanswered without ACKing it at once takes about 45 ms), next to
#      the same over a unix socket; every message arrives signed and
#      dkimpy verifies it;
#   2. the daemon says it found libmilter's session socket (the fast
#      path: immediate ACKs, replies only where needed);
#   3. N_MANY messages over 8 sessions at once all arrive signed and
#      verify (no reply lost or read as another command's);
#   4. with TCPQuickAck no (the way taken when the session socket is not
#      found), every command is answered: no stall either, all verify.
# Exit 0 pass, 1 fail, 77 skip (reason printed).
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)

# shellcheck source-path=SCRIPTDIR source=lib/postfix.sh
. tests/e2e/lib/postfix.sh
# shellcheck source-path=SCRIPTDIR source=lib/dkimguard.sh
. tests/e2e/lib/dkimguard.sh

dg_require
command -v smtp-source >/dev/null || skip "smtp-source (postfix) is not installed"
/usr/bin/python3 -c 'import dkim' 2>/dev/null ||
	skip "dkimpy (python3-dkim) is not installed"

# ports: SMTP, sink, milter for TCP; SMTP and sink for the unix instance
PORTS=${DKIMGUARD_TEST_PORTS:-21160-21164}
P0=${PORTS%-*}
TCP_SMTP=$P0 TCP_SINK=$((P0 + 1)) MILTER_PORT=$((P0 + 2))
UNIX_SMTP=$((P0 + 3)) UNIX_SINK=$((P0 + 4))
N_ONE=${N_ONE:-40}
N_MANY=${N_MANY:-200}
STALL_MS=20 # half the kernel's shortest delayed ACK (40 ms)
FAILS=0

dg_workdir dkimguard-tcp
DOMAIN=dkimguard.test

dg_rsa_key rsa1 || { echo "FAIL: openssl"; exit 1; }

# start_milter NAME SOCKET [LINE] - a dkimguard listening on SOCKET, its
# own configuration (LINE added), pid and log NAME.*
start_milter() {
	local name=$1 spec=$2 end=$((SECONDS + 20))
	dg_conf_common | sed -e "s|^Socket .*|Socket          $spec|" \
		-e "s|^PidFile .*|PidFile         $W/run/$name.pid|" \
		-e "s|^LogLevel .*|LogLevel        info|" >"$W/$name.conf"
	printf 'TestKeys        dns.tsv\n%s\n' "${3:-}" >>"$W/$name.conf"
	pf_daemon "$W" "$name" "$TOP/milter/dkimguard" -f -c "$W/$name.conf"
	case $spec in
	inet:*) pf_wait_port "$MILTER_PORT" 20 ;;
	unix:*) while [ ! -S "${spec#unix:}" ] && ((SECONDS < end)); do sleep 0.1; done
		[ -S "${spec#unix:}" ] ;;
	esac || { echo "FAIL: $name did not start"; cat "$W/$name.log"; exit 1; }
}

start_milter tcp "inet:$MILTER_PORT@127.0.0.1"
start_milter unix "unix:$W/run/unix.sock"
for inst in tcp unix; do
	mkdir -p "$W/$inst"
	case $inst in
	tcp) smtp=$TCP_SMTP sink=$TCP_SINK milter=inet:127.0.0.1:$MILTER_PORT ;;
	unix) smtp=$UNIX_SMTP sink=$UNIX_SINK milter=unix:$W/run/unix.sock ;;
	esac
	pf_sink_start "$W/$inst" "$sink" || { echo "FAIL: sink"; exit 1; }
	PF_SINK_PORT=$sink pf_start "$W/$inst/pf" "$smtp" "$milter" >/dev/null ||
		{ echo "FAIL: postfix ($inst)"; exit 1; }
done

cat >"$W/msg.eml" <<MSG
From: Alice Example <alice@$DOMAIN>
To: Bob <bob@sink.test>
Subject: over TCP
Date: $(date -R)
Message-ID: <tcp-$$@$DOMAIN>

A short message: the per-message cost is the protocol, not the body.
MSG

# send INST SESSIONS COUNT [FLAG] - smtp-source through INST's Postfix
# (FLAG -d: all of a session's messages over one connection); prints the
# milliseconds the whole run took, once the sink holds every message
send() {
	local inst=$1 sessions=$2 count=$3 port t0 t1 have
	port=$([ "$inst" = tcp ] && echo "$TCP_SMTP" || echo "$UNIX_SMTP")
	have=$(pf_sink_files "$W/$inst" | wc -l)
	t0=$(date +%s%N)
	timeout 300 smtp-source ${4:-} -s "$sessions" -m "$count" -f "alice@$DOMAIN" \
		-t bob@sink.test -F "$W/msg.eml" "127.0.0.1:$port" >/dev/null 2>&1 ||
		return 1
	t1=$(date +%s%N)
	pf_wait_sink "$W/$inst" $((have + count)) 60 || return 1
	echo $(((t1 - t0) / 1000000))
}

# verified INST - how many of INST's delivered messages carry our
# signature and verify with dkimpy against the published key
verified() {
	pf_sink_files "$W/$1" | xargs -r /usr/bin/python3 tests/tools/dkimverify.py \
		--dns "$W/dns.tsv" --all 2>/dev/null |
		awk -v d="d=$DOMAIN" '$1 == "PASS" && $3 == d { ok[$2] = 1 }
			$1 == "FAIL" { bad[$2] = 1 }
			END { for (f in ok) if (!(f in bad)) n++; print n + 0 }'
}

# warm up both paths (Postfix's processes, the key's first check)
send tcp 1 3 >/dev/null && send unix 1 3 >/dev/null ||
	{ echo "FAIL: warm-up messages did not arrive"; exit 1; }

# one_at_a_time WHAT [-d] - N_ONE messages, one session at a time (-d:
# all in one SMTP session, so Postfix's milter connection carries one
# message after another) over TCP must take less than STALL_MS each
one_at_a_time() {
	local ms per how="one session at a time"
	[ -n "${2:-}" ] && how="one after another in one session"
	ms=$(send tcp 1 "$N_ONE" "${2:-}") || { fail "TCP ($1): $N_ONE messages did not all arrive"; return; }
	per=$(awk -v t="$ms" -v n="$N_ONE" 'BEGIN { printf "%.1f", t / n }')
	if awk -v p="$per" -v s="$STALL_MS" 'BEGIN { exit !(p < s) }'; then
		pass "TCP ($1): $N_ONE messages $how, $per ms each (< $STALL_MS: no delayed-ACK stall)"
	else
		fail "TCP ($1): $per ms per message $how (>= $STALL_MS: Postfix waits for delayed ACKs)"
	fi
}

# all_verified WHAT - every message sent so far ($want) arrived signed and
# verifies
all_verified() {
	local got
	got=$(verified tcp)
	[ "$got" = "$want" ] && pass "$1: $got of $want messages arrived signed and verify" ||
		fail "$1: $got of $want messages arrived signed and verify"
}

# logged WHAT TEXT - the TCP daemon says which way its sessions run
logged() {
	grep -q "TCP sessions: $2" "$W/tcp.log" && pass "$1: the log says '$2'" ||
		fail "$1: the log says '$(grep 'TCP sessions' "$W/tcp.log")', not '$2'"
}

# ---- 1. one session at a time ------------------------------------------
one_at_a_time "immediate ACKs"
one_at_a_time "immediate ACKs" -d
ms_unix=$(send unix 1 "$N_ONE") || fail "unix: $N_ONE messages did not all arrive"
echo "over a unix socket, the same: $(awk -v t="${ms_unix:-0}" -v n="$N_ONE" 'BEGIN { printf "%.1f", t / n }') ms per message"
want=$((2 * N_ONE + 3))
all_verified TCP

# ---- 2. the fast path is the one measured --------------------------------
logged "session socket found" "immediate ACKs on the session socket"

# ---- 3. eight sessions at once -------------------------------------------
ms=$(send tcp 8 "$N_MANY") || fail "TCP: $N_MANY messages over 8 sessions did not all arrive"
want=$((want + N_MANY))
all_verified "TCP, 8 sessions, $N_MANY messages in ${ms:-?} ms"
grep -qE "error|crit" "$W/tcp.log" && fail "the TCP daemon logged errors: $(grep -E 'error|crit' "$W/tcp.log" | head -3)"

# ---- 4. every command answered ---------------------------------------------
pf_daemon_stop "$W" tcp
start_milter tcp "inet:$MILTER_PORT@127.0.0.1" "TCPQuickAck     no"
one_at_a_time "TCPQuickAck no"
one_at_a_time "TCPQuickAck no" -d
want=$((want + 2 * N_ONE))
all_verified "TCPQuickAck no"
logged "TCPQuickAck no" "TCPQuickAck no; every command is answered"

echo "$FAILS failure(s)"
[ "$FAILS" = 0 ]
