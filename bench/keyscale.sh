# keyscale.sh - the "keyscale" section of bench/run.sh: what the size of
# the key table costs.  For BENCH_KEYSCALE (10 1000 10000) entries: time
# from start to an open socket, time of a reload (SIGHUP until the
# PidFile.reloaded report names the new generation), RSS after start and
# after three reloads, and the signing CPU per message for the table's
# last domain.  The guard is on and reads every record from a file
# (TestKeys), so its start-up checks are in the figures but DNS is not.
#
# Entries reuse a pool of BENCH_KEYPOOL (20) RSA-2048 keys: generating
# 10,000 keys would take longer than the run, and every per-entry cost
# (parsing the key's record, the guard's entry, the signing table) is paid
# per entry whichever file it names.  Sourced by bench/run.sh.

KEYSCALE=${BENCH_KEYSCALE:-10 1000 10000}
KEYPOOL=${BENCH_KEYPOOL:-20}

# ks_pool - KEYPOOL private keys and their p= values in $T/ks/
ks_pool() {
	local i
	mkdir -p "$T/ks"
	for ((i = 1; i <= KEYPOOL; i++)); do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$T/ks/k$i.pem" 2>/dev/null || return 1
		chmod 600 "$T/ks/k$i.pem"
		openssl pkey -in "$T/ks/k$i.pem" -pubout -outform DER 2>/dev/null |
			base64 -w0 >"$T/ks/k$i.p" || return 1
	done
}

# ks_tables N - key table, signing table and records for N domains
ks_tables() {
	local n=$1
	awk -v n="$n" -v pool="$KEYPOOL" -v d="$T/ks" 'BEGIN {
		for (i = 1; i <= pool; i++) {
			getline p < (d "/k" i ".p"); key[i] = p
		}
		for (i = 1; i <= n; i++) {
			k = (i - 1) % pool + 1
			printf "s%d._domainkey.d%d.test d%d.test:s%d:%s/k%d.pem\n", i, i, i, i, d, k > (d "/keytable." n)
			printf "*@d%d.test s%d._domainkey.d%d.test\n", i, i, i > (d "/signingtable." n)
			printf "s%d._domainkey.d%d.test\tv=DKIM1; k=rsa; p=%s\n", i, i, key[k] > (d "/dns." n ".tsv")
		}
	}'
	cat >"$T/ks/dkg.$n.conf" <<EOF
Socket unix:$T/ks/dkg.$n.sock
PidFile $T/ks/dkg.$n.daemon.pid
Mode sign
KeyTable $T/ks/keytable.$n
SigningTable refile:$T/ks/signingtable.$n
TestKeys $T/ks/dns.$n.tsv
InternalHosts 127.0.0.0/8
RequireSafeKeys no
EOF
	{ message_header "ks$n" | sed "s/sender@example.com/sender@d$n.test/"; echo "Hello."; } \
		>"$T/ks/msg.$n.eml"
}

# ks_ms START_NS - milliseconds since START_NS
ks_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# ks_reload N GEN - SIGHUP; ms until the report says generation GEN
ks_reload() {
	local n=$1 gen=$2 t0 end
	t0=$(date +%s%N)
	kill -HUP "$(cat "$T/ks-$n.pid")"
	end=$((SECONDS + 60))
	until grep -q "^$gen ok" "$T/ks/dkg.$n.daemon.pid.reloaded" 2>/dev/null; do
		((SECONDS < end)) || { echo -; return; }
		sleep 0.005
	done
	ks_ms "$t0"
}

section_keyscale() {
	local n t0 start reload rss0 rss1 gen cpu r row
	say "==== Key table scale: start, reload, RSS, signing CPU (guard on, records from a file) ===="
	[ -x "$DKG" ] || { target 16 "key table scale" "not measured: dkimguard not built" SKIP; return; }
	ks_pool || { target 16 "key table scale" "not measured: key generation failed" SKIP; return; }
	say "  $(printf '%7s %9s %10s %10s %12s %12s' keys 'start ms' 'reload ms' 'RSS kB' 'RSS 3 rel.' 'sign us/msg')"
	for n in $KEYSCALE; do
		ks_tables "$n"
		t0=$(date +%s%N)
		pf_daemon "$T" "ks-$n" "$DKG" -f -c "$T/ks/dkg.$n.conf"
		until [ -S "$T/ks/dkg.$n.sock" ]; do
			kill -0 "$(cat "$T/ks-$n.pid")" 2>/dev/null || break
			sleep 0.005
		done
		start=$(ks_ms "$t0")
		[ -S "$T/ks/dkg.$n.sock" ] || { note "$n keys: no socket"; tail -n 3 "$T/ks-$n.log" >&2; continue; }
		rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$T/ks-$n.pid")/status")
		reload=""
		for gen in 1 2 3; do
			r=$(ks_reload "$n" "$gen")
			reload="$reload $r"
		done
		reload=$(printf '%s\n' $reload | median)
		rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$T/ks-$n.pid")/status")
		row=$(timeout 300 "$LOADGEN" -S "unix:$T/ks/dkg.$n.sock" -m "$T/ks/msg.$n.eml" -c 1 -n 2000 \
			--pid "$(cat "$T/ks-$n.pid")" --client-addr 127.0.0.1 | grep '^RESULT')
		cpu=$(kv "$row" cpu_us_msg)
		# every message must have been signed, or the figure is not signing's
		[ "$(kv "$row" ins_hdrs)" = 2000 ] ||
			cpu="$cpu (signed $(kv "$row" ins_hdrs) of 2000)"
		echo "$n $start $reload $rss1 $cpu" >>"$T/ks/rows"
		say "  $(printf '%7s %9s %10s %10s %12s %12s' "$n" "$start" "$reload" "$rss0" "$rss1" "$cpu")"
		pf_daemon_stop "$T" "ks-$n"
	done
	say "  (start: launch to listening socket; reload: median of 3 SIGHUPs until the"
	say "   PidFile.reloaded report; RSS before and after the reloads)"
	row=$(awk '$1 == 10000' "$T/ks/rows")
	if [ -n "$row" ]; then
		set -- $row
		target 16 "10,000 keys: start <= 2000 ms" "$2 ms" "$(verdict "$2" le 2000)"
		target 16 "10,000 keys: reload <= 1000 ms" "$3 ms" "$(verdict "$3" le 1000)"
		target 16 "10,000 keys: RSS after 3 reloads" "$4 kB" INFO
		r=$(awk '$1 == 10 { print $5 }' "$T/ks/rows")
		target 16 "signing CPU per message, 10,000 keys vs 10 (table size independent)" \
			"$5 vs $r us" INFO
	fi
}
