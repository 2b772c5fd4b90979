# QMP against a fake QEMU that misbehaves: garbage, invalid JSON, a greeting
# of the wrong shape, overlong lines, replies to commands never sent,
# hostile error text, silence. Every case must end in a clean, specific
# error from the client; none may crash or hang it. Also: messages split
# across reads and events interleaved with replies still work.
. "$(dirname "$0")/../lib.sh"
need_cmd python3 timeout
PROBE="$MSB_BUILDDIR/regress/qmp-probe"
[ -x "$PROBE" ] || die "no $PROBE (make check-programs)"

cat > "$TMP/fake.py" <<'PY'
import socket, sys, time
path, mode = sys.argv[1], sys.argv[2]
GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n'
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(1)
print("ready", flush=True)
c, _ = srv.accept()
f = c.makefile("rb")

def reply(fmt):
    """A step: read the next command, then send FMT with its id for ID."""
    return ("reply", fmt)
CLOSE = ("close",)
OK = reply(b'{"return": {}, "id": ID}\r\n')
# What each mode sends, in order: bytes as they are, replies, CLOSE.
MODES = {
    "garbage": [b"hello, this is not QMP\r\n"],
    "invalid-json": [b'{"QMP": {"version": }\r\n'],
    "wrong-shape": [b'{"QMP": []}\r\n'],
    "not-object": [b'["QMP"]\r\n'],
    "extra-member": [GREETING[:-3] + b', "x": 1}\r\n'],
    "nul": [GREETING[:10] + b"\0" + GREETING[10:]],
    "overlong": [b'{"QMP": "' + b"a" * (4 << 20)],
    "deep": [b"[" * 100000 + b"\r\n"],
    "silent": [],
    "close": [CLOSE],
    "unsent-id": [GREETING, reply(b'{"return": {}, "id": 99}\r\n')],
    "both": [GREETING, OK, reply(b'{"return": {}, "error": {"class": "X", "desc": "y"}, "id": ID}\r\n')],
    "bad-event": [GREETING, OK, b'{"event": 5}\r\n'],
    "hostile-error": [GREETING, OK,
        reply(b'{"id": ID, "error": {"class": "GenericError", "desc": "a\\u001b[31mred\\r\\nb\\u009b1"}}\r\n')],
    "no-reply": [GREETING, OK],
    # Sent one byte at a time: an event before each reply, a CR-less line.
    "dribble": [GREETING, OK,
        reply(b'{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}\r\n'
              b'{"return": {}, "id": ID}\n'),
        reply(b'{"event": "RESUME", "data": {}}\r\n{"return": {"status": "\\u00e9\\ud83d\\ude00"}, "id": ID}\r\n'
              b'{"event": "SHUTDOWN", "data": {"guest": true}}\r\n'),
        CLOSE],
}

def send(data):
    if mode != "dribble":
        c.sendall(data)
        return
    for i in range(len(data)):
        c.sendall(data[i:i + 1])
        time.sleep(0.0005)

try:
    for step in MODES[mode]:
        if step == CLOSE:
            c.shutdown(socket.SHUT_RDWR)
        elif isinstance(step, tuple):
            ident = f.readline().split(b'"id":')[1].split(b"}")[0]
            send(step[1].replace(b"ID", ident))
        else:
            send(step)
    # Hold the connection until the client goes away.
    c.settimeout(10)
    while c.recv(4096):
        pass
except (BrokenPipeError, ConnectionResetError, OSError):
    pass
PY

# fake MODE PROBE-ARGS...: runs the probe against a fresh fake; sets RC.
# T_MS overrides the probe's timeout.
fake() {
	mode=$1; shift
	rm -f "$TMP/qmp.sock"
	timeout 20 python3 "$TMP/fake.py" "$TMP/qmp.sock" "$mode" >"$TMP/fake.out" 2>"$TMP/fake.err" &
	FAKE_PID=$!
	wait_for 5 grep -q ready "$TMP/fake.out"
	timeout 20 "$PROBE" -t "${T_MS:-2000}" "$TMP/qmp.sock" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
}
# expect DESCRIPTION EXIT LINE: the probe exited so and printed that line.
expect() {
	if [ "$RC" = "$2" ] && grep -qxF -- "$3" "$TMP/out"; then
		ok "$1"
	else
		fail "$1: exit $RC, output:"; cat "$TMP/out" "$TMP/err"
	fi
}

fake garbage exec:query-status
expect "garbage greeting" 2 "connect: protocol error: invalid JSON from QEMU at byte 0: unexpected character"
fake invalid-json exec:query-status
expect "invalid JSON greeting" 2 "connect: protocol error: invalid JSON from QEMU at byte 20: unexpected character"
fake wrong-shape exec:query-status
expect "greeting of the wrong shape" 2 "connect: protocol error: malformed QMP greeting"
fake not-object exec:query-status
expect "greeting that is no object" 2 "connect: protocol error: QMP message is a array, not an object"
fake extra-member exec:query-status
expect "greeting with an extra member" 2 "connect: protocol error: malformed QMP greeting"
fake nul exec:query-status
expect "NUL byte in a line" 2 "connect: protocol error: invalid JSON from QEMU at byte 10: control character in string"
start=$(date +%s%N)
fake overlong exec:query-status
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect "4 MiB line without newline" 2 "connect: protocol error: QMP line longer than 1048576 bytes"
check "... refused quickly (${ms} ms)" [ "$ms" -lt 2000 ]
fake deep exec:query-status
expect "100000 nested arrays" 2 "connect: protocol error: invalid JSON from QEMU at byte 64: nesting too deep"
fake close exec:query-status
expect "connection closed before the greeting" 2 "connect: connection closed: QEMU closed the QMP connection"
T_MS=500 fake silent exec:query-status
expect "no greeting" 2 "connect: timed out: timed out waiting for QEMU"
fake unsent-id exec:query-status
expect "reply to a command never sent" 2 "connect: protocol error: QMP reply to a command never sent"
fake both exec:query-status
expect "reply with both return and error" 1 "query-status: protocol error: malformed QMP reply"
fake bad-event exec:query-status event:STOP
expect "event without a name" 1 "query-status: protocol error: malformed QMP event"
fake hostile-error exec:query-status
expect "control characters in QEMU's error text are neutralized" 0 "error GenericError: a?[31mred??b?1"
T_MS=500 fake no-reply exec:query-status
expect "no reply: timeout" 1 "query-status: timed out: timed out waiting for QEMU"
fake dribble exec:stop event:STOP exec:query-status event:RESUME event:SHUTDOWN closed
expect "byte-by-byte messages, events around replies: first reply" 0 "return {}"
check "... second reply, UTF-8 intact" grep -qxF 'return {"status":"é😀"}' "$TMP/out"
check "... every event, and the close" sh -c "grep -c '^event \(STOP\|RESUME\|SHUTDOWN\)$' '$TMP/out' | grep -qx 3 && tail -n 1 '$TMP/out' | grep -qx closed"

# Nothing at the path, then a socket file nobody listens on.
for what in missing stale; do
	rm -f "$TMP/qmp.sock"
	[ $what = stale ] && python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/qmp.sock"
	start=$(date +%s%N)
	timeout 20 "$PROBE" -t 300 "$TMP/qmp.sock" exec:query-status >"$TMP/out" 2>"$TMP/err"
	RC=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check_eq "$what socket: connect fails" 2 "$RC"
	check "... timing out after ${ms} ms" sh -c "grep -q '^connect: timed out: no QMP server at ' '$TMP/out' && [ $ms -ge 290 ] && [ $ms -lt 2000 ]"
done

done_testing
