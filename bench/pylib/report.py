"""The table of medians and ratios, the machine description, and the
results file (bench/results/<UTC date-time>.md plus a newest-first index)."""
import datetime
import os
import platform
import re

from util import run

# msb-host and msb-base last keep the first three columns where bench_smoke
# reads them.
PEER_ORDER = ["msb", "sshd-host", "sshd-guest", "msb-host", "msb-base", "msb-gateway"]
LABELS = {"msb": "msb", "sshd-host": "sshd (host)", "sshd-guest": "sshd (guest)",
          "msb-host": "msb (agent on host)", "msb-base": "msb, no jail",
          "msb-gateway": "msb gateway (--all)"}

# What bounds each figure on a machine like the one these runs come from
# (no usable KVM, so every guest runs under TCG).
LIMITS = {
    "connect": "Process start-up and key exchange on the server side: msb execs a monitor, "
               "a sandboxed network child and a session worker per connection, then starts "
               "`true` in the guest over vsock (TCG); host sshd forks and re-execs itself and "
               "runs `true` natively; the guest sshd does all of its work, kex included, "
               "under TCG. msb (agent on host) has msb's processes with `true` started "
               "natively by the host agent over a Unix socket.",
    "echo": "One round trip through the whole path: for msb the ssh client, network child, "
            "channel mux, session worker, vsock backend and the guest's PTY and `cat`, whose "
            "wake-ups are slow under TCG; for the guest sshd, QEMU's user network and sshd in "
            "TCG; msb (agent on host) has the same hops with the agent and `cat` on the "
            "host.",
    "stream": "msb: the guest's side (`head`/`cat` and the agent under TCG, the virtio-vsock "
              "ring) and the copies host-side (network child -> mux -> session worker -> "
              "vsock backend); the SSH cipher runs natively on the host. Host sshd: "
              "chacha20-poly1305 on one core, shared with the ssh client. Guest sshd: the "
              "cipher itself runs under TCG, plus QEMU's user-mode network (slirp). msb "
              "(agent on host): the same host-side copies and cipher as msb, the agent and "
              "`head`/`cat` native on the host behind a Unix socket; the 2 cores are shared "
              "by the ssh client, msb's network child and session worker, the agent and the "
              "command. Local to remote is msb's weaker direction: libssh 0.10 reads its "
              "socket 4 KiB at a time, one poll() and one recv() each (profiled: 139k recv "
              "and 158k poll in the network child for 512 MiB, against 20k reads in the "
              "agent), so the network child spends about as long in the kernel as in the "
              "cipher; remote to local, libssh writes whole packets and msb keeps up with "
              "host sshd.",
    "sftp": "As the stream, plus the SFTP request pipeline (the client keeps 64 requests of "
            "up to `limits@openssh.com` bytes in flight) and the guest's ext4 on virtio-blk "
            "under TCG; the host peers (sshd, msb with the agent on the host) write to the host's "
            "own disk. The agent writes each 255 KiB request with one pwrite(); a put "
            "is bound, as the stream's local to remote, by libssh's 4 KiB reads.",
    "small": "Per-file round trips: open/write/close (sftp) or rsync's per-file work; each "
             "request crosses into the guest and back, so the guest's file system under TCG "
             "and the round-trip latency dominate; with the agent on the host, the round "
             "trips through msb's processes."
             " With the agent on the host, an sftp put costs three round trips a file "
             "(open, write, close; strace of the agent: 3 replies, 1 pwrite a file), and "
             "each crosses one process more than with sshd (network child, session worker "
             "and agent, against sshd and sftp-server): the privilege separation of the "
             "design, at about 0.1 ms a round trip here.",
    "forward": "msb opens the TCP connection from inside the guest (agent under TCG, the "
               "guest's loopback, socat and `wc` in the guest); the guest sshd adds TCG "
               "crypto and slirp; host sshd, and msb with the agent on the host, are bound by the cipher and "
               "socat+wc on the host.",
    "concurrent": "Server-side per-connection start-up cost times the number of cores, and "
                  "MaxStartups: msb (10:30:30, fixed) and sshd (10:30:100 by default) turn "
                  "away some unauthenticated connections at random while many are pending; "
                  "the bench starts those again, and counts them.",
    "idle": "Resident memory of the per-connection processes (msb: monitor, network child "
            "with libssh, session worker; plus the vmm for msb in its sandbox; sshd: its "
            "privileged and unprivileged children, and the session's command), "
            "shared library pages counted once per process; read after 4 s of quiet "
            "(msb gives back its kex and setup memory after 2 s). Per sandbox, with no "
            "connection: msb ssh serve's listener, the vmm and (jailed) the vmm's keeper, "
            "summed VmRSS (a shared library page counted in every process that maps it) and "
            "summed Pss (each shared page split among its sharers).",
    "boot": "Under TCG: the kernel's boot and the agent's start; for the guest sshd also "
            "starting sshd and QEMU's forwarded port. Host sshd: starting the daemon. "
            "The memory of a freshly started sandbox (msb, msb-base) is read 2 s after "
            "its start: the vmm with (jailed) its keeper, and QEMU, whose Pss is mostly "
            "the guest memory touched so far and TCG's translation cache.",
}


def fmt(v, unit):
    if v is None:
        return "n/a"
    if isinstance(v, int) or unit in ("count",) or unit.startswith("of "):
        return str(int(v))
    if unit in ("files/s",) or abs(v) >= 1000:
        return f"{v:.0f}"
    if unit in ("s",):
        return f"{v:.2f}"
    return f"{v:.1f}"


def ratio(row, peer, num="msb"):
    """num's value over peer's, or None where the row does not compare them."""
    if row.compare is not None and peer not in row.compare:
        return None
    a, b = row.values.get(num), row.values.get(peer)
    if a is None or b is None or b == 0:
        return None
    return a / b


def target(row, rfn=None):
    """(target text, met text); rfn(row, peer, num) gives num's ratio to a
    peer. The targets against host sshd are judged on msb-host where the row
    has its value (marked †), the others on msb."""
    ratio_of = rfn or ratio
    host_num = "msb-host" if row.values.get("msb-host") is not None else "msb"
    mark = "†" if host_num == "msb-host" else ""
    parts, met = [], []
    for peer, (op, x) in row.targets.items():
        if peer == "sshd-host":
            num, who = host_num, "host" + mark
        elif peer in row.values:
            num, who = "msb", peer
        else:
            continue
        r = ratio_of(row, peer, num)
        parts.append(f"{'≤' if op == 'le' else '≥'}{x:g}x {who}")
        if r is not None:
            met.append(r <= x if op == "le" else r >= x)
    for peer, most in row.over.items():
        a, b = row.values.get("msb"), row.values.get(peer)
        if a is not None and b is not None:
            parts.append(f"≤{peer} +{most:g} {row.unit}")
            met.append(a - b <= most)
    if ("sshd-guest" in row.values or row.hook) and ratio_of(row, "sshd-guest", "msb") is not None:
        r = ratio_of(row, "sshd-guest", "msb")
        parts.append("beats guest")
        if r is not None:
            met.append(r < 1 if row.better == "lower" else r > 1)
    if row.limit is not None:
        parts.append(f"≤{row.limit:g} {row.unit}")
        if row.values.get("msb") is not None:
            met.append(row.values["msb"] <= row.limit)
    if row.id == "concurrent_ok":
        parts.append("all succeed")
        met = [v == int(row.unit.split()[1]) for v in row.values.values()]
    if not parts:
        return "", ""
    if not met:
        return "; ".join(parts), "—"
    return "; ".join(parts), "yes" if all(met) else "**no**"


def ratio_columns(cols):
    """[(numerator, peer)]: msb against every other server, and msb-host
    against host sshd."""
    out = [("msb", p) for p in cols if p not in ("msb", "msb-host")] if "msb" in cols else []
    if "msb-host" in cols and "sshd-host" in cols:
        out.append(("msb-host", "sshd-host"))
    return out


def legend(cols):
    lines = []
    if "msb-host" in cols:
        lines.append(
            f"{LABELS['msb-host']}: the same `msb ssh serve` (listener, monitor, network "
            "child, session worker) with the guest agent running on the host instead of in "
            "the sandbox; its commands, files and `ssh -L` sink are on the host, as for "
            "sshd (host). Its row measures msb's server alone (libssh's crypto, the network "
            "child → session worker channel mux, the agent protocol) against host sshd, "
            "apples to apples; the msb row adds the TCG guest (the agent, the commands and "
            "the guest's file system under emulation, the virtio-vsock ring).")
        lines.append(
            f"Target/met: targets marked † (against host sshd) are judged on "
            f"{LABELS['msb-host']} ÷ sshd (host); \"beats guest\", the RSS ceiling and the "
            "msb-only figures (native session, C API) on msb in its sandbox.")
    if "msb-base" in cols:
        lines.append(
            f"{LABELS['msb-base']} (msb-base): the msb peer exactly (same sandbox sizes, "
            "`msb start`, `msb ssh serve` in front), run from the `--baseline-build` tree "
            "(see Machine) in an MSB_HOME of its own; msb ÷ msb-base is the cost of what "
            "the tested build adds (the per-sandbox jail: ≤1.05x to start and to connect, "
            "≤2 MiB more host memory per sandbox).")
    if "msb-gateway" in cols:
        lines.append(
            f"{LABELS['msb-gateway']}: `msb ssh serve --all` in front of the msb peer's "
            "sandbox, logged in to by the sandbox's name; msb ÷ it is what the gateway's "
            "routing by login name costs a connection (1.00x: nothing; below 1: the "
            "gateway is slower).")
    return lines


def table(rows, peers, negotiated):
    cols = [p for p in PEER_ORDER if p in peers]
    pairs = ratio_columns(cols)
    head = ["figure", "unit"] + [LABELS[p] for p in cols] + \
        [f"{LABELS[n]} ÷ {LABELS[p]}" for n, p in pairs] + ["target", "met"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    line = ["negotiated kex / cipher", ""] + [" / ".join(negotiated.get(p, ("?", "?")))
                                               for p in cols]
    line += [""] * (len(head) - len(line))
    out.append("| " + " | ".join(line) + " |")
    for r in rows:
        cells = [r.label, r.unit] + [fmt(r.values.get(p), r.unit) if not (r.hook and p != "msb")
                                     else "" for p in cols]
        for n, p in pairs:
            x = ratio(r, p, n) if not r.hook else _hook_ratio(r, rows, p, n)
            cells.append("" if x is None else f"{x:.2f}x")
        if r.hook and r.values.get("msb") is None:
            t, m = r.note, ""
        else:
            t, m = target(r, (lambda row, p, n: _hook_ratio(row, rows, p, n)) if r.hook
                          else None)
        cells += [t, m]
        out.append("| " + " | ".join(cells) + " |")
    notes = legend(cols)
    return "\n".join(out + ([""] + ["* " + x for x in notes] if notes else []))


def _hook_ratio(row, rows, peer, num="msb"):
    """A native figure compares with the peers' connect+true median."""
    if row.compare is not None and peer not in row.compare:
        return None
    base = next((r for r in rows if r.id == "connect"), None)
    a = row.values.get(num)
    b = base.values.get(peer) if base else None
    return None if a is None or not b else a / b


def _first_line(argv, stream="stdout"):
    try:
        p = run(argv, check=False, timeout=30)
    except Exception:  # noqa: BLE001 - a missing tool is reported as such
        return "not found"
    text = (getattr(p, stream) or p.stdout or p.stderr).strip()
    return text.splitlines()[0] if text else "?"


def machine(ctx):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        cpu = m.group(1) if m else cpu
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M).group(1)) // 1024
    pkg = lambda p: _first_line(["dpkg-query", "-W", "-f", "${Version}", p])  # noqa: E731
    commit = _first_line(["git", "-C", ctx.srcdir, "describe", "--always", "--dirty"])
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("memory", f"{mem} MiB"),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("accelerator (guests)", ctx.accel_seen + (" (/dev/kvm absent or unusable)"
                                                   if ctx.accel_seen == "tcg" else "")),
        ("guests", f"{ctx.vm_memory} MiB, {ctx.vm_cpus} vCPU, {ctx.vm_disk} disk, both VMs"),
        ("OpenSSH (client, sshd)", _first_line(["ssh", "-V"], "stderr")),
        ("libssh", pkg("libssh-4")),
        ("QEMU", _first_line(["qemu-system-x86_64", "--version"])),
        ("rsync", _first_line(["rsync", "--version"])),
        ("msb", f"{_first_line([ctx.msb, 'version'])} ({commit})"),
    ] + ([] if ctx.base is None else [
        ("msb, no jail (msb-base)",
         f"{_first_line([ctx.base.msb, 'version'])} "
         f"({_first_line(['git', '-C', ctx.base.builddir, 'describe', '--always', '--dirty'])},"
         f" {ctx.base.builddir})")])


def results_markdown(ctx, rows, peers, negotiated, stamp, argv, elapsed):
    lines = [f"# msb bench, {stamp}", "",
             f"`{' '.join(argv)}` ({'smoke' if ctx.smoke else 'full'} mode, "
             f"{elapsed:.0f} s). Peers ran alternately; every peer was started by the "
             "bench on 127.0.0.1, reached with the same OpenSSH client and Ed25519 key.", "",
             "## Results", "", table(rows, peers, negotiated), ""]
    notes = [r for r in rows if r.note and not r.hook]
    for r in notes:
        lines.append(f"* {r.label}: {r.note}")
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine(ctx)]
    lines += ["", "## What limits each figure", ""]
    seen = set()
    for r in rows:
        key = next((k for k in LIMITS if r.id.startswith(k)), None)
        if key and key not in seen:
            seen.add(key)
            lines.append(f"* **{key}**: {LIMITS[key]}")
    lines += ["", "## Raw numbers", "", "```"]
    for r in rows:
        for p in PEER_ORDER:
            if p in r.raw:
                raw = r.raw[p]
                if isinstance(raw, list):
                    raw = " ".join(fmt(x, r.unit) for x in raw)
                lines.append(f"{r.id} {p}: {raw}")
    lines += ["```", ""]
    return "\n".join(lines)


def write_results(outdir, ctx, rows, peers, negotiated, argv, elapsed):
    os.makedirs(outdir, exist_ok=True)
    t = datetime.datetime.now(datetime.timezone.utc)
    stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    name = t.strftime("%Y-%m-%dT%H%M%SZ") + ("-smoke" if ctx.smoke else "") + ".md"
    path = os.path.join(outdir, name)
    with open(path, "w") as f:
        f.write(results_markdown(ctx, rows, peers, negotiated, stamp, argv, elapsed))
    _write_index(outdir, rows, name, ctx)
    return path


def _write_index(outdir, rows, name, ctx):
    """README.md: one line per results file, newest first."""
    idx = os.path.join(outdir, "README.md")
    old = []
    if os.path.exists(idx):
        with open(idx) as f:
            old = [ln.rstrip("\n") for ln in f if ln.startswith("- [")]
    conn = next((r for r in rows if r.id == "connect"), None)
    summary = f"{'smoke' if ctx.smoke else 'full'} run"
    if conn is not None:
        summary += ", connect+true median: " + ", ".join(
            f"{LABELS[p]} {fmt(conn.values[p], 'ms')} ms" for p in PEER_ORDER if p in conn.values)
    entry = f"- [{name}]({name}) — {summary}"
    entries = sorted(set(old + [entry]), reverse=True)
    with open(idx, "w") as f:
        f.write("# Bench results, newest first\n\nEach file: one `bench/run`, with its "
                "command, the table, the machine, what limits each figure and the raw "
                "numbers.\n\n" + "\n".join(entries) + "\n")
