#!/bin/sh
# run-fuzz.sh SECONDS TARGET... - run each libFuzzer target for a bounded time
# from its seed corpus (fuzz/seeds/<name>/); any crash fails the run.
secs=$1; shift
for t in "$@"; do
	name=$(basename "$t")
	corpus="build/fuzz/corpus-$name"
	mkdir -p "$corpus"
	seeds="fuzz/seeds/${name#fuzz_}"
	[ -d "$seeds" ] || seeds=""
	echo "== $name: ${secs}s"
	if ! "$t" -max_total_time="$secs" -max_len=8192 -timeout=10 \
	    -artifact_prefix="build/fuzz/$name-" -print_final_stats=1 \
	    "$corpus" $seeds >"build/fuzz/$name.log" 2>&1; then
		tail -40 "build/fuzz/$name.log"
		echo "fuzz target $name FAILED (log: build/fuzz/$name.log)"
		exit 1
	fi
	grep -E 'stat::number_of_executed_units|cov:' "build/fuzz/$name.log" | tail -2
done
echo "fuzz: $# targets ran ${secs}s each without a crash"
