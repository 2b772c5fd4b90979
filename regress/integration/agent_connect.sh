# CONNECT: TCP from the agent's network. The agent and its peers run in a
# private network namespace with only loopback, so nothing leaves the host.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare ip socat python3

NS_PIDS="$TMP/ns-pids"
: > "$NS_PIDS"
at_exit "xargs -r kill < '$NS_PIDS' 2>/dev/null"
# Everything in the namespace is started by this one shell.
cat > "$TMP/ns.sh" <<NS
ip link set lo up || exit 1
socat TCP-LISTEN:7001,bind=127.0.0.1,reuseaddr,fork EXEC:cat & echo \$! >> '$NS_PIDS'
socat TCP-LISTEN:7002,bind=127.0.0.1,reuseaddr,fork SYSTEM:'cat >/dev/null; echo got-eof' & echo \$! >> '$NS_PIDS'
python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7003)); s.listen(0)
# Fill the accept queue and never accept: further SYNs are dropped.
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", 7003)); held.append(c)
time.sleep(300)' & echo \$! >> '$NS_PIDS'
exec "$MSB_AGENT" --listen "unix:$TMP/agent.sock" --log-level verbose
NS
AGENT_SOCK="$TMP/agent.sock"
unshare --net sh "$TMP/ns.sh" 2>"$TMP/agent.log" & AGENT_PID=$!
wait_for 5 agent ping >/dev/null 2>&1
check "agent up in its own network namespace" agent ping
sleep 0.3

check_eq "relay to an echo server" "hello" "$(echo hello | timeout 10 "$MSB" agent --socket "$AGENT_SOCK" connect 127.0.0.1 7001)"
head -c 4194304 /dev/urandom > "$TMP/data"
got=$(timeout 20 "$MSB" agent --socket "$AGENT_SOCK" connect 127.0.0.1 7001 < "$TMP/data" | sha256sum)
check_eq "4 MiB through the relay intact" "$(sha256sum < "$TMP/data")" "$got"
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
