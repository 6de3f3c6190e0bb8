# lib.sh - shared by the keytool suites (run-keytool.sh, run-status.sh).
# Source it from bash:  . "$(dirname "$0")/lib.sh"
#
# kt_init NAME       set ROOT (the checkout), K (the keytool), MILTER,
#                    W (a new /tmp/NAME.XXXXXX), fails=0, skips="",
#                    PIDS=""; at exit the processes in PIDS are killed,
#                    unbound (tests/e2e/lib/dns.sh) stopped if started,
#                    W removed
# ok / fail / skip DESC
#                    one result line; fail counts, skip remembers DESC
# txt_of KEYFILE     the DNS record text of a key
# kt_finish NAME     the summary; exit 1 after a failure, 77 when a part
#                    was skipped, else 0

# kt_init - variables, work directory, clean-up at exit
kt_init() {
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	K=$ROOT/keytool/dkimguard-keytool
	MILTER=$ROOT/milter/dkimguard
	W=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	fails=0
	skips=""
	PIDS=""
	trap kt_cleanup EXIT
}

# kt_cleanup - stop what the suite started, remove W
kt_cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	type dns_stop >/dev/null 2>&1 && [ -n "${DNS_DIR:-}" ] && dns_stop
	rm -rf "$W"
}

ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; skips="$skips
  $*"; }

# txt_of KEYFILE - the record text of a key
txt_of() { "$K" dns -d x.example -s s -k "$1" | tail -1; }

# kt_finish NAME - the summary line and the exit status
kt_finish() {
	echo
	if [ "$fails" -gt 0 ]; then
		echo "$1: $fails FAILED"
		exit 1
	fi
	if [ -n "$skips" ]; then
		echo "$1: passed what ran; SKIPPED:$skips"
		exit 77
	fi
	echo "$1: all passed"
	exit 0
}
