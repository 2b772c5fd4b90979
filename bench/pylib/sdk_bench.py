"""The SDK figure: exec `true` on an open client through each SDK, against
the C API in the same run. Every SDK is built here, in the bench's work
directory, against a staged install of this build's libmsb found with
`pkg-config msb` (regress/stage-libmsb.sh), as a user would build it. Each
bench program follows one contract: `PROGRAM SANDBOX COUNT COMMAND` opens
one client, runs COMMAND COUNT times and prints `exec MS` per call, timed
in-process around the call alone."""

import os
import shutil

from util import BenchError, log, median, rotate, run

ROUNDS = 5


def _python(src, work, env):
    return ["/usr/bin/python3", os.path.join(src, "bench", "exec.py")]


def _typescript(src, work, env):
    d = os.path.join(work, "typescript")
    shutil.copytree(src, d, ignore=shutil.ignore_patterns("node_modules", "build", "dist"))
    run(["npm", "install", "--no-audit", "--no-fund"], cwd=d, env=env, timeout=600)
    run(["npm", "run", "build"], cwd=d, env=env, timeout=600)
    return ["node", os.path.join(d, "bench", "exec.mjs")]


def _go(src, work, env):
    d = os.path.join(work, "go")
    shutil.copytree(src, d)
    out = os.path.join(work, "go-bench-exec")
    env = dict(env, GOPATH=os.path.join(work, "gopath"), GOCACHE=os.path.join(work, "gocache"),
               GOPROXY="off", GOFLAGS="-mod=mod")
    run(["go", "build", "-o", out, "./bench/exec"], cwd=d, env=env, timeout=600)
    return [out]


def _rust(src, work, env):
    d = os.path.join(work, "rust")
    shutil.copytree(src, d, ignore=shutil.ignore_patterns("target"))
    target = os.path.join(work, "rust-target")
    env = dict(env, CARGO_TARGET_DIR=target)
    run(["cargo", "build", "--offline", "--release", "--example", "bench_exec"], cwd=d, env=env,
        timeout=1200)
    return [os.path.join(target, "release", "examples", "bench_exec")]


# id, label, the toolchain it needs, how to build it (returns the argv to run)
SDKS = [
    ("python", "Python", "/usr/bin/python3", _python),
    ("typescript", "TypeScript", "node", _typescript),
    ("go", "Go", "go", _go),
    ("rust", "Rust", "cargo", _rust),
]


def _stage(ctx):
    stage = os.path.join(ctx.work, "stage")
    out = run(["sh", os.path.join(ctx.srcdir, "regress", "stage-libmsb.sh"), ctx.builddir, stage],
              timeout=300).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        k, _, v = line.partition("=")
        env[k] = v
    # The Python binding finds libmsb through this rather than pkg-config.
    env["MSB_LIBMSB"] = os.path.join(ctx.builddir, "lib", ".libs", "libmsb.so.0")
    env["PYTHONPATH"] = os.path.join(ctx.srcdir, "sdk", "python")
    return env


def _times(argv, env, name, count):
    out = run(argv + [name, str(count), "true"], env=env, timeout=600).stdout.split()
    return [float(out[i + 1]) for i in range(0, len(out) - 1, 2) if out[i] == "exec"]


def sdk_exec(ctx, peers, row_cls):
    if "msb" not in peers:
        return []
    n = ctx.n("sdk")
    name = peers["msb"].vm.name
    capi = os.path.join(ctx.builddir, "bench", "msb-bench-capi")
    env = _stage(ctx)
    progs, missing = {}, {}
    for sid, label, tool, build in SDKS:
        if shutil.which(tool) is None:
            missing[sid] = f"{tool} is not installed"
            continue
        try:
            progs[sid] = build(os.path.join(ctx.srcdir, "sdk", sid), ctx.work, env)
        except BenchError as e:
            log(f"sdk {sid}: build failed: {e}")
            missing[sid] = "its build failed (see the log)"
    # The C API is the reference: one program among the others, in turn
    # (msb-bench-capi's "cycle" lines come first; only "exec" lines count).
    progs["c"] = [capi]
    times = {sid: [] for sid in progs}
    each = max(1, n // ROUNDS)
    for r in range(ROUNDS):
        for sid in rotate(list(progs), r):
            times[sid] += _times(progs[sid], env, name, each)
    c = median(times["c"])
    rows = []
    for sid, label, _, _ in SDKS:
        row = row_cls(f"sdk_{sid}", f"{label} SDK exec `true` on an open client, median of "
                      f"{each * ROUNDS}", "ms", "lower")
        row.compare = ()
        # The target, 1.1x the C API's median in this run, as a ceiling.
        row.limit = round(1.1 * c, 1)
        if sid in times and times[sid]:
            v = median(times[sid])
            row.put("msb", v, times[sid])
            row.label += f" (C API {c:.1f} ms: {v / c:.2f}x)"
        else:
            row.note = "not measured: " + missing.get(sid, "no figures")
        rows.append(row)
    return rows
