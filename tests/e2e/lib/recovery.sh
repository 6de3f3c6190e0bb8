# recovery.sh - after DNS is fixed (or comes up), good mail must flow within
# 2 s: the probe loop of the guard suites that run a tempfail key and a
# hold key through one Postfix.  Source it after postfix.sh and dkimguard.sh.
#
# The caller defines:
#   new_msg TAG KEY   print the path of a new message signed by KEY
#   SMTP_PORT, DOMAIN (the tempfail key's, sender alice@), HDOMAIN (the hold
#   key's, sender carol@), W (pf/ is the signing Postfix)
#
# recovery_elapsed T0     seconds since T0 (date +%s.%N), 2 decimals
# recovery_over T LIMIT   0 when T > LIMIT
# recovery_probes T0 TAG TKEY HKEY LABEL WHEN
#   For at least 3.5 s and 4 probes after T0: each round a new message of
#   each key; TKEY's are sent again until accepted, and one refused later
#   than 2 s after T0 fails the check; HKEY's go in once, and one held
#   later than 2 s fails it.  Two pass/fail lines ("LABEL: TKEY: ... 2 s
#   WHEN"), then RECOVERY_SENT holds every message sent and HELD gains
#   "QID FILE" for each held one.
# recovery_release "QID FILE"...
#   The end of a phase: the sending Postfix (pfa/) retries what was
#   refused; each held message is released (postsuper -H) after checking
#   that dkimguard logged that very command for it; the signing Postfix
#   then delivers.

recovery_elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
recovery_over() { awk -v t="$1" -v l="$2" 'BEGIN { exit !(t > l) }'; }

# recovery__send T0 TAG HKEY LABEL - one round: a probe of each key while
# due, then the refused TKEY messages again (globals of recovery_probes)
recovery__send() {
	local t0=$1 tag=$2 hkey=$3 label=$4 t m reply next=()
	t=$(recovery_elapsed "$t0")
	if ! recovery_over "$t" 3.5 || ((nprobe < 4)); then
		pending+=("$(new_msg "$tag" "$tkey")")
		m=$(new_msg "$tag" "$hkey")
		RECOVERY_SENT+=("${pending[-1]}" "$m")
		reply=$(pf_send "$SMTP_PORT" "carol@$HDOMAIN" "bob@sink.test" "$m" 127.0.0.1) ||
			fail "$label: $hkey's probe refused: $reply"
		probes+=("$(pf_queued_id "$reply") $t $m")
		nprobe=$((nprobe + 1))
	fi
	for m in "${pending[@]}"; do
		pf_send "$SMTP_PORT" "alice@$DOMAIN" "bob@sink.test" "$m" 127.0.0.1 >/dev/null && continue
		last_refusal=$(recovery_elapsed "$t0")
		recovery_over "$last_refusal" 2 && late=$((late + 1))
		next+=("$m")
	done
	pending=("${next[@]}")
}

recovery_probes() {
	local t0=$1 tag=$2 tkey=$3 hkey=$4 label=$5 when=$6
	local late=0 last_refusal=none nprobe=0 pending=() probes=() end x
	local qid t m nheld=0 last_held=none after2=0
	RECOVERY_SENT=()
	end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		# at least 4 probes, and probes until +3.5 s (a loaded machine is slow)
		recovery_over "$(recovery_elapsed "$t0")" 3.5 &&
			((nprobe >= 4 && ${#pending[@]} == 0)) && break
		recovery__send "$t0" "$tag" "$hkey" "$label"
		sleep 0.1
	done
	[ "${#pending[@]}" = 0 ] && [ "$late" = 0 ] &&
		pass "$label: $tkey: $nprobe probes, none refused later than 2 s $when (last refusal at +$last_refusal s)" ||
		fail "$label: $tkey: ${#pending[@]} still refused, $late refusals later than 2 s (last at +$last_refusal s)"
	sleep 1
	late=0
	for x in "${probes[@]}"; do
		read -r qid t m <<<"$x"
		recovery_over "$t" 2 && after2=$((after2 + 1))
		pf_held "$W/pf" | grep -qx "$qid" || continue
		nheld=$((nheld + 1)) last_held=$t
		recovery_over "$t" 2 && late=$((late + 1))
		HELD+=("$qid $m")
	done
	[ "$late" = 0 ] && [ "$after2" -gt 0 ] &&
		pass "$label: $hkey: $nprobe probes ($after2 after +2 s), $nheld held, none later than 2 s $when (last held at +$last_held s)" ||
		fail "$label: $hkey: $late of $nprobe probes held later than 2 s $when (last at +$last_held s); $after2 probes after +2 s"
}

recovery_release() {
	local x qid
	pf_flush "$W/pfa" >/dev/null
	for x in "$@"; do
		qid=${x%% *}
		dg_log | grep -q "$qid: held: .*release with: postsuper -H $qid\$" ||
			fail "no release command logged for held $qid"
		pf_release "$W/pf" "$qid" >/dev/null 2>&1 || fail "postsuper -H $qid"
	done
	pf_flush "$W/pf" >/dev/null
}
