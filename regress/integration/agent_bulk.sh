# Large streams through EXEC stay intact and never make the agent buffer
# without bound, whether the reader is fast, slow or stalled.
. "$(dirname "$0")/../lib.sh"
need_root
start_agent

# Largest resident set (KiB) of the agent and its msb-agent children,
# sampled every 50 ms until the file $1 appears.
agent_rss() {
	for p in $AGENT_PID $(pgrep -P "$AGENT_PID"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = msb-agent ] || continue
		awk '/^VmRSS:/ { print $2 }' /proc/$p/status 2>/dev/null
	done | sort -n | tail -n 1
}
sample_rss() { peak_until "$1" 0.05 agent_rss; }

head -c 268435456 /dev/urandom > "$TMP/big"
want=$(sha256sum < "$TMP/big" | cut -d' ' -f1)

sample_rss "$TMP/stop1" > "$TMP/rss1" & sampler=$!
got=$(agent exec -- "cat '$TMP/big'" | sha256sum | cut -d' ' -f1)
touch "$TMP/stop1"; wait $sampler
check_eq "256 MiB of output arrives intact" "$want" "$got"
peak=$(cat "$TMP/rss1")
echo "metric: agent peak RSS during 256 MiB of output: ${peak} KiB"
check "agent RSS stays under 16 MiB during 256 MiB of output (${peak} KiB)" [ "$peak" -lt 16384 ]

sample_rss "$TMP/stop2" > "$TMP/rss2" & sampler=$!
got=$(agent exec -- 'sha256sum' < "$TMP/big" | cut -d' ' -f1)
touch "$TMP/stop2"; wait $sampler
check_eq "256 MiB of stdin arrives intact" "$want" "$got"
check "agent RSS bounded during 256 MiB of stdin ($(cat "$TMP/rss2") KiB)" [ "$(cat "$TMP/rss2")" -lt 16384 ]

# A stalled reader: the command produces endlessly, nobody reads for 3 s.
sample_rss "$TMP/stop3" > "$TMP/rss3" & sampler=$!
n=$(agent exec -- 'cat /dev/zero' | { sleep 3; head -c 10485760 | wc -c; })
touch "$TMP/stop3"; wait $sampler
check_eq "a stalled reader resumes and gets its data" 10485760 "$n"
check "agent RSS bounded with a stalled reader ($(cat "$TMP/rss3") KiB)" [ "$(cat "$TMP/rss3")" -lt 16384 ]

# A command that never reads stdin while the client has plenty to send:
# the stdin window holds the client back, and a signal still gets through.
start=$(date +%s)
cat /dev/zero | "$MSB" agent --socket "$AGENT_SOCK" exec -- 'sleep 30' & client_pid=$!
sleep 1
handler_rss=$(for p in $(pgrep -P "$AGENT_PID"); do awk '/^VmRSS:/ { print $2 }' /proc/$p/status; done | sort -n | tail -n 1)
check "agent RSS bounded while stdin is not read (${handler_rss} KiB)" [ "${handler_rss:-0}" -lt 16384 ]
client_rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$client_pid/status)
check "client RSS bounded while stdin is not read (${client_rss} KiB)" [ "$client_rss" -lt 16384 ]
kill -TERM "$client_pid"
wait "$client_pid"; rc=$?
check_eq "a signal gets through a full stdin window" 143 $rc
check "... promptly" [ $(( $(date +%s) - start )) -lt 10 ]

done_testing
