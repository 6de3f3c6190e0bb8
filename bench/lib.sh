# lib.sh - helpers shared by the bench sections (source from bash after
#	   tests/e2e/lib/postfix.sh, with ROOT and T set)
#
# SYNOPSIS
#	note MSG / say MSG          progress (stderr) / report text (stdout)
#	kv RESULT KEY               one value of a loadgen RESULT line
#	median / spread             of the numbers on stdin, one per line
#	verdict VALUE OP LIMIT      PASS or MISS (OP: ge or le)
#	target ISSUE NAME MEASURED STATUS
#	                            one row of the final summary (and print it)
#	free_port                   a port free on 127.0.0.1, in 25000-25999
#	                            or DKIMGUARD_TEST_PORTS ("LO-HI")
#	make_messages [big]         $T/msg/small.eml, 100k.eml (and 50m.eml)
#	make_keys                   RSA-2048 and Ed25519 keys, tables, dns.tsv
#	odk_conf MODE ALG SOCK      an opendkim.conf
#	dkg_conf MODE ALG SOCK NAME LINE...
#	                            a dkimguard.conf; LINEs are appended (the
#	                            key source: TestKeys or Nameservers)
#	filter_start NAME FILTER MODE ALG [LINE...]
#	                            start null, opendkim or dkimguard as
#	                            instance NAME; dkimguard gets LINEs, by
#	                            default "TestKeys $T/dns.tsv"
#	inst_start NAME CMD...      start a filter whose socket is
#	                            $T/NAME.sock, wait for the socket
#	inst_stop NAME              stop it (TERM, then KILL)
#	inst_rss NAME               its VmRSS in kB
#	inst_peak NAME              its VmHWM (peak RSS) in kB
#	inst_peak_reset NAME        peak RSS := current RSS (clear_refs 5)
#	lg NAME MSG CONC COUNT CLIENT [loadgen options]
#	                            one loadgen run against instance NAME with
#	                            --pid; prints the RESULT line (or nothing)
#	lg_one NAME MSG CLIENT      one message (--one); delivered text on
#	                            stdout, ACTION line in $T/NAME.one.action
#	ab_rounds TAG MSG CONC COUNT ROUNDS NAME...
#	                            ROUNDS rounds, each running every NAME once
#	                            (order reversed every other round), rows in
#	                            $T/ab-TAG.tsv: round, name, RESULT line;
#	                            calls ab_hook NAME after each run if defined
#	ab_median TAG NAME KEY      median of KEY over the rounds of NAME
#	ab_ratio TAG NAME BASE      median over rounds of rate(NAME)/rate(BASE)
#	ab_range TAG NAME BASE      lowest-highest of those per-round ratios
#	ab_cpu_text TAG NAME BASE   the same comparison in the filter's CPU
#	                            time per message (loadgen --pid), as text
#	ab_bad TAG NAME             runs of NAME that did not sign every message
#	ab_print TAG NAME...        the per-round rates, one line per round
#
# All loadgen and openssl runs are bounded with timeout(1) --foreground
# (so that ^C reaches them too).

DKG=${BENCH_DKG:-$ROOT/milter/dkimguard}
. "$ROOT/tests/e2e/lib/dns.sh"	# dns_free_port, and the DNS server for guard.sh
LOADGEN=$ROOT/bench/loadgen
NULLFILTER=$ROOT/bench/nullfilter
SUMMARY=$T/summary.tsv

# note - progress on stderr
note() { echo "bench: $*" >&2; }

# say - one line of the report
say() { printf '%s\n' "$*"; }

# kv - value of KEY in a "RESULT k=v ..." line
kv() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# median - of the numbers on stdin (mean of the middle two when even)
median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.4g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# spread - (max - min) / median in percent, of the numbers on stdin
spread() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR < 2) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (m > 0) printf "%.0f%%\n", 100 * (v[NR] - v[1]) / m
		else print "-"
	}'
}

# verdict - PASS when VALUE OP LIMIT holds (ge, le), MISS otherwise
verdict() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "" || v == "-") { print "MISS"; exit }
		ok = (op == "ge") ? (v + 0 >= l + 0) : (v + 0 <= l + 0)
		print ok ? "PASS" : "MISS"
	}'
}

# target - record a summary row and print it in the section
target() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$SUMMARY"
	printf '  %-4s %s: %s\n' "$4" "$2" "$3"
}

# free_port - a UDP+TCP port in 25000-25999 (DKIMGUARD_TEST_PORTS) that
# nobody listens on
free_port() {
	dns_free_port "${DKIMGUARD_TEST_PORTS:-25000-25999}"
}

# message_header - the header of every generated message
message_header() {
	cat <<EOF
From: Bench Sender <sender@example.com>
To: Bench Recipient <rcpt@example.net>
Subject: $1
Date: Mon, 23 Nov 2026 05:00:00 +0000
Message-ID: <bench-$1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

EOF
}

# body_lines - BYTES of 72-column text
body_lines() {
	awk -v bytes="$1" 'BEGIN {
		line = "The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmn";
		for (n = 0; n < bytes; n += length(line) + 1) print line
	}'
}

# make_messages - small and 100k; 50m too when asked ("big")
make_messages() {
	mkdir -p "$T/msg"
	{ message_header small; echo "Hello, this is a short benchmark message."; } >"$T/msg/small.eml"
	{ message_header 100k; body_lines 102400; } >"$T/msg/100k.eml"
	[ "${1:-}" = big ] && { message_header 50m; body_lines 52428800; } >"$T/msg/50m.eml"
	return 0
}

# make_keys - RSA-2048 (opendkim-genkey) and Ed25519 (openssl); key and
# signing tables per algorithm; $T/dns.tsv with both public records
make_keys() {
	local k=$T/keys edpub alg file
	mkdir -p "$k"
	opendkim-genkey -D "$k" -d example.com -s rsa -b 2048 || return 1
	openssl genpkey -algorithm ed25519 -out "$k/ed25519.pem" 2>/dev/null || return 1
	edpub=$(openssl pkey -in "$k/ed25519.pem" -pubout -outform DER | tail -c 32 | base64)
	{
		printf 'rsa._domainkey.example.com\t%s\n' \
			"$(grep -o '"[^"]*"' "$k/rsa.txt" | tr -d '"\n')"
		printf 'ed25519._domainkey.example.com\tv=DKIM1; k=ed25519; p=%s\n' "$edpub"
	} >"$T/dns.tsv"
	for alg in rsa ed25519; do
		file=$k/rsa.private
		[ "$alg" = ed25519 ] && file=$k/ed25519.pem
		echo "$alg._domainkey.example.com example.com:$alg:$file" >"$T/keytable.$alg"
		echo "*@example.com $alg._domainkey.example.com" >"$T/signingtable.$alg"
	done
}

# odk_conf - an opendkim.conf with the same keys and canonicalization
odk_conf() {
	cat <<EOF
Socket unix:$3
Mode $([ "$1" = sign ] && echo s || echo v)
KeyTable $T/keytable.$2
SigningTable refile:$T/signingtable.$2
SignatureAlgorithm $([ "$2" = rsa ] && echo rsa-sha256 || echo ed25519-sha256)
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.1
TestPublicKeys $T/dns.tsv
RequireSafeKeys false
Syslog no
EOF
}

# dkg_conf - a dkimguard.conf (option names from common/config/options.def)
dkg_conf() {
	local mode=$1 alg=$2 sock=$3 name=$4
	shift 4
	cat <<EOF
Socket unix:$sock
PidFile $T/$name.daemon.pid
Mode $mode
KeyTable $T/keytable.$alg
SigningTable refile:$T/signingtable.$alg
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.0/8
RequireSafeKeys no
EOF
	printf '%s\n' "$@"
}

# inst_start - start a filter in the background, wait for its socket
inst_start() {
	local name=$1 sock=$T/$1.sock end
	shift
	rm -f "$sock"
	pf_daemon "$T" "$name" "$@"
	end=$((SECONDS + 15))
	while [ ! -S "$sock" ] && ((SECONDS < end)); do
		kill -0 "$(cat "$T/$name.pid")" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$sock" ] && return 0
	note "$name did not open $sock; log:"
	tail -n 5 "$T/$name.log" >&2
	pf_daemon_stop "$T" "$name"
	return 1
}

# filter_start - one filter instance with the bench's keys
filter_start() {
	local name=$1 f=$2 mode=$3 alg=$4
	shift 4
	(($#)) || set -- "TestKeys $T/dns.tsv"
	case $f in
	null) inst_start "$name" "$NULLFILTER" -p "unix:$T/$name.sock" ;;
	opendkim)
		odk_conf "$mode" "$alg" "$T/$name.sock" >"$T/$name.conf"
		inst_start "$name" opendkim -f -x "$T/$name.conf" ;;
	dkimguard)
		dkg_conf "$mode" "$alg" "$T/$name.sock" "$name" "$@" >"$T/$name.conf"
		inst_start "$name" "$DKG" -f -c "$T/$name.conf" ;;
	esac
}

# inst_stop - stop an instance started by inst_start
inst_stop() {
	pf_daemon_stop "$T" "$1"
}

# inst_rss - VmRSS of an instance in kB
inst_rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$T/$1.pid")/status" 2>/dev/null
}

# inst_peak - VmHWM of an instance in kB: the exact peak, not sampled
inst_peak() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$(cat "$T/$1.pid")/status" 2>/dev/null
}

# inst_peak_reset - restart the peak from the current RSS (Linux 4.0+)
inst_peak_reset() {
	echo 5 >"/proc/$(cat "$T/$1.pid")/clear_refs" 2>/dev/null
}

# lg - one load run against instance NAME; prints its RESULT line
lg() {
	local name=$1 msg=$2 c=$3 n=$4 client=$5
	shift 5
	timeout --foreground 600 "$LOADGEN" -S "unix:$T/$name.sock" -m "$msg" -c "$c" -n "$n" \
		--pid "$(cat "$T/$name.pid")" --client-addr "$client" "$@" |
		grep '^RESULT'
}

# lg_one - one message through instance NAME, as Postfix would deliver it
lg_one() {
	timeout --foreground 120 "$LOADGEN" --one -S "unix:$T/$1.sock" -m "$2" --client-addr "$3" \
		2>"$T/$1.one.action"
}

# ab_rounds - interleaved repetitions over several instances
ab_rounds() {
	local tag=$1 msg=$2 c=$3 n=$4 rounds=$5 r name order res
	shift 5
	for ((r = 1; r <= rounds; r++)); do
		order=$*
		((r % 2 == 0)) && order=$(printf '%s\n' "$@" | tac | tr '\n' ' ')
		for name in $order; do
			res=$(lg "$name" "$msg" "$c" "$n" 127.0.0.1)
			[ -n "$res" ] || note "$tag: $name round $r: no result"
			printf '%s\t%s\t%s\n' "$r" "$name" "$res" >>"$T/ab-$tag.tsv"
			if declare -F ab_hook >/dev/null; then ab_hook "$name"; fi
		done
	done
}

# AB_KV - awk function: value of key k in a RESULT line s
AB_KV='function kv(s, k,   a, i, n) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2)
	return ""
}'

# ab_values - KEY of NAME in every round that gave a result, one per line
ab_values() {
	awk -F'\t' -v n="$2" -v k="$3" "$AB_KV"'
		$2 == n && $3 != "" { print kv($3, k) }' "$T/ab-$1.tsv"
}

# ab_median - median of KEY over the rounds of NAME
ab_median() {
	ab_values "$1" "$2" "$3" | median
}

# ab_ratios - rate(NAME) / rate(BASE) of every round, one per line; with
# KEY cpu_us_msg: cpu(BASE) / cpu(NAME), which reads the same way (above
# 1: NAME is the cheaper)
ab_ratios() {
	awk -F'\t' -v n="$2" -v b="$3" -v k="${4:-rate}" "$AB_KV"'
		$3 == "" { next }
		$2 == n { a[$1] = kv($3, k) }
		$2 == b { z[$1] = kv($3, k) }
		END { for (r in a) if ((r in z) && a[r] > 0 && z[r] > 0)
			printf "%.4f\n", k == "rate" ? a[r] / z[r] : z[r] / a[r] }
	' "$T/ab-$1.tsv"
}

# ab_cpu_text TAG NAME BASE - "CPU per message: N vs M us, ratio R
# (rounds LO-HI)" for a summary line
ab_cpu_text() {
	printf 'filter CPU per message: %s vs %s us: %s / %s = %s (rounds %s)' \
		"$(ab_median "$1" "$2" cpu_us_msg)" "$(ab_median "$1" "$3" cpu_us_msg)" \
		"$3" "$2" "$(ab_ratios "$1" "$2" "$3" cpu_us_msg | median)" \
		"$(ab_ratios "$1" "$2" "$3" cpu_us_msg | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
			END { if (NR) printf "%.2f-%.2f", lo, hi; else print "-" }')"
}

# ab_ratio - median over rounds of rate(NAME) / rate(BASE), same round
ab_ratio() {
	ab_ratios "$@" | median
}

# ab_range - "MIN-MAX" of the per-round ratios: the noise to read it by
ab_range() {
	ab_ratios "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 }
		END { if (NR) printf "%.2f-%.2f\n", lo, hi; else print "-" }'
}

# ab_bad - runs of NAME where some message was not signed and accepted
ab_bad() {
	awk -F'\t' -v n="$2" '$2 == n' "$T/ab-$1.tsv" | while IFS=$'\t' read -r _ _ res; do
		[ -n "$res" ] || { echo x; continue; }
		[ "$(kv "$res" accept)" = "$(kv "$res" msgs)" ] &&
			[ "$(kv "$res" ins_hdrs)" = "$(kv "$res" msgs)" ] || echo x
	done | wc -l
}

# ab_print - one line per round with the rate of each NAME
ab_print() {
	local tag=$1 r name line
	shift
	printf '  %-6s' round
	printf ' %14s' "$@"
	echo
	for r in $(cut -f1 "$T/ab-$tag.tsv" | sort -un); do
		line=$(printf '  %-6s' "$r")
		for name in "$@"; do
			line=$line$(printf ' %14s' "$(awk -F'\t' -v r="$r" -v n="$name" \
				'$1 == r && $2 == n { print $3 }' "$T/ab-$tag.tsv" |
				{ read -r res; kv "$res" rate; })")
		done
		echo "$line"
	done
	line=$(printf '  %-6s' median)
	for name in "$@"; do
		line=$line$(printf ' %14s' "$(ab_median "$tag" "$name" rate)")
	done
	echo "$line"
}
