#!/bin/sh
# msb-preauth confines itself before the first client byte: while a
# connection is in pre-auth the child runs as a non-root uid with no
# capabilities, no new privileges, seccomp in filter mode and the empty
# directory as its root. Then, under that same allow-list, real OpenSSH
# clients authenticate, run commands, move data across rekeys, use sftp
# and -L, and see -R refused. A stand-in monitor and session worker
# (python, below) speak lib/monitor_proto.h and lib/mux_proto.h to it;
# unprivileged, the child still has seccomp and says so.
. "$(dirname "$0")/../lib.sh"

need_root
need_cmd ssh ssh-keygen sftp python3 curl setpriv
PREAUTH="$MSB_BUILDDIR/msb-preauth"
# The system python: the unprivileged harness cannot reach root's shims.
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
[ -x "$PREAUTH" ] || die "no msb-preauth at $PREAUTH (build first)"

EMPTY="$TMP/empty"
mkdir -m 0755 "$EMPTY"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" || die "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/wrong" || die "ssh-keygen"
chmod 0644 "$TMP/hostkey" "$TMP/id.pub"

cat >"$TMP/harness.py" <<'PY'
#!/usr/bin/env python3
# A stand-in monitor + session worker for msb-preauth: listens on TCP, and
# per connection starts msb-preauth with fd 3 = client, 4 = monitor RPC,
# 5 = mux; answers auth from an authorized key; runs commands on the host.
import os, socket, struct, subprocess, sys, threading, queue, signal

PREAUTH, HOSTKEY, AUTHKEY, PORTFILE = sys.argv[1:5]
EMPTY = os.environ.get("PREAUTH_CHROOT", "")
LOGLEVEL = int(os.environ.get("PREAUTH_LOG_LEVEL", "2"))
REKEY = int(os.environ.get("PREAUTH_REKEY_BYTES", "0"))
IDLE = int(os.environ.get("PREAUTH_IDLE", "600"))
PIDFILE = os.environ.get("PREAUTH_PIDFILE", "")
CHAN_WINDOW = 1024 * 1024
import itertools
COUNTER = itertools.count()

def frame(t, body):
    return struct.pack(">IB", len(body) + 1, t) + body

def s(b):
    if isinstance(b, str): b = b.encode()
    return struct.pack(">I", len(b)) + b

class Reader:
    def __init__(self, sock): self.sock, self.buf = sock, b""
    def need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d: raise EOFError
            self.buf += d
    def frame(self):
        self.need(5)
        n, t = struct.unpack(">IB", self.buf[:5])
        self.need(4 + n)
        body = self.buf[5:4 + n]
        self.buf = self.buf[4 + n:]
        return t, body

class Body:
    def __init__(self, b): self.b, self.o = b, 0
    def u8(self): v = self.b[self.o]; self.o += 1; return v
    def u32(self): v = struct.unpack(">I", self.b[self.o:self.o + 4])[0]; self.o += 4; return v
    def str(self): n = self.u32(); v = self.b[self.o:self.o + n]; self.o += n; return v

def log(*a): print("harness:", *a, file=sys.stderr, flush=True)

def authorized():
    with open(AUTHKEY) as f:
        return " ".join(f.read().split()[:2])

class Worker:
    def __init__(self, sock):
        self.sock, self.lock = sock, threading.Lock()
        self.chans = {}
    def send(self, t, body):
        with self.lock: self.sock.sendall(frame(t, body))
    def run(self):
        self.send(1, struct.pack(">I", 1))
        r = Reader(self.sock)
        try:
            t, b = r.frame()
            assert t == 1, t
            while True:
                t, b = r.frame()
                self.dispatch(t, Body(b))
        except EOFError:
            pass
        for c in list(self.chans.values()): c.kill()
    def dispatch(self, t, b):
        ch = b.u32()
        if t == 10:
            self.chans[ch] = Chan(self, ch); self.send(30, struct.pack(">I", ch))
        elif t == 11:
            host, port = b.str().decode(), b.u32()
            try:
                so = socket.create_connection((host, port), timeout=5)
            except OSError as e:
                self.send(31, struct.pack(">II", ch, 2) + s(str(e))); return
            c = Chan(self, ch); self.chans[ch] = c
            self.send(30, struct.pack(">I", ch)); c.start_sock(so)
        elif t in (12, 13, 14, 15, 16):
            want = b.u8(); c = self.chans[ch]
            ok = c.request(t, b)
            self.send(32, struct.pack(">IB", ch, 1 if ok else 0))
            if ok and c.proc and not c.started: c.start_threads()
        elif t == 17:
            pass
        elif t == 18:
            b.u8(); sig = b.str().decode(); self.chans[ch].signal(sig)
        elif t == 50:
            self.chans[ch].stdin(b.str())
        elif t == 51:
            self.chans[ch].stdin(None)
        elif t == 52:
            c = self.chans.pop(ch, None)
            if c: c.closed_by_peer()
        elif t == 53:
            self.chans[ch].credit(b.u32())

class Chan:
    def __init__(self, w, ch):
        self.w, self.ch, self.proc, self.so = w, ch, None, None
        self.cv = threading.Condition(); self.avail = CHAN_WINDOW
        self.inq = queue.Queue(); self.env = {}; self.done = False; self.sent_close = False
        self.readers = []; self.started = False
    def credit(self, n):
        with self.cv: self.avail += n; self.cv.notify_all()
    def take(self, n):
        with self.cv:
            while self.avail == 0 and not self.done: self.cv.wait()
            if self.done: return 0
            n = min(n, self.avail); self.avail -= n; return n
    def request(self, t, b):
        if t == 12: return True
        if t == 13:
            k, v = b.str().decode(), b.str().decode()
            if k == "LANG": self.env[k] = v; return True
            return False
        if self.proc: return False
        if t == 14: argv = ["/bin/sh", "-c", b.str().decode()]
        elif t == 15: argv = ["/bin/sh"]
        else:
            if b.str() != b"sftp": return False
            argv = ["/usr/lib/openssh/sftp-server"]
        env = dict(os.environ); env.update(self.env)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        return True
    def start_threads(self):
        self.started = True
        threading.Thread(target=self.writer, args=(self.proc.stdin,), daemon=True).start()
        for f, typ in ((self.proc.stdout, 50), (self.proc.stderr, 33)):
            th = threading.Thread(target=self.reader, args=(f.fileno(), typ), daemon=True)
            th.start(); self.readers.append(th)
        threading.Thread(target=self.waiter, daemon=True).start()
    def start_sock(self, so):
        self.so = so
        so.settimeout(None)
        threading.Thread(target=self.writer, args=(None,), daemon=True).start()
        th = threading.Thread(target=self.reader, args=(so.fileno(), 50), daemon=True)
        th.start(); self.readers.append(th)
        threading.Thread(target=self.sock_waiter, daemon=True).start()
    def reader(self, fd, typ):
        while True:
            n = self.take(65536)
            if n == 0: return
            try: d = os.read(fd, n)
            except OSError: d = b""
            if len(d) < n: self.credit(n - len(d))
            if not d: return
            self.w.send(typ, struct.pack(">I", self.ch) + s(d))
    def writer(self, f):
        while True:
            d = self.inq.get()
            if d is None:
                try:
                    if f: f.close()
                    else: self.so.shutdown(socket.SHUT_WR)
                except OSError: pass
                return
            try:
                if f: f.write(d); f.flush()
                else: self.so.sendall(d)
            except OSError: pass
            self.w.send(53, struct.pack(">II", self.ch, len(d)))
    def stdin(self, d): self.inq.put(d)
    def signal(self, sig):
        if self.proc: os.killpg(self.proc.pid, getattr(signal, "SIG" + sig))
    def waiter(self):
        rc = self.proc.wait()
        for th in self.readers: th.join()
        if rc >= 0:
            self.w.send(34, struct.pack(">II", self.ch, rc))
        else:
            name = signal.Signals(-rc).name[3:]
            self.w.send(35, struct.pack(">I", self.ch) + s(name) + b"\0" + s(""))
        self.finish()
    def sock_waiter(self):
        for th in self.readers: th.join()
        self.finish()
    def finish(self):
        self.w.send(51, struct.pack(">I", self.ch))
        with self.cv:
            if self.sent_close: return
            self.sent_close = True
        self.w.send(52, struct.pack(">I", self.ch))
    def closed_by_peer(self):
        self.kill()
        with self.cv:
            if self.sent_close: return
            self.sent_close = True
        self.w.send(52, struct.pack(">I", self.ch))
    def kill(self):
        with self.cv: self.done = True; self.cv.notify_all()
        if self.proc and self.proc.poll() is None:
            try: os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError: pass
        if self.so:
            try: self.so.close()
            except OSError: pass

def serve(client):
    mon_a, mon_b = socket.socketpair()
    mux_a, mux_b = socket.socketpair()
    fds = [client.fileno(), mon_b.fileno(), mux_b.fileno()]
    def child():
        for i, fd in enumerate(fds):
            os.dup2(fd, 1000 + i)
        for i in range(3):
            os.dup2(1000 + i, 3 + i)
        os.closerange(6, 65536)
    args = [PREAUTH]
    if os.environ.get("PREAUTH_STRACE"):
        args = ["strace", "-f", "-qq", "-o", os.environ["PREAUTH_STRACE"] + "." + str(next(COUNTER))] + args
    if os.getuid() == 0:
        args += ["--chroot", EMPTY, "--uid", "65534", "--gid", "65534"]
    p = subprocess.Popen(args, preexec_fn=child, close_fds=False)
    if PIDFILE:
        with open(PIDFILE, "w") as f: f.write(str(p.pid))
    client.close(); mon_b.close(); mux_b.close()
    with open(HOSTKEY) as f: key = f.read()
    mon_a.sendall(frame(1, s(key)))
    mon_a.sendall(frame(2, struct.pack(">IIIQI", 1, LOGLEVEL, IDLE, REKEY, 0)))
    want = authorized(); tries = 6
    r = Reader(mon_a)
    try:
        while True:
            t, b = r.frame(); b = Body(b)
            assert t == 10, t
            method, user, key, signed = b.u32(), b.str().decode(), b.str().decode(), b.u8()
            log("auth", method, user, key[:30], signed)
            if method == 2 and key == want:
                mon_a.sendall(frame(3, struct.pack(">II", 2 if signed else 1, tries)))
                if signed: break
                continue
            tries -= 1
            mon_a.sendall(frame(3, struct.pack(">II", 0, tries)))
            if tries == 0:
                mon_a.close(); p.wait(); return
        Worker(mux_a).run()
    except EOFError:
        pass
    p.wait()
    log("preauth exited", p.returncode)
    mon_a.close()

def main():
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0)); ls.listen(16)
    with open(PORTFILE + ".tmp", "w") as f: f.write(str(ls.getsockname()[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

main()
PY

# start_harness NAME [PREFIX...]: a harness whose port lands in $TMP/NAME.port
start_harness() {
	name=$1; shift
	PREAUTH_CHROOT="$EMPTY" PREAUTH_PIDFILE="$TMP/$name.pid" PREAUTH_REKEY_BYTES=1048576 \
		"$@" "$PYTHON" "$TMP/harness.py" "$BIN" "$TMP/hostkey" "$TMP/id.pub" \
		"$TMP/$name.port" >"$TMP/$name.log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_for 5 test -s "$TMP/$name.port" && return 0
	cat "$TMP/$name.log"; die "harness $name did not start"
}

# hold_preauth NAME: a client connected but silent, so the child sits in
# pre-auth; sets HOLD_PID and CHILD.
hold_preauth() {
	rm -f "$TMP/$1.pid"
	python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' \
		"$(cat "$TMP/$1.port")" &
	HOLD_PID=$!
	at_exit "kill $HOLD_PID 2>/dev/null"
	wait_for 5 test -s "$TMP/$1.pid"
	CHILD=$(cat "$TMP/$1.pid")
	# The sandbox is in place once seccomp is on; give the child that long.
	for _ in $(seq 100); do
		[ "$(status_field Seccomp)" = 2 ] && break; sleep 0.05
	done
}

status_field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$CHILD/status"; }
status_line() { awk -v f="$1:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$CHILD/status"; }

BIN=$PREAUTH
start_harness root
hold_preauth root
check_eq "pre-auth child runs seccomp in filter mode" 2 "$(status_field Seccomp)"
check_eq "pre-auth child has NoNewPrivs" 1 "$(status_field NoNewPrivs)"
check_eq "pre-auth child has no effective capabilities" 0000000000000000 "$(status_field CapEff)"
check_eq "pre-auth child has no permitted capabilities" 0000000000000000 "$(status_field CapPrm)"
check_eq "pre-auth child has an empty bounding set" 0000000000000000 "$(status_field CapBnd)"
check_eq "pre-auth child's uids are all the preauth user" "65534 65534 65534 65534" "$(status_line Uid)"
check_eq "pre-auth child's gids are all the preauth group" "65534 65534 65534 65534" "$(status_line Gid)"
check_eq "pre-auth child has no supplementary groups" "" "$(status_line Groups)"
check_eq "pre-auth child's root is the empty directory" "$EMPTY" "$(readlink "/proc/$CHILD/root")"
check_eq "pre-auth child's cwd is its root" "$EMPTY" "$(readlink "/proc/$CHILD/cwd")"
check_eq "pre-auth child holds only fds 0-5" "0 1 2 3 4 5" "$(ls "/proc/$CHILD/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "pre-auth child may open no more files" 6 "$(awk '/^Max open files/ { print $4 }' "/proc/$CHILD/limits")"
check_eq "pre-auth child may start no processes" 0 "$(awk '/^Max processes/ { print $3 }' "/proc/$CHILD/limits")"
check_eq "pre-auth child is not dumpable (root owns its /proc files)" 0 "$(stat -c %u "/proc/$CHILD/mem")"
kill "$HOLD_PID" 2>/dev/null

P=$(cat "$TMP/root.port")
SSHO="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR"
run_ssh() { timeout 60 ssh $SSHO -p "$P" -i "$TMP/id" root@127.0.0.1 "$@"; }

out=$(run_ssh 'echo out; echo err >&2; exit 42' 2>"$TMP/err"); rc=$?
check_eq "exec: exit status crosses" 42 "$rc"
check_eq "exec: stdout" out "$out"
check_eq "exec: stderr apart" err "$(cat "$TMP/err")"
run_ssh 'kill -9 $$' 2>/dev/null
check_eq "exec: a signal death is exit 255 in ssh" 255 "$?"

head -c 20000000 /dev/urandom >"$TMP/blob"
sum=$(run_ssh -o RekeyLimit=1M cat <"$TMP/blob" | sha256sum)
check_eq "20 MB through cat across a rekey every MiB" "$(sha256sum <"$TMP/blob")" "$sum"
check_eq "200 MB out" 200000000 "$(run_ssh 'head -c 200000000 /dev/zero' | wc -c)"

printf 'put %s %s\nget %s %s\n' "$TMP/blob" "$TMP/blob.up" "$TMP/blob.up" "$TMP/blob.down" >"$TMP/batch"
timeout 60 sftp $SSHO -P "$P" -i "$TMP/id" -b "$TMP/batch" root@127.0.0.1 >/dev/null 2>&1
check "sftp put/get round trip" cmp -s "$TMP/blob" "$TMP/blob.down"

mkdir "$TMP/www" && echo page >"$TMP/www/index.html"
# -u: the line naming its port reaches the log at once, not at exit.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 100); do
	HP=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/http.log" | head -n 1)
	[ -n "$HP" ] && break; sleep 0.05
done
LP=$((P + 1))
timeout 20 ssh $SSHO -p "$P" -i "$TMP/id" -N -L "$LP:127.0.0.1:$HP" root@127.0.0.1 &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 100); do got=$(curl -s "http://127.0.0.1:$LP/" 2>/dev/null) && break; sleep 0.05; done
check_eq "ssh -L reaches a TCP service" page "$got"

out=$(timeout 20 ssh $(echo "$SSHO" | sed 's/LogLevel=ERROR/LogLevel=INFO/') -p "$P" -i "$TMP/id" \
	-R "$LP:127.0.0.1:$HP" root@127.0.0.1 'sleep 0.3; echo still-up' 2>"$TMP/r.err")
check "ssh -R is refused" grep -q "remote port forwarding failed" "$TMP/r.err"
check_eq "the session stays up after -R is refused" still-up "$out" || { cat "$TMP/r.err"; tail "$TMP/root.log"; }

timeout 10 ssh $SSHO -p "$P" -i "$TMP/wrong" root@127.0.0.1 true 2>/dev/null
check_eq "a wrong key is refused" 255 "$?"
check "no child was killed by the filter" sh -c "! grep -q 'exited -31' '$TMP/root.log'"

# Unprivileged: no chroot or uid change, but seccomp and the notice.
# A copy the unprivileged user can reach wherever the build tree lives.
BIN="$TMP/msb-preauth"
cp "$PREAUTH" "$BIN" || die "cp"
chown 65534:65534 "$TMP" "$TMP/hostkey"
start_harness user setpriv --reuid=65534 --regid=65534 --clear-groups
hold_preauth user
check_eq "unprivileged child still runs seccomp" 2 "$(status_field Seccomp)"
check_eq "unprivileged child has NoNewPrivs" 1 "$(status_field NoNewPrivs)"
kill "$HOLD_PID" 2>/dev/null
check "unprivileged child says what is off" \
	grep -q "running unprivileged: chroot and uid separation are off" "$TMP/user.log"
out=$(timeout 20 ssh $SSHO -p "$(cat "$TMP/user.port")" -i "$TMP/id" root@127.0.0.1 'echo ok' 2>/dev/null)
check_eq "unprivileged child serves a command" ok "$out"

done_testing
