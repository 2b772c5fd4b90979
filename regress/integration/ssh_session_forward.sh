# direct-tcpip through msb-session: the agent and its TCP peers run in a
# private network namespace with only loopback, so nothing leaves the host.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare ip socat python3
need_mux_driver

NS_PIDS="$TMP/ns-pids"
: > "$NS_PIDS"
at_exit "xargs -r kill < '$NS_PIDS' 2>/dev/null"
cat > "$TMP/ns.sh" <<NS
ip link set lo up || exit 1
socat TCP-LISTEN:7001,bind=127.0.0.1,reuseaddr,fork EXEC:cat & echo \$! >> '$NS_PIDS'
socat TCP-LISTEN:7002,bind=127.0.0.1,reuseaddr,fork SYSTEM:'cat >/dev/null; echo got-eof' & echo \$! >> '$NS_PIDS'
exec "$MSB_AGENT" --listen "unix:$TMP/agent.sock" --log-level verbose
NS
AGENT_SOCK="$TMP/agent.sock"
unshare --net sh "$TMP/ns.sh" 2>"$TMP/agent.log" & AGENT_PID=$!
wait_for 5 agent ping >/dev/null 2>&1
check "agent up in its own network namespace" agent ping
sleep 0.3

check_eq "echo server through direct-tcpip" "hello" "$(echo hello | drv tcp 127.0.0.1 7001)"
head -c 16777216 /dev/urandom > "$TMP/data"
check_eq "16 MiB both ways intact" "$(sha256sum < "$TMP/data")" \
	"$(drv tcp 127.0.0.1 7001 < "$TMP/data" | sha256sum)"
check_eq "half-close: the server sees EOF and still answers" "got-eof" \
	"$(printf abc | drv tcp localhost 7002)"

drv --audit "$TMP/audit" tcp 127.0.0.1 7009 </dev/null 2>"$TMP/err"; rc=$?
check_eq "refused port: open fails" 1 "$rc"
check "refused port: CONNECT_FAIL with the agent's reason" \
	grep -q "open failed: reason 2: .*Connection refused" "$TMP/err"
check "refused forward is audited" grep -q "^open 1000 1 127.0.0.1:7009$" "$TMP/audit"

drv --flags no-port-forward tcp 127.0.0.1 7001 </dev/null 2>"$TMP/err"; rc=$?
check_eq "no-port-forward: open fails" 1 "$rc"
check "no-port-forward: PROHIBITED" grep -q "open failed: reason 1:" "$TMP/err"

start=$(date +%s%N)
drv tcp no-such-host.invalid 80 </dev/null 2>"$TMP/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_sh "bad name fails without a hang (${ms} ms)" '[ "$rc" = 1 ] && [ "$ms" -lt 15000 ]'
check "bad name says so" grep -q "no-such-host.invalid" "$TMP/err"

done_testing
