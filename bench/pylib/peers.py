"""The three peers the bench compares, each started by the bench on 127.0.0.1.

* sshd-host: OpenSSH's sshd on this host, running the commands on the host.
* sshd-guest: OpenSSH's sshd inside a microVM booted from the same kind of
  image as msb's (the default root plus sshd), reached through QEMU's
  user-mode port forwarding (msb create --forward).
* msb: msb ssh serve in front of a sandbox of the default image.

Every peer is reached with the same ssh client, the same Ed25519 key and
the algorithms each side negotiates by default.
"""
import os
import re
import subprocess
import time

from util import BenchError, free_port, log, now, rss_kib, run, stop_process, tree, wait_banner

SINK_PORT = 7070  # the TCP sink for ssh -L, on the peer's own loopback


class Sandbox:
    """One msb sandbox in the bench's private MSB_HOME."""

    def __init__(self, ctx, name, image, forwards=()):
        self.ctx, self.name, self.image, self.forwards = ctx, name, image, list(forwards)
        self.vsock = os.path.join(ctx.home, "sandboxes", name, "vsock.sock")
        argv = [ctx.msb, "create", name, "--image", image, "--accel", ctx.accel,
                "--memory", str(ctx.vm_memory), "--cpus", str(ctx.vm_cpus),
                "--disk-size", ctx.vm_disk, "--net", "user"]
        for hp, gp in self.forwards:
            argv += ["--forward", f"tcp:127.0.0.1:{hp}:{gp}"]
        run(argv)
        self.running = False

    def start(self):
        """Boots the sandbox; returns (seconds until the agent answered, accelerator)."""
        t0 = now()
        p = run([self.ctx.msb, "start", self.name], timeout=300)
        t = now() - t0
        self.running = True
        m = re.search(r"started in [0-9.]+ s \((\w+)", p.stderr)
        return t, (m.group(1) if m else "?")

    def stop(self):
        if self.running:
            run([self.ctx.msb, "stop", "--force", self.name], timeout=120, check=False)
            self.running = False

    def sh(self, cmd, timeout=120, check=True):
        """Runs a shell command in the guest through the agent (not through SSH)."""
        return run([self.ctx.msb, "agent", "--vsock", self.vsock, "exec", "--", cmd],
                   timeout=timeout, check=check)


class Peer:
    id = label = ""
    host_side = False

    def __init__(self, ctx):
        self.ctx = ctx
        self.port = None
        self.sink_port = SINK_PORT

    def ssh_opts(self):
        c = self.ctx
        return ["-F", "/dev/null", "-i", c.key, "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none"]

    def ssh(self, cmd=None, extra=(), loglevel="ERROR"):
        argv = ["ssh", "-p", str(self.port)] + self.ssh_opts() + ["-o", f"LogLevel={loglevel}"]
        argv += list(extra) + ["root@127.0.0.1"]
        return argv + ([cmd] if cmd is not None else [])

    def sftp(self, batch):
        return ["sftp", "-q", "-b", batch, "-P", str(self.port)] + self.ssh_opts() + \
            ["-o", "LogLevel=ERROR", "root@127.0.0.1"]

    def rsync_rsh(self):
        return " ".join(["ssh", "-p", str(self.port)] + self.ssh_opts() + ["-o", "LogLevel=ERROR"])

    def negotiated(self):
        """(kex, cipher) as the client's ssh -v reports them."""
        p = run(self.ssh("true", loglevel="DEBUG1"), timeout=120)
        kex = re.search(r"kex: algorithm: (\S+)", p.stderr)
        cipher = re.search(r"kex: server->client cipher: (\S+)", p.stderr)
        return (kex.group(1) if kex else "?", cipher.group(1) if cipher else "?")

    # Where remote files go. Each peer also has sh(cmd) (a setup command on
    # its machine, not through SSH) and server_rss_kib() (its server's RSS).
    remote_dir = "/root/bench"

    def start_sink(self):
        """A TCP listener on the peer's loopback that reads a stream to EOF and
        answers with its byte count (socat + wc), for ssh -L."""
        self.sh(f"setsid socat TCP-LISTEN:{self.sink_port},bind=127.0.0.1,reuseaddr,fork "
                f"SYSTEM:'wc -c' </dev/null >/dev/null 2>&1 &")

    def close(self):
        pass


class HostSshd(Peer):
    id, label, host_side = "sshd-host", "sshd (host)", True

    def __init__(self, ctx, name="sshd-host"):
        super().__init__(ctx)
        d = os.path.join(ctx.work, name)
        os.makedirs(d)
        self.remote_dir = os.path.join(d, "remote")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{d}/host_ed25519_key"])
        self.config = f"{d}/sshd_config"
        with open(self.config, "w") as f:
            f.write(f"ListenAddress 127.0.0.1\nHostKey {d}/host_ed25519_key\n"
                    f"AuthorizedKeysFile {ctx.key}.pub\nStrictModes no\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
                    "UseDNS no\nPrintMotd no\nPidFile none\n"
                    "Subsystem sftp /usr/lib/openssh/sftp-server\n")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.log = f"{d}/sshd.log"
        self.proc = None
        self.sink = None

    def start(self):
        """Starts sshd; returns the seconds until it sent its banner."""
        self.port = free_port()
        t0 = now()
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", self.config, "-p",
                                      str(self.port), "-E", self.log])
        wait_banner(self.port, 30)
        return now() - t0

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def sh(self, cmd, timeout=120, check=True):
        return run(["sh", "-c", cmd], timeout=timeout, check=check)

    def server_rss_kib(self):
        return rss_kib(tree(self.proc.pid))

    def start_sink(self):
        self.sink_port = free_port()
        self.sink = subprocess.Popen(["socat", f"TCP-LISTEN:{self.sink_port},bind=127.0.0.1,"
                                      "reuseaddr,fork", "SYSTEM:wc -c"],
                                     stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self):
        self.stop()
        stop_process(self.sink)


class GuestSshd(Peer):
    id, label = "sshd-guest", "sshd (guest)"

    def __init__(self, ctx, name="sshd-vm"):
        super().__init__(ctx)
        self.port = free_port()
        self.vm = Sandbox(ctx, name, "sshd", [(self.port, 22)])

    def start(self):
        """Boots the guest and starts sshd in it: (seconds until the banner
        arrived through the forwarded port, accelerator)."""
        t0 = now()
        _, accel = self.vm.start()
        self.vm.sh("mkdir -p -m 0755 /run/sshd && /usr/sbin/sshd")
        wait_banner(self.port, 60)
        return now() - t0, accel

    def stop(self):
        self.vm.stop()

    def sh(self, cmd, timeout=120, check=True):
        return self.vm.sh(cmd, timeout, check)

    def server_rss_kib(self):
        p = self.vm.sh("for d in /proc/[0-9]*; do [ \"$(cat $d/comm 2>/dev/null)\" = sshd ] && "
                       "awk '/^VmRSS:/ { print $2 }' $d/status; done | "
                       "awk '{ s += $1 } END { print s + 0 }'")
        return int(p.stdout.strip())

    def close(self):
        self.stop()


class Msb(Peer):
    id, label = "msb", "msb"

    def __init__(self, ctx, name="msb-vm"):
        super().__init__(ctx)
        self.vm = Sandbox(ctx, name, "default")
        self.serve = None
        self.log = os.path.join(ctx.work, "serve.log")

    def start(self):
        t, accel = self.vm.start()
        with open(self.log, "w") as errf:
            self.serve = subprocess.Popen([self.ctx.msb, "ssh", "serve", self.vm.name,
                                           "--port", "0"], stderr=errf)
        end = now() + 30
        while now() < end and self.port is None:
            with open(self.log) as f:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
            elif self.serve.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if self.port is None:
            raise BenchError("msb ssh serve did not listen; see " + self.log)
        return t, accel

    def sh(self, cmd, timeout=120, check=True):
        return self.vm.sh(cmd, timeout, check)

    def server_rss_kib(self):
        """Every msb process serving this sandbox: the listener and its
        per-connection monitors, network children and session workers, and
        the sandbox's vmm (vsock backend)."""
        pids = tree(self.serve.pid)
        st = os.path.join(self.ctx.home, "sandboxes", self.vm.name, "state")
        with open(st) as f:
            m = re.search(r"^vmm_pid=(\d+)", f.read(), re.M)
        if m:
            pids.append(int(m.group(1)))
        return rss_kib(pids)

    def native_argv(self, cmd):
        """msb ssh NAME -- CMD: the native session (no listener, no ssh binary)."""
        return [self.ctx.msb, "ssh", self.vm.name, "--", cmd]

    def close(self):
        if self.serve is not None:
            stop_process(self.serve, 15)
        self.vm.stop()


def build_images(ctx):
    """The default image, and the same root plus sshd for the guest peer."""
    log("building the guest images (default, and default + sshd)")
    run([ctx.msb, "image", "build"], timeout=300)
    stage = os.path.join(ctx.work, "sshd-root")
    run([os.path.join(ctx.srcdir, "vmctl/image/mkrootfs-debian.sh"), stage], timeout=300)
    run([os.path.join(ctx.srcdir, "bench/sshd-rootfs.sh"), stage, ctx.key + ".pub"])
    run([ctx.msb, "image", "build", "sshd", "--rootfs", stage], timeout=300)
    run(["rm", "-rf", stage])


def setup(ctx, ids):
    """Creates and starts the peers named in ids; returns {id: Peer} (started
    ones are also in ctx.peers, for cleanup even if a later one fails)."""
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ctx.key])
    if "msb" in ids or "sshd-guest" in ids:
        build_images(ctx)
    for pid in ids:
        peer = {"sshd-host": HostSshd, "sshd-guest": GuestSshd, "msb": Msb}[pid](ctx)
        ctx.peers[pid] = peer
        if pid == "msb":
            run([ctx.msb, "ssh", "authorize", "--file", ctx.key + ".pub"])
        started = peer.start()
        if isinstance(started, tuple):
            ctx.accel_seen = started[1]
        log(f"{peer.label} listens on 127.0.0.1:{peer.port}")
    return ctx.peers
