# direct-tcpip through msb-session: the agent and its TCP peers run in a
# private network namespace with only loopback, so nothing leaves the host.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare nsenter ip socat
need_mux_driver

start_agent_netns
check "agent up in its own network namespace" agent ping

check_eq "echo server through direct-tcpip" "hello" "$(echo hello | drv tcp 127.0.0.1 7001)"
head -c 16777216 /dev/urandom > "$TMP/data"
check "16 MiB both ways intact" echoes "$TMP/data" drv tcp 127.0.0.1 7001
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
