"""Small helpers shared by the bench: processes, ports, statistics, RSS."""
import math
import os
import re
import socket
import subprocess
import time


class BenchError(Exception):
    """A peer or a figure could not be set up or gave a wrong result."""


def now():
    return time.perf_counter()


def log(msg):
    print(f"bench: {msg}", flush=True)


def run(argv, timeout=120, check=True, **kw):
    """Runs argv to completion and returns the CompletedProcess."""
    try:
        p = subprocess.run(argv, timeout=timeout, capture_output=True, text=True, **kw)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"timed out after {timeout} s: {' '.join(argv)}") from e
    if check and p.returncode != 0:
        raise BenchError(f"exit {p.returncode}: {' '.join(argv)}\n{p.stderr.strip()}")
    return p


def free_port():
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_banner(port, deadline_s):
    """Waits until 127.0.0.1:port sends an SSH banner; returns when it did."""
    end = now() + deadline_s
    while now() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise BenchError(f"no SSH banner on 127.0.0.1:{port} within {deadline_s} s")


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return None
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def p95(xs):
    """Nearest-rank 95th percentile."""
    s = sorted(xs)
    if not s:
        return None
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def rotate(items, i):
    """items rotated by i, so that no peer always goes first."""
    k = i % len(items)
    return items[k:] + items[:k]


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid):
    """pid and all its descendants."""
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_kib(pids):
    """Summed VmRSS of the pids that still exist, in KiB."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def smaps_kib(pids, field):
    """A field of /proc/PID/smaps_rollup (Pss, Private_Dirty...) summed
    over the pids that still exist, in KiB."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


# The guest's RAM: QEMU's memory backend, which the vmm maps too (its
# vhost-user backend reads the guest's rings and buffers in place).
GUEST_RAM = "/memfd:memory-backend-memfd"


def guest_ram_kib(pids, field):
    """A field of /proc/PID/smaps (Rss, Pss) over the guest-RAM mappings of
    the pids, in KiB: pages of the guest's memory that a host process has
    touched, which are the guest's (QEMU's) and not that process's own."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps") as f:
                inside = False
                for line in f:
                    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                        inside = line.rstrip().endswith(GUEST_RAM) or \
                            line.rstrip().endswith(GUEST_RAM + " (deleted)")
                    elif inside and line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def exe_name(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def stop_process(p, grace=5):
    """Ends a Popen this bench started: SIGTERM, then SIGKILL."""
    if p is None or p.poll() is not None:
        return
    p.terminate()
    try:
        p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
