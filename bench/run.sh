#!/bin/bash
# run.sh - throughput, latency and memory of dkimguard beside Debian's
# opendkim and a null filter, driven by bench/loadgen over unix sockets
#
# usage: bench/run.sh [--rss-flat] [--big] [--only null|opendkim|dkimguard]
#                     [--keep]
#   --rss-flat  also send BENCH_N_FLAT (100000) small messages to each
#               signer and report its RSS at start, end and maximum
#   --big       also send one 50 MB message to each filter, RSS delta
#   --keep      keep the work directory (keys, configs, logs)
# environment: BENCH_N_SMALL (3000) and BENCH_N_100K (400) messages per
#   cell, BENCH_N_FLAT (100000), BENCH_DIR (work directory parent, /tmp)
#
# Cells: filter x mode (sign, verify) x algorithm (rsa = RSA-2048,
# ed25519) x size (small ~300 B, 100 KB) x concurrency (1, 8).  Verify
# input is signed beforehand by opendkim itself (through loadgen --one)
# and checked with dkimpy; public keys come from a file (opendkim
# TestPublicKeys, dkimguard TestKeys), never from DNS.  See bench/README.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/e2e/lib/postfix.sh"	# pf_daemon, pf_on_exit

N_SMALL=${BENCH_N_SMALL:-3000}
N_100K=${BENCH_N_100K:-400}
N_FLAT=${BENCH_N_FLAT:-100000}
OPT_FLAT=0 OPT_BIG=0 OPT_KEEP=0 ONLY=
while (($#)); do
	case $1 in
	--rss-flat) OPT_FLAT=1 ;;
	--big) OPT_BIG=1 ;;
	--keep) OPT_KEEP=1 ;;
	--only) ONLY=$2; shift ;;
	*) echo "usage: $0 [--rss-flat] [--big] [--only FILTER] [--keep]" >&2; exit 2 ;;
	esac
	shift
done

T=$(mktemp -d "${BENCH_DIR:-/tmp}/dkimguard-bench.XXXXXX") || exit 1
((OPT_KEEP)) && echo "work directory: $T" || pf_on_exit rm -rf "$(pf__q "$T")"
RESULTS=$T/results.tsv
: >"$RESULTS"
LOADGEN='' NULLFILTER=''

# note - progress on stderr, so the table on stdout stays clean
note() { echo "bench: $*" >&2; }

# build_tools - use the built bench programs, else compile them here
build_tools() {
	local b=$ROOT/bench aux
	if [ -x "$b/loadgen" ] && [ -x "$b/nullfilter" ]; then
		LOADGEN=$b/loadgen NULLFILTER=$b/nullfilter
		return 0
	fi
	note "bench programs not built: compiling them into $T/bin"
	mkdir -p "$T/bin"
	aux=$(grep -L -E '^(int[[:space:]]+)?main[[:space:]]*[(]' "$b"/*.c)
	# shellcheck disable=SC2086
	gcc -std=gnu11 -O2 -Wall -pthread -o "$T/bin/loadgen" "$b/loadgen.c" $aux &&
		gcc -std=gnu11 -O2 -Wall -pthread -o "$T/bin/nullfilter" \
			"$b/nullfilter.c" -lmilter || return 1
	LOADGEN=$T/bin/loadgen NULLFILTER=$T/bin/nullfilter
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

# make_messages - small, 100k (and 50m with --big) in $T/msg
make_messages() {
	mkdir -p "$T/msg"
	{ message_header small; echo "Hello, this is a short benchmark message."; } >"$T/msg/small.eml"
	{ message_header 100k; body_lines 102400; } >"$T/msg/100k.eml"
	((OPT_BIG)) && { message_header 50m; body_lines 52428800; } >"$T/msg/50m.eml"
	return 0
}

# make_keys - RSA-2048 (opendkim-genkey) and Ed25519 (openssl), one table
make_keys() {
	local k=$T/keys edpub
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
		local file=$k/rsa.private
		[ "$alg" = ed25519 ] && file=$k/ed25519.pem
		echo "$alg._domainkey.example.com example.com:$alg:$file" >"$T/keytable.$alg"
		echo "*@example.com $alg._domainkey.example.com" >"$T/signingtable.$alg"
	done
}

# wait_socket - wait for a unix socket to appear
wait_socket() {
	local end=$((SECONDS + ${2:-10}))
	while [ ! -S "$1" ] && ((SECONDS < end)); do
		sleep 0.1
	done
	[ -S "$1" ]
}

# start_filter NAME SOCKET CMD... - start and wait; prints nothing
start_filter() {
	local name=$1 sock=$2
	shift 2
	rm -f "$sock"
	pf_daemon "$T" "$name" "$@"
	wait_socket "$sock" 15 || {
		note "$name did not open $sock; log:"
		tail -n 5 "$T/$name.log" >&2
		pf_daemon_stop "$T" "$name"
		return 1
	}
}

# opendkim_conf MODE ALG SOCKET - an opendkim.conf
opendkim_conf() {
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

# dkimguard_conf MODE ALG SOCKET - a dkimguard.conf (options.def names)
dkimguard_conf() {
	cat <<EOF
Socket unix:$3
PidFile $T/dkimguard.pid
Mode $1
KeyTable $T/keytable.$2
SigningTable refile:$T/signingtable.$2
Canonicalization relaxed/relaxed
InternalHosts 127.0.0.0/8
TestKeys $T/dns.tsv
RequireSafeKeys no
EOF
}

# start_named FILTER MODE ALG - start a filter instance; sets SOCK
start_named() {
	local f=$1 mode=$2 alg=$3
	SOCK=$T/$f-$mode-$alg.sock
	case $f in
	null) start_filter "$f" "$SOCK" "$NULLFILTER" -p "unix:$SOCK" ;;
	opendkim)
		opendkim_conf "$mode" "$alg" "$SOCK" >"$T/$f-$mode-$alg.conf"
		start_filter "$f" "$SOCK" opendkim -f -x "$T/$f-$mode-$alg.conf" ;;
	dkimguard)
		dkimguard_conf "$mode" "$alg" "$SOCK" >"$T/$f-$mode-$alg.conf"
		start_filter "$f" "$SOCK" "$ROOT/milter/dkimguard" -f -c "$T/$f-$mode-$alg.conf" ;;
	esac
}

# client_for MODE - signing is for internal clients, verify for external
client_for() {
	[ "$1" = verify ] && echo 192.0.2.25 || echo 127.0.0.1
}

# presign ALG - signed copies of the messages for verify cells, made by
# opendkim signing through loadgen --one, checked with dkimpy
presign() {
	local alg=$1 size
	start_named opendkim sign "$alg" || return 1
	for size in small 100k; do
		"$LOADGEN" --one -S "unix:$SOCK" -m "$T/msg/$size.eml" \
			>"$T/msg/$size.$alg.signed.eml" 2>"$T/presign.log" &&
			/usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --dns "$T/dns.tsv" \
				"$T/msg/$size.$alg.signed.eml" >>"$T/sanity.log" 2>&1 ||
			{ note "presign $alg $size failed"; pf_daemon_stop "$T" opendkim; return 1; }
	done
	pf_daemon_stop "$T" opendkim
	note "presigned $alg messages verify with dkimpy"
}

# sanity FILTER MODE ALG - one message: signature verifies / dkim=pass
sanity() {
	local f=$1 mode=$2 alg=$3 out=$T/sanity-$1-$2-$3.eml msg
	msg=$T/msg/small.eml
	[ "$mode" = verify ] && msg=$T/msg/small.$alg.signed.eml
	"$LOADGEN" --one -S "unix:$SOCK" -m "$msg" --client-addr "$(client_for "$mode")" \
		>"$out" 2>"$out.action" || { echo "no verdict"; return; }
	if [ "$mode" = sign ]; then
		/usr/bin/python3 "$ROOT/tests/tools/dkimverify.py" --dns "$T/dns.tsv" "$out" \
			>/dev/null 2>&1 && echo "signature verifies (dkimpy)" || echo "SIGNATURE DOES NOT VERIFY"
	else
		grep -qi 'dkim=pass' "$out" && echo "dkim=pass" || echo "NO dkim=pass IN OUTPUT"
	fi
}

# run_cell FILTER MODE ALG SIZE CONC - one loadgen run, a row in RESULTS
run_cell() {
	local f=$1 mode=$2 alg=$3 size=$4 c=$5 n=$N_SMALL msg res pid
	[ "$size" = 100k ] && n=$N_100K
	msg=$T/msg/$size.eml
	[ "$mode" = verify ] && msg=$T/msg/$size.$alg.signed.eml
	pid=$(cat "$T/$f.pid")
	res=$("$LOADGEN" -S "unix:$SOCK" -m "$msg" -c "$c" -n "$n" --pid "$pid" \
		--client-addr "$(client_for "$mode")" | grep '^RESULT')
	[ -n "$res" ] || { note "$f $mode $alg $size c=$c: no result"; return; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$mode" "$alg" "$size" "$c" "$res" >>"$RESULTS"
}

# bench_instance FILTER MODE ALG - start, sanity check, 4 cells, stop
bench_instance() {
	local f=$1 mode=$2 alg=$3 size c
	start_named "$f" "$mode" "$alg" || { note "$f $mode $alg: not started, skipped"; return; }
	[ "$f" != null ] && note "$f $mode $alg: sanity: $(sanity "$f" "$mode" "$alg")"
	for size in small 100k; do
		for c in 1 8; do
			run_cell "$f" "$mode" "$alg" "$size" "$c"
		done
	done
	pf_daemon_stop "$T" "$f"
}

# want FILTER - selected by --only
want() {
	[ -z "$ONLY" ] || [ "$ONLY" = "$1" ]
}

# have_dkimguard - built, or say why not
have_dkimguard() {
	[ -x "$ROOT/milter/dkimguard" ] && return 0
	echo "dkimguard: not built, skipped"
	return 1
}

# main_cells - the table's cells
main_cells() {
	local f mode alg
	want null && bench_instance null - -
	for f in opendkim dkimguard; do
		want "$f" || continue
		[ "$f" = dkimguard ] && { have_dkimguard || continue; }
		for mode in sign verify; do
			for alg in rsa ed25519; do
				bench_instance "$f" "$mode" "$alg"
			done
		done
	done
}

# print_table - rows with ratios against opendkim and the null filter
print_table() {
	awk -F'\t' '
	function kv(s, k,   a, i, n) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2)
		return ""
	}
	{
		row[NR] = $0; rate[NR] = kv($6, "rate")
		key = $2 "/" $3 "/" $4 "/" $5
		if ($1 == "opendkim") od[key] = rate[NR]
		if ($1 == "null") nul[$4 "/" $5] = rate[NR]
	}
	END {
		printf "%-10s %-6s %-7s %-5s %2s %9s %8s %8s %9s %7s %7s %s\n", "filter", "mode", "alg", "size", "c",
			"msg/s", "p50 ms", "p99 ms", "RSS kB", "vs odk", "vs null", "notes"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, "\t"); key = f[2] "/" f[3] "/" f[4] "/" f[5]
			r1 = (key in od && od[key] > 0) ? sprintf("%.2f", rate[i] / od[key]) : "-"
			r2 = ((f[4] "/" f[5]) in nul && nul[f[4] "/" f[5]] > 0) ? sprintf("%.2f", rate[i] / nul[f[4] "/" f[5]]) : "-"
			notes = ""
			if (kv(f[6], "error") + 0) notes = notes " errors=" kv(f[6], "error")
			if (kv(f[6], "tempfail") + 0) notes = notes " tempfail=" kv(f[6], "tempfail")
			if (kv(f[6], "reject") + 0) notes = notes " reject=" kv(f[6], "reject")
			printf "%-10s %-6s %-7s %-5s %2s %9s %8s %8s %9s %7s %7s%s\n", f[1], f[2], f[3], f[4], f[5],
				kv(f[6], "rate"), kv(f[6], "p50_ms"), kv(f[6], "p99_ms"), kv(f[6], "rss_max_kb"), r1, r2, notes
		}
	}' "$RESULTS"
}

# memory_run LABEL FILTER MSG COUNT CONC - RSS start/end/max of one run
memory_run() {
	local label=$1 f=$2 msg=$3 n=$4 c=$5 res pid
	start_named "$f" sign rsa || { echo "$label $f: not started"; return; }
	pid=$(cat "$T/$f.pid")
	res=$("$LOADGEN" -S "unix:$SOCK" -m "$msg" -c "$c" -n "$n" --pid "$pid" -t 300 | grep '^RESULT')
	pf_daemon_stop "$T" "$f"
	echo "$res" | awk -v l="$label" -v f="$f" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%-9s %-10s msgs %-7s %8s msg/s  RSS start %7s kB  end %7s kB  max %7s kB  delta %7d kB  errors %s\n",
			l, f, v["msgs"], v["rate"], v["rss_start_kb"], v["rss_end_kb"], v["rss_max_kb"],
			v["rss_max_kb"] - v["rss_start_kb"], v["error"] + v["tempfail"]
	}'
}

# memory_runs - the optional --rss-flat and --big runs
memory_runs() {
	local f list="null opendkim"
	[ -x "$ROOT/milter/dkimguard" ] && list="$list dkimguard"
	for f in $list; do
		want "$f" || continue
		((OPT_FLAT)) && memory_run rss-flat "$f" "$T/msg/small.eml" "$N_FLAT" 8
		((OPT_BIG)) && memory_run 50MB "$f" "$T/msg/50m.eml" 1 1
	done
	return 0
}

build_tools || { echo "bench: cannot build loadgen/nullfilter" >&2; exit 1; }
make_messages && make_keys || { echo "bench: setup failed" >&2; exit 1; }
presign rsa && presign ed25519 || { echo "bench: presigning failed" >&2; exit 1; }
start=$SECONDS
main_cells
echo
echo "dkimguard benchmark: $N_SMALL small / $N_100K 100k messages per cell, $(nproc) CPUs, unix sockets"
print_table
echo "(vs odk / vs null: msg/s divided by opendkim's / the null filter's in the same cell)"
if ((OPT_FLAT || OPT_BIG)); then
	echo
	memory_runs
fi
note "done in $((SECONDS - start)) s"
