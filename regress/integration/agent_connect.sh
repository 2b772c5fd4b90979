# CONNECT: TCP from the agent's network. The agent and its peers run in a
# private network namespace with only loopback, so nothing leaves the host.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare nsenter ip socat python3

start_agent_netns "$(cat <<'PY'
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7003)); s.listen(0)
# Fill the accept queue and never accept: further SYNs are dropped.
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", 7003)); held.append(c)
time.sleep(300)' & echo $! >> "$NS_PIDS"
PY
)"
check "agent up in its own network namespace" agent ping
# The listener on 7003 has a connection queued that it will never accept.
queue_full() { nsenter --net="/proc/$AGENT_PID/ns/net" ss -Hltn "sport = :7003" | awk '$2 > 0 { f = 1 } END { exit !f }'; }
wait_for 5 queue_full || die "the held listener did not fill its queue"

check_eq "relay to an echo server" "hello" "$(echo hello | timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect 127.0.0.1 7001)"
head -c 4194304 /dev/urandom > "$TMP/data"
check "4 MiB through the relay intact" echoes "$TMP/data" timeout 20 "$MSB" agent --socket "$AGENT_SOCK" connect 127.0.0.1 7001
check_eq "half-close: the server sees EOF and can still answer" "got-eof" \
	"$(printf 'abc' | timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect localhost 7002)"

timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect 127.0.0.1 7009 </dev/null 2>"$TMP/err"; rc=$?
check "refused port fails (exit $rc)" [ $rc -ne 0 ]
check "refused port says so" grep -q "Connection refused" "$TMP/err"
timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect 192.0.2.1 80 </dev/null 2>"$TMP/err"; rc=$?
check "unreachable network fails (exit $rc)" [ $rc -ne 0 ]
check "unreachable network says so" grep -q "unreachable" "$TMP/err"
start=$(date +%s%N)
timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect --timeout 1000 127.0.0.1 7003 </dev/null 2>"$TMP/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a connect that never completes fails (exit $rc)" [ $rc -ne 0 ]
check "... with a timeout" grep -q "timed out" "$TMP/err"
check_sh "... after about the timeout (${ms} ms)" '[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]'
timeout 20 "$MSB" agent --socket "$AGENT_SOCK" connect no-such-host.invalid 80 </dev/null 2>"$TMP/err"; rc=$?
check "a bad name fails (exit $rc)" [ $rc -ne 0 ]
check "a bad name says so" grep -q "no-such-host.invalid" "$TMP/err"
check "distinct messages per failure" sh -c "! grep -q 'timed out\|refused' '$TMP/err'"

done_testing
