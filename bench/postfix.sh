# postfix.sh - the "postfix" section of bench/run.sh: messages per second
# through a real Postfix on loopback, with no milter, dkimguard and OpenDKIM
# behind it over a unix socket and over TCP.
#
# This is what an operator feels: Postfix's smtpd talks to the milter as it
# does in production (its own buffering, no TCP_NODELAY on its side), which
# a load generator speaking the milter protocol directly does not show.
# smtp-source (Postfix's own load client) sends N_PF small messages over 8
# sessions to each instance in turn, ROUNDS interleaved rounds; the sink is
# Postfix's smtp-sink.  The null filter (bench/nullfilter -N over unix: no
# reply before end of message) shows what libmilter alone costs behind
# Postfix: the floor under any filter's added time.  Sourced by bench/run.sh (lib.sh and postfix.sh of
# tests/e2e/lib are loaded).

N_PF=${BENCH_N_PF:-1000}

# pf_bench_conf - a filter's configuration for socket SPEC
pf_bench_conf() {
	local f=$1 spec=$2 name=$3
	case $f in
	opendkim)
		odk_conf sign rsa "${spec#unix:}" | sed "s|^Socket .*|Socket $spec|"
		echo "UMask 0000" ;;
	dkimguard)
		dkg_conf sign rsa "${spec#unix:}" "$name" "TestKeys $T/dns.tsv" "SocketMode 0666" |
			sed "s|^Socket .*|Socket $spec|" ;;
	esac
}

# pf_bench_filter - start filter F as NAME listening on SPEC (unix:PATH or
# inet:PORT@127.0.0.1); waits until it accepts
pf_bench_filter() {
	local f=$1 name=$2 spec=$3 port end
	[ "$f" = null ] || pf_bench_conf "$f" "$spec" "$name" >"$T/$name.conf"
	case $f in
	opendkim) pf_daemon "$T" "$name" opendkim -f -x "$T/$name.conf" ;;
	dkimguard) pf_daemon "$T" "$name" "$DKG" -f -c "$T/$name.conf" ;;
	null) # smtpd runs as postfix: a socket it may connect to; -N: the
		# fewest round trips a filter can ask for
		pf_daemon "$T" "$name" sh -c 'umask 0; exec "$0" -N -p "$1"' "$NULLFILTER" "$spec" ;;
	esac
	end=$((SECONDS + 15))
	case $spec in
	unix:*) while [ ! -S "${spec#unix:}" ] && ((SECONDS < end)); do sleep 0.1; done
		[ -S "${spec#unix:}" ] ;;
	inet:*) port=${spec#inet:}; pf_wait_port "${port%@*}" 15 ;;
	esac
}

# pf_bench_ticks - CPU clock ticks (user + system, all threads) of the
# process in pid file $1, 0 without one
pf_bench_ticks() {
	local pid
	pid=$(cat "$1" 2>/dev/null) && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
	# fields after the ')' that ends the command name: utime is the 12th
	sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}

# pf_bench_rate - msg/s of N_PF messages through the Postfix on PORT; with
# a pid file as $2, also the CPU us per message of that filter in $3
pf_bench_rate() {
	local port=$1 pidfile=${2:-} cpufile=${3:-} t0 t1 c0 c1
	c0=$(pf_bench_ticks "$pidfile")
	t0=$(date +%s%N)
	timeout 300 smtp-source -s 8 -m "$N_PF" -f sender@example.com -t rcpt@example.net \
		-F "$T/msg/small.eml" "127.0.0.1:$port" >/dev/null 2>&1 || { echo -; return; }
	t1=$(date +%s%N)
	c1=$(pf_bench_ticks "$pidfile")
	[ -n "$cpufile" ] && awk -v d=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$N_PF" \
		'BEGIN { printf "%.0f\n", d * 1e6 / hz / n }' >>"$cpufile"
	awk -v n="$N_PF" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }'
}

# pf_added - ms a message takes at RATE msg/s beyond BASE msg/s
pf_added() {
	awk -v r="${1:-}" -v b="${2:-}" 'BEGIN { if (r > 0 && b > 0) printf "%.3f", 1000 / r - 1000 / b; else print "-" }'
}

section_postfix() {
	local configs="none dkg-unix dkg-inet" c port sink r rate name spec
	say "==== Through a real Postfix: smtp-source -s 8, $N_PF small messages, $ROUNDS rounds ===="
	say "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	command -v smtp-source >/dev/null && command -v /usr/sbin/postfix >/dev/null || {
		target 16 "through Postfix" "not measured: smtp-source or postfix missing" SKIP; return; }
	[ "$(id -u)" = 0 ] || { target 16 "through Postfix" "not measured: Postfix needs root" SKIP; return; }
	want null && configs="none null dkg-unix dkg-inet"
	want opendkim && command -v opendkim >/dev/null && configs="$configs odk-unix odk-inet"
	sink=$(free_port)
	pf_daemon "$T" pf-sink /usr/sbin/smtp-sink -u postfix "127.0.0.1:$sink" 256
	for c in $configs; do
		spec=""
		case $c in
		*-unix | null) spec=unix:$T/$c.sock ;;
		*-inet) spec=inet:$(free_port)@127.0.0.1 ;;
		esac
		case $c in
		null) pf_bench_filter null "$c" "$spec" ;;
		dkg-*) pf_bench_filter dkimguard "$c" "$spec" ;;
		odk-*) pf_bench_filter opendkim "$c" "$spec" ;;
		esac || { note "$c did not start"; tail -n 5 "$T/$c.log" >&2; return; }
		# Postfix's own syntax for the milter
		case $spec in inet:*) p=${spec#inet:}; spec="inet:127.0.0.1:${p%@*}" ;; esac
		port=$(free_port)
		PF_SINK_PORT=$sink pf_start "$T/pf-$c" "$port" "$spec" >/dev/null ||
			{ note "Postfix for $c did not start"; return; }
		echo "$port" >"$T/pf-$c.port"
		# warm up: keys loaded, sessions open, queue directories hot
		N_PF=100 pf_bench_rate "$port" >/dev/null
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		for c in $configs; do
			echo "$(pf_bench_rate "$(cat "$T/pf-$c.port")" "$T/$c.pid" "$T/pf-$c.cpu")" \
				>>"$T/pf-$c.rates"
		done
	done
	say "  $(printf '%-10s %10s %10s %12s %10s' config msg/s spread 'added ms' 'cpu us')"
	local base cpu
	base=$(median <"$T/pf-none.rates")
	for c in $configs; do
		rate=$(median <"$T/pf-$c.rates")
		echo "$rate" >"$T/pf-$c.median"
		cpu=-
		[ "$c" = none ] || cpu=$(median <"$T/pf-$c.cpu")
		say "  $(printf '%-10s %10s %10s %12s %10s' "$c" "$rate" "$(spread <"$T/pf-$c.rates")" \
			"$(pf_added "$rate" "$base")" \
			"$cpu")"
	done
	say "  added ms = 1000/rate - 1000/rate(no milter): wall time each message adds"
	say "  cpu us: the filter process's CPU time per message (user + system, all"
	say "  threads, /proc/PID/stat; 10 ms ticks); null: nullfilter -N (no reply"
	say "  before end of message), libmilter's own cost, a floor for any filter."
	say "  Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	local unix inet added
	unix=$(cat "$T/pf-dkg-unix.median"); inet=$(cat "$T/pf-dkg-inet.median")
	r=$(awk -v a="$inet" -v b="$unix" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
	target 16 "through Postfix: dkimguard over inet / over unix (>= 0.90, within noise)" \
		"$r ($inet vs $unix msg/s)" "$(verdict "$r" ge 0.90)"
	added=$(pf_added "$unix" "$base")
	target 16 "through Postfix: ms dkimguard adds per message over unix (<= 1)" \
		"$added ms ($unix vs $base msg/s with no milter; the null filter adds $(
			pf_added "$(cat "$T/pf-null.median" 2>/dev/null)" "$base") ms; load average $(
			cut -d' ' -f1 /proc/loadavg))" "$(verdict "$added" le 1)"
	if [ -f "$T/pf-odk-unix.median" ]; then
		r=$(awk -v a="$unix" -v b="$(cat "$T/pf-odk-unix.median")" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
		target 16 "through Postfix: dkimguard / OpenDKIM msg/s, unix" "$r" INFO
		r=$(awk -v a="$inet" -v b="$(cat "$T/pf-odk-inet.median")" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
		target 16 "through Postfix: dkimguard / OpenDKIM msg/s, inet" "$r" INFO
	fi
	for c in $configs; do
		pf_stop "$T/pf-$c"
		[ "$c" = none ] || pf_daemon_stop "$T" "$c"
	done
	pf_daemon_stop "$T" pf-sink
}
