# msb-session through a hybrid-vsock socket ("vsock:PATH"): a stand-in
# backend answers "CONNECT 1024" and relays to an agent on a Unix socket.
# Its first connection is held for 2 s before it answers: the other
# channels of the same connection must not wait for it.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
need_mux_driver
start_agent
cat > "$TMP/backend.py" <<'PY'
import os, socket, sys, threading, time
path, agent = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX); srv.bind(path); srv.listen(64)
first = [True]
def pump(a, b):
    # As msb-vsockd does: when a ends (EOF, or a reset once its data is
    # read) or b stops taking, b's reader gets an end after everything a
    # sent. Only this direction is closed: tearing down both on the other
    # direction's write error (the agent's reset of our window grants)
    # could drop the agent's last frames, its exit status among them.
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def serve(c, slow):
    line = b""
    while not line.endswith(b"\n"):
        d = c.recv(1)
        if not d: return
        line += d
    if line != b"CONNECT 1024\n":
        c.close(); return
    if slow: time.sleep(2)
    a = socket.socket(socket.AF_UNIX); a.connect(agent)
    c.sendall(b"OK 5000\n")
    threading.Thread(target=pump, args=(c, a), daemon=True).start()
    pump(a, c)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c, first[0]), daemon=True).start()
    first[0] = False
PY
python3 "$TMP/backend.py" "$TMP/vsock.sock" "$AGENT_SOCK" 2>"$TMP/backend.log" & BPID=$!
at_exit "kill $BPID 2>/dev/null"
wait_for 2.5 test -S "$TMP/vsock.sock"
DRV_AGENT="vsock:$TMP/vsock.sock"

drv multi 5 'echo c%d' > "$TMP/multi" 2>"$TMP/multi.err"; rc=$?
sed 's/^/multi: /' "$TMP/multi" "$TMP/multi.err"
check_eq "5 channels through vsock: all exit 0" 0 "$rc"
check "the held channel waited for its backend" awk '$1 == 0 && $3 >= 1900 && $4 == "c0" { f = 1 } END { exit !f }' "$TMP/multi"
check "the others did not wait for it" awk 'NF > 0 && $1 != 0 && ($3 >= 1500 || $4 != "c" $1) { bad = 1 } END { exit bad }' "$TMP/multi"
out=$(drv exec 'echo hi; exit 7' </dev/null); rc=$?
check_eq "exec through vsock" "hi/7" "$out/$rc"

kill $BPID; wait $BPID 2>/dev/null
drv exec true </dev/null 2>"$TMP/err"; rc=$?
check_eq "backend gone: exit 255" 255 "$rc"
check "backend gone: says the sandbox is unreachable" grep -q "cannot reach the sandbox" "$TMP/err"
done_testing
