// The binding against a running sandbox (run by regress/integration/sdk_typescript.sh).
//
// Environment: MSB_TEST_SANDBOX (running), MSB_TEST_STOPPED (created, not
// started), MSB_TEST_KEY and MSB_TEST_KEY2 (Ed25519 private keys with .pub
// files), plus what msb itself needs (MSB_HOME, MSB_LIBEXECDIR, and the
// loader's path to libmsb).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as msb from "../dist/index.js";

const { Sandbox } = msb;
const SANDBOX = process.env.MSB_TEST_SANDBOX;
const STOPPED = process.env.MSB_TEST_STOPPED;
const KEY = process.env.MSB_TEST_KEY;
const KEY2 = process.env.MSB_TEST_KEY2;
const HERE = dirname(fileURLToPath(import.meta.url));
const SSH_OPTS = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
  "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30",
  "-o", "IdentitiesOnly=yes"];

const openClient = async (opts) => (await Sandbox.get(SANDBOX)).ssh().openClient(opts);
const openFds = () => readdirSync("/proc/self/fd").map(Number).sort((a, b) => a - b);

/** The pids of this process's children, zombies included. */
function children() {
  const kids = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid)
        kids.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return kids.sort((a, b) => a - b);
}

/** Runs argv with stdin from /dev/null; resolves {code, out, err}. */
function run(argv, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/**
 * Runs test/attach_child.mjs on a pseudo-terminal made by script(1);
 * steps are [text to wait for, keys to type then]. Resolves with what the
 * terminal showed up to the child's exit.
 */
function attachOnPty(detachKeys, steps, deadlineMs = 60000) {
  const cmd = `${process.execPath} ${join(HERE, "attach_child.mjs")} ${SANDBOX} ${detachKeys}`;
  return new Promise((resolve) => {
    const p = spawn("script", ["-qfec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let seen = "";
    const todo = [...steps];
    const feed = () => {
      while (todo.length && seen.includes(todo[0][0])) p.stdin.write(todo.shift()[1]);
    };
    p.stdout.on("data", (d) => {
      seen += d;
      feed();
    });
    p.stderr.on("data", (d) => (seen += d));
    const t = setTimeout(() => p.kill("SIGKILL"), deadlineMs);
    p.on("close", () => {
      clearTimeout(t);
      resolve(seen);
    });
  });
}

describe("exec", () => {
  let client;
  before(async () => (client = await openClient()));
  after(async () => client.close());

  it("keeps status, stdout and stderr apart", async () => {
    const out = await client.exec("echo out; echo err >&2; exit 3");
    assert.ok(out instanceof msb.SshOutput);
    assert.equal(out.status, 3);
    assert.equal(out.signal, 0);
    assert.equal(out.success, false);
    assert.ok(Buffer.isBuffer(out.stdout) && Buffer.isBuffer(out.stderr));
    assert.equal(out.stdout.toString(), "out\n");
    assert.equal(out.stderr.toString(), "err\n");
    const ok = await client.exec("id -un");
    assert.equal(ok.success, true);
    assert.deepEqual([ok.status, ok.stdout.toString(), ok.stderr.length], [0, "root\n", 0]);
  });

  it("returns binary and large output whole", async () => {
    const out = await client.exec("printf 'a\\000b\\377'");
    assert.deepEqual(out.stdout, Buffer.from([0x61, 0, 0x62, 0xff]));
    const big = await client.exec("head -c 3000000 /dev/zero | tr '\\000' x");
    assert.equal(big.stdout.length, 3000000);
    assert.ok(big.stdout.equals(Buffer.alloc(3000000, "x")));
  });

  it("gives a PTY with tty: true", async () => {
    assert.equal((await client.exec("tty")).stdout.toString().trim(), "not a tty");
    const pty = await client.exec("tty; echo err >&2", { tty: true });
    assert.match(pty.stdout.toString(), /^\/dev\/pts\/\d+\r?\n/);
    assert.match(pty.stdout.toString(), /err/, "a PTY folds stderr into stdout");
    assert.equal(pty.stderr.length, 0);
    assert.equal((await client.exec("stty size", { tty: true })).stdout.toString().trim(), "24 80");
  });

  it("reports a death by signal", async () => {
    const out = await client.exec("kill -TERM $$");
    assert.deepEqual([out.status, out.signal, out.success], [143, 15, false]);
  });

  it("runs five commands at once on one client without blocking the loop", async () => {
    const ticks = [];
    const timer = setInterval(() => ticks.push(performance.now()), 50);
    const start = performance.now();
    const outs = await Promise.all([0, 1, 2, 3, 4].map((i) => client.exec(`sleep 1; echo ${i}`)));
    const elapsed = (performance.now() - start) / 1000;
    clearInterval(timer);
    assert.deepEqual(outs.map((o) => o.stdout.toString()), ["0\n", "1\n", "2\n", "3\n", "4\n"]);
    console.error(`5 x 'sleep 1' under Promise.all: ${elapsed.toFixed(2)} s, ${ticks.length} ticks`);
    assert.ok(elapsed < 3.5, `the five commands ran one after another (${elapsed} s)`);
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
    assert.ok(Math.max(...gaps) < 500, "the event loop was blocked");
  });

  it("passes the user and term options", async () => {
    const c = await openClient({ user: "root", term: "vt100" });
    try {
      const out = await c.exec("id -un; echo $TERM", { tty: true });
      assert.equal(out.stdout.toString().replace(/\r/g, ""), "root\nvt100\n");
    } finally {
      await c.close();
    }
    // libmsb connects as anyone; the guest refuses the command.
    const c2 = await openClient({ user: "no-such-user" });
    try {
      const out = await c2.exec("true");
      assert.equal(out.status, 127);
      assert.match(out.stderr.toString(), /unknown user 'no-such-user'/);
    } finally {
      await c2.close();
    }
  });

  it("rejects a NUL in a command and attach without a terminal", async () => {
    await assert.rejects(client.exec("echo a\0b"), msb.InvalidError);
    await assert.rejects(client.exec(42), msb.InvalidError);
    await assert.rejects(client.attach({ detachKeys: "ctrl-x,y" }), (e) =>
      e instanceof msb.NotATtyError && e.code === "MSB_ERR_NOT_A_TTY" && e.message.length > 0);
    await assert.rejects(client.attach({ detachKeys: "ctrl-" }), msb.MsbError);
  });
});

describe("close", () => {
  it("is idempotent, and a closed client rejects with ClosedError", async () => {
    const c = await openClient();
    assert.equal(c.closed, false);
    const s = await c.sftp();
    await Promise.all([c.close(), c.close()]);
    await c.close();
    assert.equal(c.closed, true);
    assert.equal(s.closed, true, "closing the client closes its SFTP sessions");
    await assert.rejects(c.exec("true"), (e) =>
      e instanceof msb.ClosedError && e instanceof msb.InvalidError && e.code === "MSB_ERR_INVALID" &&
      /closed/.test(e.message));
    await assert.rejects(c.sftp(), msb.ClosedError);
    await assert.rejects(s.stat("/"), msb.ClosedError);
  });

  it("waits for the calls in flight", async () => {
    const c = await openClient();
    const pending = c.exec("sleep 1; echo done");
    await c.close();
    assert.equal((await pending).stdout.toString(), "done\n");
  });

  it("is what Symbol.asyncDispose does (await using)", async () => {
    const c = await openClient();
    await c[Symbol.asyncDispose]();
    assert.equal(c.closed, true);
  });

  it("leaks no descriptor and reaps every internal server", async () => {
    const fds = openFds(), kids = children();
    for (let i = 0; i < 3; i++) {
      const c = await openClient();
      await c.exec("true");
      const s = await c.sftp();
      await s.stat("/");
      await c.close();
    }
    assert.deepEqual(openFds(), fds, "descriptors leaked");
    assert.deepEqual(children(), kids, "an internal server was not reaped");
  });

  it("frees a client that was never closed once it is collected", { skip: !globalThis.gc }, async () => {
    const kids = children();
    await (async () => {
      const c = await openClient();
      await c.exec("true");
    })();
    for (let i = 0; i < 100 && children().length > kids.length; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(children(), kids, "the finalizer did not close the client");
  });
});

describe("sftp", () => {
  let client, sftp;
  const dir = `/tmp/sdk-ts-${process.pid}`;
  before(async () => {
    client = await openClient();
    sftp = await client.sftp();
    await sftp.mkdir(dir);
  });
  after(async () => {
    await client.exec(`rm -rf ${dir}`);
    await sftp.close();
    await client.close();
  });

  it("writes and reads files", async () => {
    const data = Buffer.concat([randomBytes(1 << 20), Buffer.from("\0end")]);
    await sftp.write(`${dir}/f`, data);
    assert.ok((await sftp.read(`${dir}/f`)).equals(data));
    const sum = await client.exec(`sha256sum < ${dir}/f`);
    assert.equal(sum.stdout.toString().split(" ")[0], createHash("sha256").update(data).digest("hex"));
    await sftp.write(`${dir}/f`, Buffer.from("short"));
    assert.equal((await sftp.read(`${dir}/f`)).toString(), "short");
    await sftp.write(`${dir}/s`, "text");
    assert.equal((await sftp.read(`${dir}/s`)).toString(), "text");
    await sftp.write(`${dir}/empty`, Buffer.alloc(0));
    assert.equal((await sftp.read(`${dir}/empty`)).length, 0);
    const st = await sftp.stat(`${dir}/f`);
    assert.equal(st.size, 5);
    assert.ok(st.isFile());
    assert.equal(st.permissions, 0o644);
    assert.ok(st.mtime > 1e9);
  });

  it("makes, lists, renames and removes", async () => {
    await sftp.mkdir(`${dir}/sub`);
    const st = await sftp.stat(`${dir}/sub`);
    assert.ok(st.isDirectory());
    assert.equal(st.permissions, 0o755);
    await sftp.write(`${dir}/sub/a`, Buffer.from("1"));
    await sftp.write(`${dir}/b`, Buffer.from("22"));
    const entries = await sftp.listDir(dir);
    assert.ok(entries.some((e) => e.name === "b" && e.attrs.size === 2));
    assert.ok(entries.some((e) => e.name === "sub" && e.attrs.isDirectory()));
    await assert.rejects(sftp.removeDir(`${dir}/sub`), msb.SftpError, "not empty");
    await sftp.removeFile(`${dir}/sub/a`);
    await sftp.removeDir(`${dir}/sub`);
    assert.ok(!(await sftp.listDir(dir)).some((e) => e.name === "sub"));
    await sftp.rename(`${dir}/b`, `${dir}/c`);
    assert.equal((await sftp.read(`${dir}/c`)).toString(), "22");
    await assert.rejects(sftp.stat(`${dir}/b`), msb.NotFoundError);
  });

  it("makes and reads links, resolves paths", async () => {
    await sftp.write(`${dir}/target`, Buffer.from("t"));
    await sftp.symlink("target", `${dir}/link`);
    assert.equal(await sftp.readLink(`${dir}/link`), "target");
    assert.equal((await sftp.read(`${dir}/link`)).toString(), "t");
    assert.ok((await sftp.stat(`${dir}/link`)).isFile(), "stat follows symlinks");
    assert.equal(await sftp.realPath(`${dir}/../${dir.split("/").pop()}/./target`), `${dir}/target`);
    assert.equal(await sftp.realPath("."), "/root");
    await assert.rejects(sftp.readLink(`${dir}/target`), msb.SftpError, "not a link");
  });

  it("rejects with libmsb's status and message", async () => {
    await assert.rejects(sftp.read(`${dir}/missing`), (e) =>
      e instanceof msb.NotFoundError && e instanceof msb.SftpError && e instanceof msb.MsbError &&
      e.code === "MSB_ERR_NOT_FOUND" && e.status === 11 && e.message.includes("missing"));
    for (const call of [
      () => sftp.removeFile(`${dir}/missing`), () => sftp.removeDir(`${dir}/missing`),
      () => sftp.listDir(`${dir}/missing`), () => sftp.stat(`${dir}/missing`),
      () => sftp.rename(`${dir}/missing`, `${dir}/x`), () => sftp.realPath(`${dir}/missing/x`),
      () => sftp.write(`${dir}/missing/x`, Buffer.from("x")), () => sftp.readLink(`${dir}/missing`),
    ])
      await assert.rejects(call(), msb.NotFoundError);
    await assert.rejects(sftp.mkdir(dir), msb.SftpError, "exists");
    await assert.rejects(sftp.symlink("x", dir), msb.SftpError, "exists");
    await assert.rejects(sftp.write("/proc/version", Buffer.from("x")), msb.SftpError);
    await assert.rejects(sftp.read("a\0b"), msb.InvalidError);
  });

  it("runs SFTP calls and exec at once", async () => {
    const names = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `${dir}/n${i}`);
    await Promise.all([...names.map((n) => sftp.write(n, Buffer.from(n))), client.exec("sleep 0.5")]);
    const got = await Promise.all(names.map((n) => sftp.read(n)));
    assert.deepEqual(got.map(String), names);
  });

  it("closes a session and leaves the client open", async () => {
    const s2 = await client.sftp();
    await s2.stat("/");
    await s2.close();
    await s2.close();
    await assert.rejects(s2.stat("/"), msb.ClosedError);
    assert.equal((await client.exec("echo still")).stdout.toString(), "still\n");
  });

  it("is refused when the client has sftp: false", async () => {
    const c = await openClient({ sftp: false });
    try {
      await assert.rejects(c.sftp(), (e) =>
        e instanceof msb.SftpUnavailableError && e.code === "MSB_ERR_SFTP_UNAVAILABLE");
      assert.ok((await c.exec("true")).success, "the client outlives the refusal");
    } finally {
      await c.close();
    }
  });
});

describe("errors", () => {
  it("an unknown sandbox", async () => {
    await assert.rejects(Sandbox.get("no-such-box"), (e) =>
      e instanceof msb.NoSandboxError && e.code === "MSB_ERR_NO_SANDBOX" &&
      e.message.includes("no-such-box"));
  });

  it("a bad name", async () => {
    await assert.rejects(Sandbox.get("../etc"), msb.InvalidError);
  });

  it("a stopped sandbox", async () => {
    const sb = await Sandbox.get(STOPPED);
    assert.equal(sb.name, STOPPED);
    await assert.rejects(sb.ssh().openClient(), (e) =>
      e instanceof msb.NotRunningError && e.code === "MSB_ERR_NOT_RUNNING" &&
      e.message.includes(STOPPED));
    // An endpoint can be prepared; serving a connection is refused.
    const r = await run([process.execPath, join(HERE, "serve_stdio.mjs"), STOPPED, `${KEY}.pub`]);
    assert.equal(r.code, 1);
    assert.match(r.err, /MSB_ERR_NOT_RUNNING: sandbox '.*' is stopped/);
  });
});

describe("server endpoint", () => {
  it("rejects unusable keys, and serving once closed", async () => {
    const ssh = (await Sandbox.get(SANDBOX)).ssh();
    await assert.rejects(ssh.prepareServer({ authorizedKeysPath: "/nonexistent/authorized_keys" }),
      (e) => e instanceof msb.KeysError && e.code === "MSB_ERR_KEYS");
    const bad = join(dirname(KEY), "not-keys");
    writeFileSync(bad, "not a key\n");
    await assert.rejects(ssh.prepareServer({ authorizedKeysPath: bad }), msb.KeysError);
    await assert.rejects(ssh.prepareServer({ authorizedKeysPath: `${KEY}.pub`, hostKeyPath: bad }),
      msb.KeysError);
    const srv = await ssh.prepareServer({ authorizedKeysPath: `${KEY}.pub` });
    await srv.close();
    await srv.close();
    assert.equal(srv.closed, true);
    await assert.rejects(srv.serveConnection(), msb.ClosedError);
  });

  it("serves OpenSSH over stdio as a ProxyCommand", async () => {
    const node = process.execPath, script = join(HERE, "serve_stdio.mjs");
    const proxy = `${node} ${script} ${SANDBOX} ${KEY}.pub ${KEY}`;
    const base = ["ssh", ...SSH_OPTS, "-i", KEY, "-o", `ProxyCommand=${proxy}`];
    let r = await run([...base, "root@sandbox", "uname -s; id -un; echo e >&2; exit 4"]);
    assert.deepEqual([r.code, r.out, r.err], [4, "Linux\nroot\n", "e\n"]);
    r = await run(["sftp", "-q", "-b", "-", ...SSH_OPTS, "-i", KEY, "-o", `ProxyCommand=${proxy}`,
      "root@sandbox"]);
    assert.equal(r.code, 0, r.err);
    r = await run(["sftp", "-q", "-b", "-", ...SSH_OPTS, "-i", KEY,
      "-o", `ProxyCommand=${proxy} --no-sftp`, "root@sandbox"]);
    assert.notEqual(r.code, 0, "sftp got through an endpoint made with sftp: false");
  });

  it("refuses keys not in authorizedKeysPath, with AuthError", async () => {
    // ssh sends its ProxyCommand SIGHUP as it gives up: --ignore-hup lets
    // serveConnection() settle and say why.
    const errfile = join(dirname(KEY), "serve_stdio.err");
    writeFileSync(errfile, "");
    const proxy = `sh -c 'exec ${process.execPath} ${join(HERE, "serve_stdio.mjs")} ` +
      `${SANDBOX} ${KEY}.pub --ignore-hup 2>${errfile}'`;
    const r = await run(["ssh", ...SSH_OPTS, "-i", KEY2, "-o", `ProxyCommand=${proxy}`,
      "root@sandbox", "true"]);
    assert.equal(r.code, 255);
    assert.match(r.err, /Permission denied/);
    let msg = "";
    for (let i = 0; i < 100 && !msg; i++) {
      msg = readFileSync(errfile, "utf8");
      if (!msg) await new Promise((res) => setTimeout(res, 100));
    }
    assert.match(msg, /MSB_ERR_AUTH/, "serveConnection() did not reject with AuthError");
  });
});

describe("attach on a terminal", () => {
  it("resolves with the shell's exit code", async () => {
    const shown = await attachOnPty("ctrl-x,y", [["# ", "stty size; echo T=$TERM\r"], ["30 100", "exit 7\r"]]);
    assert.match(shown, /30 100/, "the PTY has the terminal's size");
    assert.match(shown, /T=xterm-256color/, "the term option is the shell's TERM");
    assert.match(shown, /ATTACH-RESULT=7/);
  });

  it("resolves with DETACHED on the detach keys", async () => {
    const shown = await attachOnPty("ctrl-x,y", [["# ", "\x18y"]]);
    assert.equal(msb.DETACHED, -1);
    assert.match(shown, /ATTACH-RESULT=-1/);
  });
});
