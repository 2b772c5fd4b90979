"""The figures of issue 6. Each takes (ctx, peers) and returns a list of Rows;
peers are run alternately (the order rotates every iteration) so that a
drift of the machine hits every peer alike."""
import os
import selectors
import socket
import subprocess
import time

import sdk_bench
from util import BenchError, free_port, log, median, now, p95, rotate, run, stop_process

MiB = 1 << 20
# The per-sandbox jail's budget against msb without it (the msb-base peer):
# at most 5 % slower to start and to connect, at most 2 MiB more memory.
JAIL = {"msb-base": ("le", 1.05)}
JAIL_MEM_KIB = 2048


class Row:
    """One line of the table: a value per peer (None: not measured)."""

    def __init__(self, fid, label, unit, better, targets=None):
        self.id, self.label, self.unit, self.better = fid, label, unit, better
        # {peer id: ("le"|"ge", ratio)} for ratios msb/peer; "sshd-guest"
        # defaults to "better than it".
        self.targets = targets or {}
        self.values, self.raw = {}, {}
        self.note = ""
        self.hook = False   # a figure waiting for work not yet in this build
        self.limit = None   # an absolute ceiling for msb's value
        self.compare = None  # the peers msb's ratio is shown against (None: all)
        self.over = {}  # {peer id: most msb's value may exceed that peer's by}

    def put(self, peer, value, raw=None):
        self.values[peer] = value
        if raw is not None:
            self.raw[peer] = raw


# -- connect + authenticate + true + close ---------------------------------

def connect(ctx, peers):
    n = ctx.n("connect")
    capi = os.path.join(ctx.builddir, "bench", "msb-bench-capi")
    extra = []
    if "msb" in peers and ctx.native_available:
        extra.append("native")
    if "msb" in peers and os.access(capi, os.X_OK):
        extra.append("capi")
    times = {p: [] for p in list(peers) + extra + ["capi_exec"]}
    for i in range(n):
        for pid in rotate(list(peers) + extra, i):
            if pid == "capi":
                out = run([capi, peers["msb"].vm.name, "1", "true"], timeout=120).stdout.split()
                times["capi"].append(float(out[1]))
                times["capi_exec"].append(float(out[3]))
                continue
            argv = peers["msb"].native_argv("true") if pid == "native" else peers[pid].ssh("true")
            t0 = now()
            run(argv, timeout=120)
            times[pid].append((now() - t0) * 1000)
    host = {"sshd-host": ("le", 1.0)}
    med = Row("connect", f"connect+auth+`true`+close, median of {n}", "ms", "lower",
              dict(host, **JAIL))
    top = Row("connect_p95", f"connect+auth+`true`+close, p95 of {n}", "ms", "lower")
    for pid in peers:
        med.put(pid, median(times[pid]), times[pid])
        top.put(pid, p95(times[pid]))
    if "msb" not in peers:
        return [med, top]
    nat = Row("connect_native", f"native `msb ssh NAME -- true`, median of {n}", "ms", "lower",
              host)
    cyc = Row("connect_capi", f"C API connect+exec `true`+close, median of {n}", "ms", "lower",
              host)
    ex = Row("exec_capi", f"C API exec `true` on an open client, median of {n}", "ms", "lower")
    ex.compare = ()
    for row, key, why in ((nat, "native", "`msb ssh NAME` is not in this build"),
                          (cyc, "capi", "bench/msb-bench-capi (libmsb) is not built"),
                          (ex, "capi_exec", "bench/msb-bench-capi (libmsb) is not built")):
        row.hook = True
        if times[key]:
            row.put("msb", median(times[key]), times[key])
        else:
            row.note = "pending: " + why
    return [med, top, nat, cyc, ex]


# -- keystroke echo through a PTY ------------------------------------------

def _read_until(fd, want, timeout):
    """Reads fd until the bytes read contain want; returns them."""
    got = b""
    end = now() + timeout
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        while want not in got:
            left = end - now()
            if left <= 0 or not sel.select(left):
                raise BenchError(f"no {want!r} within {timeout} s (got {got[-80:]!r})")
            b = os.read(fd, 4096)
            if not b:
                raise BenchError(f"EOF before {want!r} (got {got[-80:]!r})")
            got += b
    finally:
        sel.close()
    return got


def echo(ctx, peers):
    """One byte written to ssh -tt comes back from cat running on a remote
    PTY in raw mode (as a shell's line editor echoes it)."""
    n = ctx.n("echo")
    procs = {}
    try:
        for pid, peer in peers.items():
            p = subprocess.Popen(peer.ssh("stty raw -echo; echo ready; exec cat",
                                          extra=["-tt", "-e", "none"]),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
            procs[pid] = p
            _read_until(p.stdout.fileno(), b"ready", 120)
        times = {pid: [] for pid in peers}
        for i in range(-3, n):  # three warm-up keystrokes each
            for pid in rotate(list(peers), i):
                p = procs[pid]
                t0 = now()
                os.write(p.stdin.fileno(), b"x")
                _read_until(p.stdout.fileno(), b"x", 30)
                if i >= 0:
                    times[pid].append((now() - t0) * 1000)
    finally:
        for p in procs.values():
            stop_process(p)
    row = Row("echo", f"keystroke echo through a PTY, median of {n}", "ms", "lower")
    for pid in peers:
        row.put(pid, median(times[pid]), times[pid])
    return [row]


# -- streams ------------------------------------------------------------------

def _stream_out(peer, size):
    p = subprocess.Popen(peer.ssh(f"head -c {size} /dev/zero"), stdout=subprocess.PIPE,
                         bufsize=0)
    buf = bytearray(4 * MiB)
    got = 0
    t0 = now()
    while True:
        k = p.stdout.readinto(buf)
        if not k:
            break
        got += k
    rc = p.wait()
    t = now() - t0
    if rc != 0 or got != size:
        raise BenchError(f"{peer.id}: stream out got {got} of {size} bytes, exit {rc}")
    return size / MiB / t


def _stream_in(peer, size):
    head = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
    t0 = now()
    p = subprocess.run(peer.ssh("cat >/dev/null && echo done"), stdin=head.stdout,
                       capture_output=True, text=True, timeout=3600)
    t = now() - t0
    head.stdout.close()
    head.wait()
    if p.returncode != 0 or p.stdout.strip() != "done":
        raise BenchError(f"{peer.id}: stream in failed, exit {p.returncode}: {p.stderr}")
    return size / MiB / t


def _throughput(ctx, peers, rows_fn):
    """Runs each measuring function of rows_fn for every peer, ctx.repeat times.
    A run that fails leaves that peer's value out and says why in the row's
    note, so that one peer's fault does not cost the whole bench."""
    out = []
    for row, fn in rows_fn:
        vals = {pid: [] for pid in peers}
        failed = []
        for i in range(ctx.repeat):
            for pid in rotate(list(peers), i):
                try:
                    vals[pid].append(fn(peers[pid]))
                except BenchError as e:
                    log(f"{row.id}: {pid} failed: {e}")
                    failed.append(f"{peers[pid].label} failed: {e}")
        for pid in peers:
            row.put(pid, median(vals[pid]), vals[pid] or "failed")
        row.note = "; ".join(failed)
        out.append(row)
    return out


def _size_label(size):
    return f"{size // (1 << 30)} GiB" if size >= 1 << 30 else f"{size // MiB} MiB"


def stream(ctx, peers):
    size = ctx.n("stream")
    host = {"sshd-host": ("ge", 0.8)}
    return _throughput(ctx, peers, [
        (Row("stream_out", f"`head -c {_size_label(size)} /dev/zero` remote to local",
             "MiB/s", "higher", host), lambda p: _stream_out(p, size)),
        (Row("stream_in", f"{_size_label(size)} local to remote `cat >/dev/null`",
             "MiB/s", "higher", host), lambda p: _stream_in(p, size)),
    ])


# -- SFTP -----------------------------------------------------------------------

def _batch(ctx, name, text):
    path = os.path.join(ctx.work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def _prepare_remote(peers):
    for peer in peers.values():
        peer.sh(f"rm -rf {peer.remote_dir} && mkdir -p {peer.remote_dir}")


def _timed(argv, timeout=3600):
    t0 = now()
    run(argv, timeout=timeout)
    return now() - t0


def sftp(ctx, peers):
    size = ctx.n("sftp")
    local = os.path.join(ctx.work, "sftp.src")
    back = os.path.join(ctx.work, "sftp.back")
    with open(local, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 * MiB))
            f.write(chunk)
            left -= len(chunk)
    _prepare_remote(peers)

    def put(peer):
        b = _batch(ctx, "put.batch", f"put {local} {peer.remote_dir}/sftp.dat\n")
        return size / MiB / _timed(peer.sftp(b))

    def get(peer):
        if os.path.exists(back):
            os.unlink(back)
        b = _batch(ctx, "get.batch", f"get {peer.remote_dir}/sftp.dat {back}\n")
        rate = size / MiB / _timed(peer.sftp(b))
        if run(["cmp", "-s", local, back], check=False).returncode != 0:
            raise BenchError(f"{peer.id}: the file fetched by sftp differs from the one put")
        return rate

    host = {"sshd-host": ("ge", 0.8)}
    lab = _size_label(size)
    rows = _throughput(ctx, peers, [
        (Row("sftp_put", f"sftp -b put {lab}", "MiB/s", "higher", host), put),
        (Row("sftp_get", f"sftp -b get {lab}", "MiB/s", "higher", host), get),
    ])
    for peer in peers.values():
        peer.sh(f"rm -f {peer.remote_dir}/sftp.dat")
    os.unlink(local)
    if os.path.exists(back):
        os.unlink(back)
    return rows


def small_files(ctx, peers):
    n = ctx.n("small")
    src = os.path.join(ctx.work, "small")
    os.makedirs(src, exist_ok=True)
    for i in range(n):
        with open(os.path.join(src, f"f{i:05d}"), "wb") as f:
            f.write(os.urandom(4096))
    _prepare_remote(peers)

    def count(peer, d):
        got = int(peer.sh(f"ls {d} | wc -l").stdout.strip())
        if got != n:
            raise BenchError(f"{peer.id}: {got} of {n} small files arrived in {d}")

    def by_sftp(peer):
        d = f"{peer.remote_dir}/small-sftp"
        peer.sh(f"rm -rf {d}")
        b = _batch(ctx, "small.batch", f"put -r {src} {d}\n")
        t = _timed(peer.sftp(b))
        count(peer, d)
        return n / t

    def by_rsync(peer):
        d = f"{peer.remote_dir}/small-rsync"
        peer.sh(f"rm -rf {d}")
        t = _timed(["rsync", "-a", "-e", peer.rsync_rsh(), f"{src}/", f"root@127.0.0.1:{d}/"])
        count(peer, d)
        return n / t

    host = {"sshd-host": ("ge", 0.8)}
    rows = _throughput(ctx, peers, [
        (Row("small_sftp", f"{n} files of 4 KiB, sftp -b put -r", "files/s", "higher", host),
         by_sftp),
        (Row("small_rsync", f"{n} files of 4 KiB, rsync -a", "files/s", "higher", host),
         by_rsync),
    ])
    for peer in peers.values():
        peer.sh(f"rm -rf {peer.remote_dir}")
    run(["rm", "-rf", src])
    return rows


# -- ssh -L -----------------------------------------------------------------------

def _through_sink(port, size, timeout, reply_timeout=60):
    """Sends size bytes to 127.0.0.1:port, half-closes, returns the sink's
    count. Once everything is sent, only what the forwarding path buffers
    is still on its way: a count that does not come back within
    reply_timeout means the EOF never reached the sink."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        chunk = bytes(MiB)
        left = size
        while left:
            k = min(left, len(chunk))
            s.sendall(chunk[:k])
            left -= k
        s.shutdown(socket.SHUT_WR)
        s.settimeout(reply_timeout)
        reply = b""
        try:
            while True:
                b = s.recv(64)
                if not b:
                    break
                reply += b
        except socket.timeout as e:
            raise BenchError(f"all {size} bytes sent and EOF, but no count from the sink "
                             f"within {reply_timeout} s") from e
    return int(reply.strip()) if reply.strip().isdigit() else -1


def forward(ctx, peers):
    size = ctx.n("forward")
    for peer in peers.values():
        peer.start_sink()

    def one(peer):
        lport = free_port()
        fwd = subprocess.Popen(peer.ssh(None, extra=[
            "-N", "-o", "ExitOnForwardFailure=yes",
            "-L", f"127.0.0.1:{lport}:127.0.0.1:{peer.sink_port}"]))
        try:
            end = now() + 60
            while True:  # ready once an empty stream comes back counted
                try:
                    if _through_sink(lport, 0, 10) == 0:
                        break
                except OSError:
                    pass
                if now() > end or fwd.poll() is not None:
                    raise BenchError(f"{peer.id}: ssh -L to the sink did not come up")
                time.sleep(0.05)
            t0 = now()
            got = _through_sink(lport, size, 600)
            t = now() - t0
        finally:
            stop_process(fwd)
        if got != size:
            raise BenchError(f"{peer.id}: the sink counted {got} of {size} bytes")
        return size / MiB / t

    return _throughput(ctx, peers, [
        (Row("forward", f"ssh -L, {_size_label(size)} to a TCP sink on the server's side",
             "MiB/s", "higher", {"sshd-host": ("ge", 0.8)}), one),
    ])


# -- scale ----------------------------------------------------------------------------

def _launch_until_up(peer, count, cmd, max_tries=50, stdin=subprocess.DEVNULL):
    """Starts count ssh clients at once, each running cmd (which prints "up"
    first); a client the server turns away before authentication (exit 255,
    MaxStartups) is started again. Returns (seconds until every client was
    up, the Popens, retries)."""
    procs, up, tries = [None] * count, [False] * count, [0] * count
    sel = selectors.DefaultSelector()

    def launch(i):
        tries[i] += 1
        p = subprocess.Popen(peer.ssh(cmd), stdout=subprocess.PIPE, stdin=stdin,
                             stderr=subprocess.DEVNULL, bufsize=0)
        procs[i] = p
        sel.register(p.stdout, selectors.EVENT_READ, i)

    t0 = now()
    for i in range(count):
        launch(i)
    end = t0 + 600
    while not all(up):
        if now() > end:
            raise BenchError(f"{peer.id}: only {sum(up)} of {count} connections up in 600 s")
        for key, _ in sel.select(1):
            i = key.data
            b = os.read(key.fileobj.fileno(), 64)
            if b.startswith(b"up"):
                up[i] = True
                sel.unregister(key.fileobj)
                continue
            sel.unregister(key.fileobj)
            rc = procs[i].wait()
            procs[i].stdout.close()
            if rc != 255 or tries[i] >= max_tries:
                raise BenchError(f"{peer.id}: connection {i} failed (exit {rc}, "
                                 f"try {tries[i]})")
            launch(i)
    t = now() - t0
    sel.close()
    return t, procs, sum(tries) - count


def concurrent(ctx, peers):
    n = ctx.n("concurrent")
    secs = 5 if not ctx.smoke else 1
    acc = Row("concurrent", f"{n} concurrent `sleep {secs}`: time until all are running",
              "s", "lower")
    ok = Row("concurrent_ok", f"{n} concurrent `sleep {secs}`: succeeded", "of " + str(n),
             "higher")
    retried = Row("concurrent_retries", f"{n} concurrent: refused before auth and retried",
                  "count", "lower")
    ok.compare = retried.compare = ()
    for pid in peers:
        t, procs, again = _launch_until_up(peers[pid], n, f"echo up; sleep {secs}")
        good = 0
        for p in procs:
            try:
                good += p.wait(secs + 120) == 0
            except subprocess.TimeoutExpired:
                stop_process(p)
            p.stdout.close()
        acc.put(pid, t)
        ok.put(pid, good)
        retried.put(pid, again)
    return [acc, ok, retried]


def idle_rss(ctx, peers):
    k = ctx.n("idle")
    row = Row("idle_rss", f"server RSS per idle connection (summed over its processes, {k} open)",
              "MiB", "lower")
    row.limit = 8.0
    sandbox_rows = _sandbox_rows()
    for pid, peer in peers.items():
        base = peer.server_rss_kib()
        if hasattr(peer, "sandbox_memory_kib"):
            for key, kib in peer.sandbox_memory_kib().items():
                sandbox_rows[key].put(pid, kib / 1024, f"{kib} KiB")
        procs = []
        try:
            for _ in range(k):
                # Held open by its stdin, not a timer: sshd leaves a command
                # without a terminal running when its client goes, and cat
                # ends at the EOF the client's end brings.
                _, ps, _ = _launch_until_up(peer, 1, "echo up; exec cat >/dev/null",
                                            stdin=subprocess.PIPE)
                procs += ps
            # Idle means quiet for a while: msb gives back what key exchange
            # and channel setup used after 2 s without traffic (lib/mem_trim.c).
            time.sleep(4)
            loaded = peer.server_rss_kib()
        finally:
            for p in procs:
                stop_process(p)
                p.stdout.close()
                p.stdin.close()
        row.put(pid, (loaded - base) / k / 1024, {"base_kib": base, "with_kib": loaded})
    return [row] + [r for r in sandbox_rows.values() if r.values]


def _sandbox_rows():
    """The host memory of one sandbox with no connection (Msb.sandbox_memory_kib),
    msb against msb-base only; the msb processes within JAIL_MEM_KIB of it."""
    what = "msb ssh serve, vmm and its keeper, no connection; the guest RAM the vmm maps not counted"
    rows = {
        "rss": Row("sandbox_rss", f"host memory per sandbox ({what}), summed VmRSS", "MiB",
                   "lower"),
        "pss": Row("sandbox_pss", f"host memory per sandbox ({what}), summed Pss", "MiB",
                   "lower"),
        "keeper_pss": Row("keeper_pss", "the vmm's keeper alone, Pss", "MiB", "lower"),
        "keeper_dirty": Row("keeper_dirty", "the vmm's keeper alone, Private_Dirty", "MiB",
                            "lower"),
    }
    for r in rows.values():
        r.compare = ("msb-base",)
    for key in ("rss", "pss"):
        rows[key].over = {"msb-base": JAIL_MEM_KIB / 1024}
    return rows


# -- sandbox start ---------------------------------------------------------------------

def boot(ctx, peers):
    """Boot to ready on separate sandboxes of the same images and sizes:
    msb until its agent answers (msb start), sshd in a guest until its banner
    arrives through the forwarded port (sshd started by the agent at once);
    for the host sshd, the start of the daemon to its banner; msb-base as
    msb, from its own build. msb-host boots nothing of its own (its sandbox
    is msb's) and is left out."""
    from peers import GuestSshd, HostSshd, Msb, MsbBase
    n = ctx.n("boot")
    row = Row("boot", f"sandbox start to ready, median of {n}", "s", "lower", dict(JAIL))
    row.compare = ("sshd-guest", "msb-base")  # a host daemon has no VM to boot
    fresh = f"a sandbox 2 s after its start, median of {n}"
    mem_rows = {
        "vmm_rss": Row("boot_vmm_rss", f"vmm and its keeper of {fresh}, summed VmRSS "
                       "(without the guest RAM it maps)", "MiB",
                       "lower"),
        "vmm_pss": Row("boot_vmm_pss", f"vmm and its keeper of {fresh}, summed Pss "
                       "(without the guest RAM it maps)", "MiB",
                       "lower"),
        "qemu_pss": Row("boot_qemu_pss", f"QEMU of {fresh}, Pss", "MiB", "lower"),
    }
    for r in mem_rows.values():
        r.compare = ("msb-base",)
        r.over = {"msb-base": JAIL_MEM_KIB / 1024}
    made = {}
    try:
        for pid in peers:
            if pid == "msb":
                made[pid] = Msb(ctx, "boot-msb")
            elif pid == "msb-base":
                made[pid] = MsbBase(ctx, "boot-msb-base")
            elif pid == "sshd-guest":
                made[pid] = GuestSshd(ctx, "boot-sshd")
            elif pid == "sshd-host":
                made[pid] = HostSshd(ctx, "sshd-host-boot")
        times = {pid: [] for pid in made}
        mem = {key: {pid: [] for pid in made} for key in mem_rows}
        for i in range(n):
            for pid in rotate(list(made), i):
                m = made[pid]
                if pid in ("msb", "msb-base"):
                    t, ctx.accel_seen = m.vm.start()
                    time.sleep(2)  # the vmm's start-up buffers trimmed (lib/mem_trim.c)
                    for key, kib in m.vm.memory_kib().items():
                        mem[key][pid].append(kib / 1024)
                    m.vm.stop()
                elif pid == "sshd-guest":
                    t, ctx.accel_seen = m.start()
                    m.stop()
                else:
                    t = m.start()
                    m.stop()
                times[pid].append(t)
        for pid in made:
            row.put(pid, median(times[pid]), times[pid])
            for key, r in mem_rows.items():
                if mem[key][pid]:
                    r.put(pid, median(mem[key][pid]), mem[key][pid])
    finally:
        for pid, m in made.items():
            if pid == "sshd-host":
                m.stop()
            else:
                m.close()
    row.label += f" ({ctx.accel_seen})"
    return [row] + [r for r in mem_rows.values() if r.values]


def sdk(ctx, peers):
    """exec `true` on an open client through each SDK, against the C API"""
    return sdk_bench.sdk_exec(ctx, peers, Row)


FIGURES = [
    ("connect", connect),
    ("echo", echo),
    ("stream", stream),
    ("sftp", sftp),
    ("small", small_files),
    ("forward", forward),
    ("concurrent", concurrent),
    ("idle", idle_rss),
    ("boot", boot),
    ("sdk", sdk),
]


def run_all(ctx, peers, wanted):
    rows = []
    for fid, fn in FIGURES:
        if fid not in wanted:
            continue
        log(f"figure {fid}")
        t0 = now()
        rows += fn(ctx, peers)
        log(f"figure {fid} took {now() - t0:.1f} s")
    return rows
