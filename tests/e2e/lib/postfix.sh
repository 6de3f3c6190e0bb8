# postfix.sh - private Postfix instances, an SMTP sink and senders for
# end-to-end tests.  Source it from bash:  . tests/e2e/lib/postfix.sh
#
# Every wait is bounded; everything started here is stopped at exit by
# one EXIT trap (do not set your own EXIT trap: use pf_on_exit).
#
# pf_start DIR SMTPD_PORT MILTER_SPEC [main.cf line...]
#     Create and start a Postfix instance in DIR: config_directory
#     DIR/conf (so "postfix -c DIR/conf ..." works by hand; the queue is
#     kept out of it so that postfix check stays quiet), queue DIR/queue,
#     data DIR/data, log DIR/maillog (no syslog needed), smtpd on
#     127.0.0.1:SMTPD_PORT, smtpd_milters = non_smtpd_milters =
#     MILTER_SPEC (Postfix syntax: unix:/path or inet:127.0.0.1:PORT; ""
#     for none), milter_default_action = tempfail, milter_protocol = 6.
#     No local delivery: all mail goes to [127.0.0.1]:$PF_SINK_PORT
#     (default SMTPD_PORT+1), from any client address (relay is allowed
#     to all).  mynetworks = 127.0.0.0/8, XCLIENT allowed from
#     127.0.0.0/8.  Returns when smtpd answers with its 220 banner.  Extra "name = value" lines are applied last with
#     postconf -e (they override the defaults).  Postfix daemons run as
#     user postfix: DIR's ancestors get o+x if they lack it, and a unix
#     milter socket must be reachable (and writable) by that user.
# pf_conf DIR            print the instance's config_directory
# pf_stop DIR            postfix stop, wait for the master to exit (kill
#                        it by its pid file after 20 s); idempotent
# pf_sink_start DIR PORT an SMTP sink on 127.0.0.1:PORT storing each
#                        message as DIR/sink/msg-*.eml (raw bytes as
#                        received) and its envelope as msg-*.env
# pf_sink_stop DIR       stop that sink
# pf_send PORT FROM TO FILE [CLIENT_IP [LOGIN]]
#     Send FILE over SMTP; prints "CODE TEXT" of the final (or first
#     refusing) reply; returns 0 (2xx), 4 (4xx), 5 (5xx), 1 (no SMTP).
#     CLIENT_IP in 127/8 is used as source address, others go by XCLIENT
#     ADDR=; LOGIN goes by XCLIENT LOGIN= (the milter sees {auth_authen}).
# pf_send_wait DIR PORT FROM TO FILE [CLIENT_IP]  send, wait at the sink,
#                                 print the delivered file's path
# pf_sendmail DIR FILE [FROM [TO...]]
#     Submit through DIR's sendmail/postdrop/pickup (non_smtpd_milters);
#     recipients from the header (-t) when no TO is given.
# pf_wait_sink DIR COUNT TIMEOUT   wait until DIR/sink holds COUNT
#                        messages; 1 on timeout
# pf_sink_files DIR      list the stored messages, oldest first
# pf_queue DIR           postqueue -p for the instance
# pf_queue_count DIR     number of queued messages
# pf_hold_release DIR    postsuper -H ALL, then flush the queue
# pf_flush DIR           postqueue -f
# pf_queued_id REPLY     the queue id of a "250 ... queued as ID" reply
# pf_held DIR            the queue ids in the instance's hold queue
# pf_release DIR QID     postsuper -H QID: one held message back to the
#                        deferred queue (pf_flush sends it now)
# pf_wait_status DIR QID STATUS TIMEOUT
#                        wait until the log has a delivery line of QID
#                        with status=STATUS (sent, deferred, bounced,
#                        or an -E alternation of them);
#                        1 on timeout
# pf_status_line DIR QID the last delivery line of QID (for messages)
# pf_log DIR             print the instance's log
# pf_wait_log DIR REGEX TIMEOUT    wait for a log line (grep -E)
# pf_wait_port PORT TIMEOUT        wait until 127.0.0.1:PORT accepts
# pf_daemon DIR NAME CMD...        run CMD in the background, output in
#                        DIR/NAME.log, pid in DIR/NAME.pid, killed at exit
# pf_daemon_stop DIR NAME          stop it (TERM, then KILL after 10 s)
# pf_on_exit CMD...      run CMD at exit (last registered runs first)
#
# Environment: PF_SINK_PORT, PF_PYTHON (default /usr/bin/python3).

PF_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PF_TOOLS=$(cd "$PF_LIB_DIR/../../tools" && pwd)
PF_PYTHON=${PF_PYTHON:-/usr/bin/python3}
PF_EXIT_CMDS=()

# pf__run_exit - run the registered exit commands, newest first
pf__run_exit() {
	local i
	for ((i = ${#PF_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${PF_EXIT_CMDS[i]}" >/dev/null 2>&1 || true
	done
	PF_EXIT_CMDS=()
}
trap 'pf__run_exit' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pf_on_exit - register a command for exit time
pf_on_exit() {
	PF_EXIT_CMDS+=("$*")
}

# pf__q - shell-quote the arguments into one string
pf__q() {
	printf '%q ' "$@"
}

# pf_wait_port - wait until something listens on 127.0.0.1:PORT
pf_wait_port() {
	local port=$1 timeout=${2:-10} end=$((SECONDS + ${2:-10}))
	while ((SECONDS <= end)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "pf_wait_port: nothing on 127.0.0.1:$port after ${timeout}s" >&2
	return 1
}

# pf__master_cf - services of a private instance, no chroot
pf__master_cf() {
	local port=$1
	cat <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# pf__main_cf - the instance's main.cf before the caller's lines
pf__main_cf() {
	local dir=$1 port=$2 milter=$3 sink=$4 name
	name=$(basename "$dir" | tr -c 'A-Za-z0-9\n' '-')
	cat <<EOF
compatibility_level = 3.6
config_directory = $dir/conf
queue_directory = $dir/queue
data_directory = $dir/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-e2e-$name
maillog_file = $dir/maillog
maillog_file_prefixes = /
myhostname = mta.example.test
mydomain = example.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
relayhost = [127.0.0.1]:$sink
default_transport = smtp:[127.0.0.1]:$sink
relay_transport = smtp:[127.0.0.1]:$sink
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
message_size_limit = 104857600
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 30s
notify_classes =
biff = no
smtpd_milters = $milter
non_smtpd_milters = $milter
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = 60s
EOF
}

# pf__traversable - let user postfix reach DIR: o+x on each ancestor
# that lacks it (mktemp -d makes 0700 directories)
pf__traversable() {
	local d=$1
	while [ "$d" != / ] && [ -n "$d" ]; do
		if [ -z "$(find "$d" -maxdepth 0 -perm -o+x)" ]; then
			echo "pf_start: chmod o+x $d (Postfix runs as user postfix)" >&2
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

# pf_start - create and start a private instance in DIR
pf_start() {
	local dir=$1 port=$2 milter=$3 line conf
	shift 3
	local sink=${PF_SINK_PORT:-$((port + 1))}
	mkdir -p "$dir/conf" "$dir/queue" "$dir/data" &&
		dir=$(cd "$dir" && pwd) || return 1
	conf=$dir/conf
	chmod 755 "$dir" "$conf"
	pf__traversable "$dir"
	chown postfix "$dir/data"
	pf__main_cf "$dir" "$port" "$milter" "$sink" >"$conf/main.cf"
	pf__master_cf "$port" >"$conf/master.cf"
	for line in "$@"; do
		postconf -c "$conf" -e "$line" || return 1
	done
	timeout 60 postfix -c "$conf" set-permissions >"$dir/check.log" 2>&1 &&
		timeout 60 postfix -c "$conf" check >>"$dir/check.log" 2>&1 || {
		echo "pf_start: postfix set-permissions/check failed:" >&2
		cat "$dir/check.log" >&2
		return 1
	}
	pf_on_exit pf_stop "$(pf__q "$dir")"
	timeout 60 postfix -c "$conf" start >"$dir/start.log" 2>&1 || {
		echo "pf_start: postfix start failed:" >&2
		cat "$dir/start.log" >&2
		return 1
	}
	pf_wait_port "$port" 20 && pf__banner "$dir" "$port"
}

# pf__banner - does smtpd answer 220 (a bad main.cf kills smtpd only now)
pf__banner() {
	local dir=$1 port=$2 line=
	{
		exec 3<>"/dev/tcp/127.0.0.1/$port" && read -r -t 15 line <&3
		exec 3>&-
	} 2>/dev/null
	case $line in
	220*) return 0 ;;
	esac
	echo "pf_start: smtpd on port $port did not answer 220; log:" >&2
	tail -n 5 "$dir/maillog" >&2
	return 1
}

# pf_conf - the instance's config_directory
pf_conf() {
	echo "$1/conf"
}

# pf__master_pid - the instance's master pid, empty when not running
pf__master_pid() {
	local pidfile=$1/queue/pid/master.pid pid
	[ -r "$pidfile" ] || return 0
	pid=$(tr -dc 0-9 <"$pidfile")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	return 0
}

# pf_stop - stop the instance; kill its master if it hangs
pf_stop() {
	local dir=$1 pid end
	pid=$(pf__master_pid "$dir")
	[ -n "$pid" ] || return 0
	timeout 30 postfix -c "$dir/conf" stop >/dev/null 2>&1
	end=$((SECONDS + 20))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "pf_stop: master $pid did not exit; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	return 0
}

# pf_daemon - run a command in the background, registered for exit
pf_daemon() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir"
	"$@" >"$dir/$name.log" 2>&1 </dev/null &
	echo $! >"$dir/$name.pid"
	pf_on_exit pf_daemon_stop "$(pf__q "$dir")" "$(pf__q "$name")"
}

# pf_daemon_stop - TERM the recorded pid, KILL it after 10 s
pf_daemon_stop() {
	local pidfile=$1/$2.pid pid end
	[ -r "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	rm -f "$pidfile"
	kill -TERM "$pid" 2>/dev/null || return 0
	end=$((SECONDS + 10))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# pf_sink_start - start the SMTP sink storing into DIR/sink
pf_sink_start() {
	local dir=$1 port=$2
	mkdir -p "$dir/sink"
	pf_daemon "$dir" smtpsink "$PF_PYTHON" "$PF_TOOLS/smtpsink.py" \
		--port "$port" --dir "$dir/sink" --max-seconds 3600
	pf_wait_port "$port" 10
}

# pf_sink_stop - stop the sink
pf_sink_stop() {
	pf_daemon_stop "$1" smtpsink
}

# pf_sink_files - stored messages, oldest first
pf_sink_files() {
	ls -1 "$1/sink/"msg-*.eml 2>/dev/null | sort
}

# pf_wait_sink - wait until the sink holds COUNT messages
pf_wait_sink() {
	local dir=$1 count=$2 timeout=$3 n end=$((SECONDS + $3))
	while :; do
		n=$(pf_sink_files "$dir" | wc -l)
		((n >= count)) && return 0
		((SECONDS >= end)) && break
		sleep 0.2
	done
	echo "pf_wait_sink: $n of $count messages after ${timeout}s" >&2
	return 1
}

# pf_send - one message over SMTP, prints "CODE TEXT"
pf_send() {
	local port=$1 from=$2 to=$3 file=$4 ip=${5:-} login=${6:-}
	local args=(--port "$port" --from "$from" --to "$to" --file "$file")
	[ -n "$ip" ] && args+=(--client-ip "$ip")
	[ -n "$login" ] && args+=(--login "$login")
	timeout 120 "$PF_PYTHON" "$PF_TOOLS/smtpsend.py" "${args[@]}"
}

# pf_send_wait - send over SMTP, wait for one more message at the sink,
# print its path; the refusal reply goes to stderr
pf_send_wait() {
	local dir=$1 port=$2 from=$3 to=$4 file=$5 ip=${6:-} n reply
	n=$(pf_sink_files "$dir" | wc -l)
	reply=$(pf_send "$port" "$from" "$to" "$file" "$ip") || {
		echo "send of $file through port $port refused: $reply" >&2
		return 1
	}
	pf_wait_sink "$dir" $((n + 1)) 30 || return 1
	pf_sink_files "$dir" | tail -n 1
}

# pf_sendmail - submit through the instance's sendmail (pickup path)
pf_sendmail() {
	local dir=$1 file=$2
	shift 2
	if (($# == 0)); then
		timeout 60 sendmail -C "$dir/conf" -i -t <"$file"
	else
		local from=$1
		shift
		if (($# == 0)); then
			timeout 60 sendmail -C "$dir/conf" -i -t -f "$from" <"$file"
		else
			timeout 60 sendmail -C "$dir/conf" -i -f "$from" -- "$@" <"$file"
		fi
	fi
}

# pf_queue - the instance's queue listing
pf_queue() {
	timeout 30 postqueue -c "$1/conf" -p
}

# pf_queue_count - number of queued messages
pf_queue_count() {
	find "$1/queue/maildrop" "$1/queue/incoming" "$1/queue/active" \
		"$1/queue/deferred" "$1/queue/hold" -type f 2>/dev/null | wc -l
}

# pf_flush - ask the queue manager to retry everything now
pf_flush() {
	timeout 30 postqueue -c "$1/conf" -f
}

# pf_hold_release - release held (quarantined) mail and flush
pf_hold_release() {
	timeout 30 postsuper -c "$1/conf" -H ALL && pf_flush "$1"
}

# pf_queued_id - the queue id Postfix gave in its reply to DATA
pf_queued_id() {
	sed -n 's/.* queued as \([0-9A-Za-z]*\).*/\1/p' <<<"$1"
}

# pf_held - queue ids on hold: the file names under queue/hold
pf_held() {
	find "$1/queue/hold" -type f -printf '%f\n' 2>/dev/null | sort
}

# pf_release - release one held message
pf_release() {
	timeout 30 postsuper -c "$1/conf" -H "$2"
}

# pf_wait_status - wait for a delivery line "QID: to=<...> ... status=S"
pf_wait_status() {
	local dir=$1 qid=$2 st=$3 end=$((SECONDS + $4))
	while ! grep -Eq -- "$qid: to=<.* status=$st " "$dir/maillog" 2>/dev/null; do
		((SECONDS < end)) || return 1
		sleep 0.2
	done
}

# pf_status_line - the last delivery line of QID
pf_status_line() {
	grep -E -- "$2: to=<.* status=" "$1/maillog" 2>/dev/null | tail -n 1
}

# pf_log - print the instance's log
pf_log() {
	cat "$1/maillog" 2>/dev/null
}

# pf_wait_log - wait for a line matching REGEX in the log
pf_wait_log() {
	local dir=$1 re=$2 timeout=$3 end=$((SECONDS + $3))
	while ((SECONDS <= end)); do
		grep -Eq -- "$re" "$dir/maillog" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "pf_wait_log: no /$re/ in $dir/maillog after ${timeout}s" >&2
	return 1
}
