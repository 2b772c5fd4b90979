"""The peers the bench compares, each started by the bench on 127.0.0.1.

* sshd-host: OpenSSH's sshd on this host, running the commands on the host.
* sshd-guest: OpenSSH's sshd inside a microVM booted from the same kind of
  image as msb's (the default root plus sshd), reached through QEMU's
  user-mode port forwarding (msb create --forward).
* msb: msb ssh serve in front of a sandbox of the default image.
* msb-host: the same msb ssh serve, but its session workers reach a guest
  agent running on the host (MSB_SESSION_VSOCK=unix:...), so the commands
  run on the host as with sshd-host: msb's own server cost without a VM.
* msb-base: the msb peer exactly, run from another build (--baseline-build,
  e.g. the commit before the per-sandbox jail) with an MSB_HOME of its own.

Every peer is reached with the same ssh client, the same Ed25519 key and
the algorithms each side negotiates by default.
"""
import os
import re
import subprocess
import time

from util import (BenchError, free_port, guest_ram_kib, log, now, rss_kib, run, smaps_kib,
                  stop_process, tree, wait_banner)

SINK_PORT = 7070  # the TCP sink for ssh -L, on the peer's own loopback


class Install:
    """One build of msb and the MSB_HOME the bench gives it: its commands run
    from builddir with MSB_HOME and MSB_LIBEXECDIR pointing at the two."""

    def __init__(self, builddir, home):
        self.builddir, self.home = builddir, home
        self.msb = os.path.join(builddir, "msb")

    def env(self, **extra):
        return dict(os.environ, MSB_HOME=self.home, MSB_LIBEXECDIR=self.builddir, **extra)

    def run(self, args, **kw):
        """msb ARGS... of this build, in its home."""
        return run([self.msb] + list(args), env=self.env(), **kw)


class Sandbox:
    """One msb sandbox in an MSB_HOME of the bench's (the tested build's,
    unless inst names another)."""

    def __init__(self, ctx, name, image, forwards=(), inst=None):
        self.ctx, self.name, self.image, self.forwards = ctx, name, image, list(forwards)
        self.inst = inst or ctx.main
        self.dir = os.path.join(self.inst.home, "sandboxes", name)
        self.vsock = os.path.join(self.dir, "vsock.sock")
        argv = ["create", name, "--image", image, "--accel", ctx.accel,
                "--memory", str(ctx.vm_memory), "--cpus", str(ctx.vm_cpus),
                "--disk-size", ctx.vm_disk, "--net", "user"]
        for hp, gp in self.forwards:
            argv += ["--forward", f"tcp:127.0.0.1:{hp}:{gp}"]
        self.inst.run(argv)
        self.running = False

    def start(self):
        """Boots the sandbox; returns (seconds until the agent answered, accelerator)."""
        t0 = now()
        p = self.inst.run(["start", self.name], timeout=300)
        t = now() - t0
        self.running = True
        m = re.search(r"started in [0-9.]+ s \((\w+)", p.stderr)
        return t, (m.group(1) if m else "?")

    def stop(self):
        if self.running:
            self.inst.run(["stop", "--force", self.name], timeout=120, check=False)
            self.running = False

    def sh(self, cmd, timeout=120, check=True):
        """Runs a shell command in the guest through the agent (not through SSH)."""
        return self.inst.run(["agent", "--vsock", self.vsock, "exec", "--", cmd],
                             timeout=timeout, check=check)

    def pids(self):
        """{"vmm": [pid], "keeper": [pid] or [], "qemu": [pid]} from the
        state file: the vmm and QEMU it records, and the vmm's parent when
        that is an msb-vmm too (the jailed vmm's privileged keeper)."""
        with open(os.path.join(self.dir, "state")) as f:
            st = f.read()
        out = {"vmm": [], "keeper": [], "qemu": []}
        for key in ("vmm", "qemu"):
            m = re.search(rf"^{key}_pid=(\d+)", st, re.M)
            if m and int(m.group(1)) > 0:
                out[key].append(int(m.group(1)))
        for vmm in out["vmm"]:
            try:
                with open(f"/proc/{vmm}/status") as f:
                    ppid = int(re.search(r"^PPid:\s+(\d+)", f.read(), re.M).group(1))
                with open(f"/proc/{ppid}/cmdline", "rb") as f:
                    if b"msb-vmm" in f.read():
                        out["keeper"].append(ppid)
            except (OSError, AttributeError):
                pass
        return out

    def memory_kib(self):
        """{name: KiB}: the vmm with its keeper (summed VmRSS and Pss) and
        QEMU (Pss) of this running sandbox."""
        ps = self.pids()
        vmm = ps["vmm"] + ps["keeper"]
        return {"vmm_rss": rss_kib(vmm) - guest_ram_kib(ps["vmm"], "Rss"),
                "vmm_pss": smaps_kib(vmm, "Pss") - guest_ram_kib(ps["vmm"], "Pss"),
                "qemu_pss": smaps_kib(ps["qemu"], "Pss")}


class Peer:
    id = label = ""
    host_side = False
    login = "root"

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
        argv += list(extra) + [f"{self.login}@127.0.0.1"]
        return argv + ([cmd] if cmd is not None else [])

    def sftp(self, batch):
        return ["sftp", "-q", "-b", batch, "-P", str(self.port)] + self.ssh_opts() + \
            ["-o", "LogLevel=ERROR", f"{self.login}@127.0.0.1"]

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


class HostSide(Peer):
    """A peer whose commands, files and ssh -L sink are on this host; its
    remote files go to its own directory in the bench's work directory."""
    host_side = True

    def __init__(self, ctx, name):
        super().__init__(ctx)
        self.dir = os.path.join(ctx.work, name)
        os.makedirs(self.dir)
        self.remote_dir = os.path.join(self.dir, "remote")
        self.sink = None

    def sh(self, cmd, timeout=120, check=True):
        return run(["sh", "-c", cmd], timeout=timeout, check=check)

    def start_sink(self):
        self.sink_port = free_port()
        self.sink = subprocess.Popen(["socat", f"TCP-LISTEN:{self.sink_port},bind=127.0.0.1,"
                                      "reuseaddr,fork", "SYSTEM:wc -c"],
                                     stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self):
        stop_process(self.sink)
        self.sink = None


class HostSshd(HostSide):
    id, label = "sshd-host", "sshd (host)"

    def __init__(self, ctx, name="sshd-host"):
        super().__init__(ctx, name)
        d = self.dir
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

    def server_rss_kib(self):
        return rss_kib(tree(self.proc.pid))

    def close(self):
        self.stop()
        super().close()


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


def start_serve(ctx, sandbox, logpath, env=None, inst=None):
    """Starts msb ssh serve SANDBOX --port 0 (SANDBOX None: --all, the
    gateway) of inst's build (default: the tested one) in env (default:
    inst's); returns (Popen, its port)."""
    inst = inst or ctx.main
    what = ["--all"] if sandbox is None else [sandbox]
    with open(logpath, "w") as errf:
        serve = subprocess.Popen([inst.msb, "ssh", "serve"] + what + ["--port", "0"],
                                 stderr=errf, env=env or inst.env())
    end = now() + 30
    while now() < end:
        with open(logpath) as f:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
        if m:
            return serve, int(m.group(1))
        if serve.poll() is not None:
            break
        time.sleep(0.05)
    stop_process(serve)
    raise BenchError("msb ssh serve did not listen; see " + logpath)


class Msb(Peer):
    id, label = "msb", "msb"

    def __init__(self, ctx, name="msb-vm", inst=None):
        super().__init__(ctx)
        self.inst = inst or ctx.main
        self.vm = Sandbox(ctx, name, "default", inst=self.inst)
        self.serve = None
        self.log = os.path.join(ctx.work, f"serve-{self.id}.log")

    def start(self):
        t, accel = self.vm.start()
        self.serve, self.port = start_serve(self.ctx, self.vm.name, self.log, inst=self.inst)
        return t, accel

    def sh(self, cmd, timeout=120, check=True):
        return self.vm.sh(cmd, timeout, check)

    def server_pids(self):
        """{role: [pid]}: "serve", the listener and its per-connection
        monitors, network children and session workers; "vmm" (the vsock
        backend), "keeper" (the jailed vmm's parent; none without a jail)
        and "qemu" of the sandbox."""
        return dict(self.vm.pids(), serve=tree(self.serve.pid))

    def server_rss_kib(self):
        """Every msb process serving this sandbox: the listener and its
        per-connection monitors, network children and session workers, and
        the sandbox's vmm with its keeper (QEMU is not counted)."""
        ps = self.server_pids()
        return rss_kib(ps["serve"] + ps["vmm"] + ps["keeper"])

    def sandbox_memory_kib(self):
        """What this sandbox costs the host with no connection open:
        {name: KiB} over the same processes as server_rss_kib (summed VmRSS,
        and summed Pss, which charges a shared page to each of its sharers
        in part instead of to each in full), and the keeper's own Pss and
        Private_Dirty. (QEMU's, which grows with what the guest has done, is
        read in the boot figure on fresh sandboxes: Sandbox.memory_kib.)"""
        # "No connection": the last figure's monitors may still be ending.
        end = now() + 10
        while len(tree(self.serve.pid)) > 1 and now() < end:
            time.sleep(0.1)
        ps = self.server_pids()
        msb = ps["serve"] + ps["vmm"] + ps["keeper"]
        vmm = ps["vmm"]
        return {"rss": rss_kib(msb) - guest_ram_kib(vmm, "Rss"),
                "pss": smaps_kib(msb, "Pss") - guest_ram_kib(vmm, "Pss"),
                "keeper_pss": smaps_kib(ps["keeper"], "Pss"),
                "keeper_dirty": smaps_kib(ps["keeper"], "Private_Dirty")}

    def native_argv(self, cmd):
        """msb ssh NAME -- CMD: the native session (no listener, no ssh binary)."""
        return [self.inst.msb, "ssh", self.vm.name, "--", cmd]

    def close(self):
        if self.serve is not None:
            stop_process(self.serve, 15)
        self.vm.stop()


class MsbBase(Msb):
    """The msb peer run from the --baseline-build tree (e.g. msb before the
    per-sandbox jail), in an MSB_HOME of its own: the same sandbox sizes,
    msb start, and msb ssh serve in front of it."""
    id, label = "msb-base", "msb, no jail"

    def __init__(self, ctx, name="msb-base-vm"):
        super().__init__(ctx, name, ctx.base)


class MsbHost(HostSide):
    """msb ssh serve, the very same listener, monitor, network child and
    session worker as the msb peer, in front of a guest agent that runs on
    this host (msb-agent --listen unix:SOCK, as root) instead of in the
    sandbox: MSB_SESSION_VSOCK=unix:SOCK points the session workers at it.
    Commands, files and the ssh -L sink are then on the host as for
    sshd-host, so msb's server is measured alone, without the TCG guest.

    msb ssh serve wants its sandbox to exist and be running: this peer
    reuses the msb peer's sandbox when the msb peer is in the run (set it
    up first), else it creates and starts a sandbox of its own, which then
    idles while this peer is measured."""
    id, label = "msb-host", "msb (agent on host)"

    def __init__(self, ctx, name="msb-host"):
        super().__init__(ctx, name)
        msb = ctx.peers.get("msb")
        self.vm = msb.vm if msb is not None else Sandbox(ctx, "msb-host-vm", "default")
        self.own_vm = msb is None
        self.sock = os.path.join(self.dir, "agent.sock")
        self.log = os.path.join(self.dir, "serve.log")
        self.agent = self.serve = None

    def start(self):
        """Starts the host agent, the sandbox if it is this peer's own, and
        msb ssh serve; returns the seconds until serve listened."""
        agent_log = open(os.path.join(self.dir, "agent.log"), "w")
        with agent_log:
            self.agent = subprocess.Popen([os.path.join(self.ctx.builddir, "msb-agent"),
                                           "--listen", "unix:" + self.sock],
                                          stdin=subprocess.DEVNULL, stderr=agent_log)
        end = now() + 30
        while run([self.ctx.msb, "agent", "--socket", self.sock, "ping"], check=False,
                  timeout=30).returncode != 0:
            if now() > end or self.agent.poll() is not None:
                raise BenchError(f"msb-agent on {self.sock} did not answer; see {self.dir}")
            time.sleep(0.05)
        if self.own_vm:
            _, self.ctx.accel_seen = self.vm.start()
        self._open_agent_to_sandbox_uid()
        t0 = now()
        self.serve, self.port = start_serve(self.ctx, self.vm.name, self.log,
                                            dict(os.environ,
                                                 MSB_SESSION_VSOCK="unix:" + self.sock))
        return now() - t0

    def _open_agent_to_sandbox_uid(self):
        """The session workers run as the sandbox's own uid (its config's
        uid=, when msb runs as root): the agent's socket becomes that uid's,
        and the directories above it searchable, so they can connect."""
        with open(os.path.join(self.vm.dir, "config")) as f:
            m = re.search(r"^uid=(\d+)", f.read(), re.M)
        if m is None:
            return
        for d in (self.ctx.work, self.dir):
            os.chmod(d, 0o711)
        os.chown(self.sock, int(m.group(1)), int(m.group(1)))

    def server_rss_kib(self):
        """msb ssh serve's process tree: the listener and its per-connection
        monitors, network children and session workers (no vmm, which this
        peer does not use; the agent, like msb's guest agent, is not counted)."""
        return rss_kib(tree(self.serve.pid))

    def close(self):
        if self.serve is not None:
            stop_process(self.serve, 15)
        stop_process(self.agent)
        super().close()
        if self.own_vm:
            self.vm.stop()


class MsbGateway(Msb):
    """msb ssh serve --all, the multi-tenant gateway, in front of the msb
    peer's sandbox (a sandbox of its own when the msb peer is not in the
    run), logging in as the sandbox's name: beside the msb peer, what the
    gateway's routing by login name costs."""
    id, label = "msb-gateway", "msb gateway (--all)"

    def __init__(self, ctx):
        msb = ctx.peers.get("msb")
        if msb is None:
            super().__init__(ctx, "msb-gw-vm")
        else:
            Peer.__init__(self, ctx)
            self.inst, self.vm, self.serve = ctx.main, msb.vm, None
            self.log = os.path.join(ctx.work, f"serve-{self.id}.log")
        self.own_vm = msb is None
        self.login = self.vm.name

    def start(self):
        if self.own_vm:
            t, accel = self.vm.start()
        else:
            t, accel = 0.0, self.ctx.accel_seen
        self.serve, self.port = start_serve(self.ctx, None, self.log)
        return t, accel

    def close(self):
        if self.serve is not None:
            stop_process(self.serve, 15)
        if self.own_vm:
            self.vm.stop()


def build_images(ctx, ids):
    """The default image (msb, msb-host; msb-base's in its own home), and
    the same root plus sshd for the guest peer."""
    log("building the guest images")
    run([ctx.msb, "image", "build"], timeout=300)
    if "msb-base" in ids:
        ctx.base.run(["image", "build"], timeout=300)
    if "sshd-guest" not in ids:
        return
    stage = os.path.join(ctx.work, "sshd-root")
    run([os.path.join(ctx.srcdir, "vmctl/image/mkrootfs-debian.sh"), stage], timeout=300)
    run([os.path.join(ctx.srcdir, "bench/sshd-rootfs.sh"), stage, ctx.key + ".pub"])
    run([ctx.msb, "image", "build", "sshd", "--rootfs", stage], timeout=300)
    run(["rm", "-rf", stage])


def setup(ctx, ids):
    """Creates and starts the peers named in ids; returns {id: Peer} (started
    ones are also in ctx.peers, for cleanup even if a later one fails)."""
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ctx.key])
    if set(ids) & {"msb", "msb-host", "sshd-guest", "msb-base", "msb-gateway"}:
        build_images(ctx, ids)
    if set(ids) & {"msb", "msb-host", "msb-gateway"}:
        run([ctx.msb, "ssh", "authorize", "--file", ctx.key + ".pub"])
    if "msb-base" in ids:
        ctx.base.run(["ssh", "authorize", "--file", ctx.key + ".pub"])
    kinds = {"msb": Msb, "sshd-host": HostSshd, "sshd-guest": GuestSshd, "msb-host": MsbHost,
             "msb-base": MsbBase, "msb-gateway": MsbGateway}
    # msb before msb-host and msb-gateway, which reuse its sandbox.
    for pid in sorted(ids, key=list(kinds).index):
        peer = kinds[pid](ctx)
        ctx.peers[pid] = peer
        started = peer.start()
        if isinstance(started, tuple):
            ctx.accel_seen = started[1]
        log(f"{peer.label} listens on 127.0.0.1:{peer.port}")
    return ctx.peers
