# End-to-end flow control through msb-session: a stalled reader (or a
# command that does not read its stdin) stalls the channel, never memory.
. "$(dirname "$0")/../lib.sh"
need_root
need_mux_driver
start_agent
DRV_TIMEOUT=30
# The worker writes its pid once it runs: a loaded machine may take a while.
pid_of() { wait_for 10 test -s "$1"; cat "$1"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# The agent's per-connection children serve the streams.
agent_children_max_kib() {
	m=0
	for p in $(pgrep -P "$AGENT_PID"); do
		k=$(peak_rss_kib "$p" 2>/dev/null || echo 0)
		[ "${k:-0}" -gt "$m" ] && m=$k
	done
	echo "$m"
}
LIMIT_KIB=16384

# Output: cat /dev/zero while nobody reads, then 512 MiB drained.
drv --pidfile "$TMP/pid" exec 'cat /dev/zero' </dev/null 2>/dev/null \
	| { sleep 2; head -c 536870912 | wc -c > "$TMP/count"; } &
bg=$!
sleep 1
w=$(pid_of "$TMP/pid")
r1=$(rss_kib "$w"); sleep 0.8; r2=$(rss_kib "$w")
a=$(agent_children_max_kib)
echo "stalled: worker RSS ${r1} -> ${r2} kB, agent child peak ${a} kB"
check_sh "stalled reader: worker RSS flat and small (${r1} -> ${r2} kB)" \
	'[ "$r2" -lt "$LIMIT_KIB" ] && [ "$((r2 - r1))" -lt 1024 ]'
check "stalled reader: agent child bounded (${a} kB)" [ "$a" -lt "$LIMIT_KIB" ]
start=$(date +%s%N)
wait $bg
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "512 MiB drained after the stall" 536870912 "$(cat "$TMP/count")"
check "the reader going away ends the channel promptly (${ms} ms)" [ "$ms" -lt 10000 ]

# Input: 256 MiB into a command that sleeps before reading.
head -c 268435456 /dev/zero | drv --pidfile "$TMP/pid2" --rss exec 'sleep 2; wc -c' \
	>"$TMP/count2" 2>"$TMP/err" &
bg=$!
sleep 1.2
w=$(pid_of "$TMP/pid2")
r1=$(rss_kib "$w"); sleep 0.5; r2=$(rss_kib "$w")
check_sh "command not reading stdin: worker RSS bounded (${r1} -> ${r2} kB)" \
	'[ "$r2" -lt "$LIMIT_KIB" ] && [ "$((r2 - r1))" -lt 1024 ]'
wait $bg
check_eq "256 MiB of stdin counted" 268435456 "$(tr -d ' ' < "$TMP/count2")"
hwm=$(sed -n 's/.*worker VmHWM \([0-9]*\) kB.*/\1/p' "$TMP/err")
echo "worker peak RSS over the input run: ${hwm} kB"
check "worker peak RSS over the whole run under ${LIMIT_KIB} kB (${hwm} kB)" [ "${hwm:-99999999}" -lt "$LIMIT_KIB" ]

start=$(date +%s%N)
drv --rss exec 'head -c 1073741824 /dev/zero' </dev/null 2>"$TMP/err" | wc -c > "$TMP/count3"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "1 GiB out" 1073741824 "$(cat "$TMP/count3")"
hwm=$(sed -n 's/.*worker VmHWM \([0-9]*\) kB.*/\1/p' "$TMP/err")
echo "1 GiB in ${ms} ms ($((1073741824 / 1048576 * 1000 / (ms + 1))) MiB/s), worker peak RSS ${hwm} kB"
check "worker peak RSS for 1 GiB under ${LIMIT_KIB} kB" [ "${hwm:-99999999}" -lt "$LIMIT_KIB" ]
done_testing
