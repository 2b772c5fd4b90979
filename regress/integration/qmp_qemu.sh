# QMP against a real QEMU: greeting and capabilities, status, stop/cont and
# their events, a command QEMU does not know, powerdown, quit. The machine
# is the vmm's microvm under TCG, held before the first instruction (-S):
# QMP needs no guest.
. "$(dirname "$0")/../lib.sh"
need_cmd qemu-system-x86_64 timeout
PROBE="$MSB_BUILDDIR/regress/qmp-probe"
[ -x "$PROBE" ] || die "no $PROBE (make check-programs)"

SOCK="$TMP/qmp.sock"
start_qemu() {
	rm -f "$SOCK"
	qemu-system-x86_64 -M microvm -accel tcg -nodefaults \
		-no-user-config -display none -S \
		-qmp "unix:$SOCK,server=on,wait=off" 2>"$TMP/qemu.log" &
	QEMU_PID=$!
	at_exit "kill $QEMU_PID 2>/dev/null"
}
probe() { timeout 20 "$PROBE" -t 5000 "$SOCK" "$@" >"$TMP/out" 2>"$TMP/err"; }
has() { grep -qxF -- "$1" "$TMP/out" || { echo "--- output:"; cat "$TMP/out" "$TMP/err"; return 1; }; }

# The probe starts while QEMU is still creating its socket: connect retries.
start_qemu
probe exec:query-status exec:cont event:RESUME exec:query-status \
	exec:stop event:STOP exec:query-status exec:no-such-command \
	'exec:human-monitor-command:{"command-line":"info status"}' \
	'exec:query-status:[1]'
rc=$?
check_eq "probe ran every step" 1 "$rc"
check "greeting read, capabilities negotiated" grep -q '^connected qemu [0-9]*\.[0-9]*\.[0-9]*$' "$TMP/out"
check "status before cont: prelaunch" has 'return {"status":"prelaunch","singlestep":false,"running":false}'
check "cont accepted and RESUME seen" has 'event RESUME'
check "status after cont: running" has 'return {"status":"running","singlestep":false,"running":true}'
check "stop gives a STOP event" has 'event STOP'
check "status after stop: paused" has 'return {"status":"paused","singlestep":false,"running":false}'
check "unknown command: CommandNotFound" has 'error CommandNotFound: The command no-such-command has not been found'
check "arguments reach QEMU; its CR LF comes back escaped" has 'return "VM status: paused\r\n"'
check "arguments that are not an object are refused before sending" \
	grep -q '^query-status: invalid request: QMP arguments are not an object' "$TMP/out"

# A fresh connection to the same QEMU: powerdown, then quit.
probe exec:system_powerdown event:POWERDOWN exec:quit event:SHUTDOWN closed
check_eq "powerdown and quit ran (exit)" 0 "$?"
check "system_powerdown accepted, POWERDOWN seen" has 'event POWERDOWN'
check "quit gives SHUTDOWN" has 'event SHUTDOWN'
check "and the connection closes" has 'closed'
if wait_for 10 dead "$QEMU_PID"; then
	wait "$QEMU_PID"
	check_eq "QEMU exited cleanly after quit" 0 "$?"
else
	fail "QEMU still running after quit"
fi

# QEMU killed under a waiting client: reported as a closed connection.
start_qemu
timeout 20 "$PROBE" -t 10000 "$SOCK" event:NEVER >"$TMP/out" 2>"$TMP/err" &
PROBE_PID=$!
wait_for 10 grep -q '^connected' "$TMP/out"
kill -9 "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null
wait "$PROBE_PID"
check_eq "QEMU killed: the probe fails (exit)" 1 "$?"
check "... seeing the connection closed" has 'NEVER: connection closed: QEMU closed the QMP connection'

# Its socket file is left behind with nobody listening: connect times out.
start=$(date +%s%N)
timeout 20 "$PROBE" -t 500 "$TMP/qmp.sock" exec:query-status >"$TMP/out" 2>"$TMP/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "stale socket: connect fails (exit)" 2 "$rc"
check "... with a timeout" grep -q '^connect: timed out: no QMP server at .*Connection refused' "$TMP/out"
check_sh "... after about the timeout (${ms} ms)" '[ "$ms" -ge 450 ] && [ "$ms" -lt 3000 ]'

done_testing
