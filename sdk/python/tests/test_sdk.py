"""The Python binding against a running sandbox (run by regress/integration/sdk_python.sh).

Environment: MSB_TEST_SANDBOX (running), MSB_TEST_STOPPED (created, not
started), MSB_TEST_KEY and MSB_TEST_KEY2 (Ed25519 private keys with .pub
files; only the first is authorized), plus what msb itself needs
(MSB_HOME, MSB_LIBEXECDIR, MSB_LIBMSB, PYTHONPATH).
"""
import asyncio
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import termios
import time
import unittest

import msb

SANDBOX = os.environ["MSB_TEST_SANDBOX"]
STOPPED = os.environ["MSB_TEST_STOPPED"]
KEY = os.environ["MSB_TEST_KEY"]
KEY2 = os.environ["MSB_TEST_KEY2"]
HERE = os.path.dirname(os.path.abspath(__file__))
SSH_OPTS = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=30"]


def pubkey(key):
    with open(key + ".pub") as f:
        return f.read().strip()


def open_fds():
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def children():
    """The pids of this process's children, zombies included."""
    me, kids = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me:
            kids.append(int(pid))
    return sorted(kids)


ATTACH_CHILD = """
import asyncio, sys, msb
async def main():
    async with await msb.Sandbox(sys.argv[1]).ssh().connect() as c:
        code = await c.attach(detach_keys=sys.argv[2])
    print("ATTACH-RESULT=%d" % code)
asyncio.run(main())
"""


def attach_on_pty(detach_keys, steps, deadline_s=60):
    """Runs client.attach() in a child on a new 30x100 pty. steps: pairs of
    (bytes to wait for, bytes to type then). Returns everything the pty
    showed, up to the child's exit."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    p = subprocess.Popen([sys.executable, "-c", ATTACH_CHILD, SANDBOX, detach_keys],
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + deadline_s
    steps = list(steps)
    try:
        while time.monotonic() < deadline:
            if steps and steps[0][0] in seen:
                os.write(master, steps.pop(0)[1])
            r, _, _ = select.select([master], [], [], 0.2)
            if not r:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child and the pty are gone
                break
            if not chunk:
                break
            seen += chunk
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return seen.decode("utf-8", "replace")


async def run(*argv, timeout=60):
    """Runs argv; returns (exit status, stdout, stderr) as text."""
    p = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                             stdout=asyncio.subprocess.PIPE,
                                             stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(p.communicate(), timeout)
    except asyncio.TimeoutError:
        p.kill()
        await p.wait()
        raise
    return p.returncode, out.decode(), err.decode()


class Exec(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = await msb.Sandbox(SANDBOX).ssh().connect()

    async def asyncTearDown(self):
        await self.client.close()

    async def test_streams_and_status(self):
        out = await self.client.exec("echo out; echo err >&2; exit 3")
        self.assertIsInstance(out, msb.SshOutput)
        self.assertEqual(out.status, 3)
        self.assertEqual(out.signal, 0)
        self.assertFalse(out.success)
        self.assertEqual(out.stdout_text, "out\n")
        self.assertEqual(out.stderr_text, "err\n")
        self.assertEqual(out.stdout_bytes, b"out\n")
        self.assertEqual(out.stderr_bytes, b"err\n")
        ok = await self.client.exec("id -un")
        self.assertTrue(ok.success)
        self.assertEqual((ok.status, ok.stdout_text, ok.stderr_bytes), (0, "root\n", b""))

    async def test_binary_output(self):
        out = await self.client.exec("printf 'a\\000b\\377'")
        self.assertEqual(out.stdout_bytes, b"a\0b\xff")
        self.assertEqual(out.stdout_text, "a\0b\ufffd")
        big = await self.client.exec("head -c 3000000 /dev/zero | tr '\\000' x")
        self.assertEqual(big.stdout_bytes, b"x" * 3000000)

    async def test_tty(self):
        plain = await self.client.exec("tty")
        self.assertEqual(plain.stdout_text.strip(), "not a tty")
        pty = await self.client.exec("tty; echo err >&2", tty=True)
        self.assertRegex(pty.stdout_text, r"^/dev/pts/\d+\r?\n")
        self.assertIn("err", pty.stdout_text, "a PTY folds stderr into stdout")
        self.assertEqual(pty.stderr_bytes, b"")
        size = await self.client.exec("stty size", tty=True)
        self.assertEqual(size.stdout_text.strip(), "24 80")

    async def test_signal_death(self):
        out = await self.client.exec("kill -TERM $$")
        self.assertEqual((out.status, out.signal, out.success), (143, 15, False))
        out = await self.client.exec("kill -KILL $$")
        self.assertEqual((out.status, out.signal), (137, 9))

    async def test_concurrent_exec_keeps_the_loop_running(self):
        ticks = []

        async def ticker():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.05)

        t = asyncio.create_task(ticker())
        start = time.monotonic()
        outs = await asyncio.gather(*(self.client.exec("sleep 1; echo %d" % i) for i in range(5)))
        elapsed = time.monotonic() - start
        t.cancel()
        self.assertEqual([o.stdout_text for o in outs], ["%d\n" % i for i in range(5)])
        print("5 x 'sleep 1' under gather: %.2f s, %d ticks" % (elapsed, len(ticks)),
              file=sys.stderr)
        # One after another they take 5 s and more; the margin is for a loaded machine.
        self.assertLess(elapsed, 4.0, "the five commands ran one after another")
        self.assertGreater(len(ticks), elapsed / 0.05 / 2, "the ticker starved")
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        self.assertLess(max(gaps), 0.5, "the event loop was blocked")

    async def test_close(self):
        c = await msb.Sandbox(SANDBOX).ssh().connect()
        self.assertFalse(c.closed)
        await c.close()
        await c.close()
        self.assertTrue(c.closed)
        with self.assertRaises(msb.ClosedError):
            await c.exec("true")
        async with await msb.Sandbox(SANDBOX).ssh().connect() as c2:
            self.assertEqual((await c2.exec("echo hi")).stdout_text, "hi\n")
        self.assertTrue(c2.closed)

    async def test_nothing_leaks(self):
        before, kids = open_fds(), children()
        for _ in range(3):
            c = await msb.Sandbox(SANDBOX).ssh().connect()
            await c.exec("true")
            s = await c.sftp()
            await s.stat("/")
            await c.close()  # also closes s
            self.assertTrue(s.closed)
        self.assertEqual(open_fds(), before, "descriptors leaked")
        self.assertEqual(children(), kids, "an internal server was not reaped")

    async def test_bad_arguments(self):
        with self.assertRaises(msb.InvalidError):
            await self.client.exec("echo a\0b")

    async def test_attach_needs_a_terminal(self):
        self.assertFalse(os.isatty(0), "run this test with stdin not a terminal")
        with self.assertRaises(msb.NotATtyError) as cm:
            await self.client.attach(detach_keys="ctrl-x,y")
        self.assertEqual(cm.exception.status, "MSB_ERR_NOT_A_TTY")
        self.assertTrue(str(cm.exception))


class Attach(unittest.TestCase):
    def test_exit_code(self):
        shown = attach_on_pty("ctrl-x,y", [(b"# ", b"stty size\r"), (b"30 100", b"exit 7\r")])
        self.assertIn("30 100", shown, "the PTY has the terminal's size")
        self.assertIn("ATTACH-RESULT=7", shown)

    def test_detach(self):
        shown = attach_on_pty("ctrl-x,y", [(b"# ", b"\x18y")])
        self.assertIn("ATTACH-RESULT=%d" % msb.DETACHED, shown)
        self.assertEqual(msb.DETACHED, -1)


class Sftp(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.client = await msb.Sandbox(SANDBOX).ssh().connect()
        self.sftp = await self.client.sftp()
        self.dir = "/tmp/sdk-py-%d" % os.getpid()
        await self.sftp.mkdir(self.dir)

    async def asyncTearDown(self):
        await self.client.exec("rm -rf " + self.dir)
        await self.sftp.close()
        await self.client.close()

    async def test_files(self):
        s, d = self.sftp, self.dir
        data = os.urandom(1 << 20) + b"\0end"
        await s.write(d + "/f", data)
        self.assertEqual(await s.read(d + "/f"), data)
        check = await self.client.exec("sha256sum < %s/f" % d)
        import hashlib
        self.assertEqual(check.stdout_text.split()[0], hashlib.sha256(data).hexdigest())
        await s.write(d + "/f", "short")  # truncates; str is written as UTF-8
        self.assertEqual(await s.read(d + "/f"), b"short")
        await s.write(d + "/empty", b"")
        self.assertEqual(await s.read(d + "/empty"), b"")
        st = await s.stat(d + "/f")
        self.assertEqual(st.size, 5)
        self.assertTrue(st.is_file)
        self.assertEqual(st.permissions, 0o644)
        self.assertGreater(st.mtime, 1_000_000_000)

    async def test_directories(self):
        s, d = self.sftp, self.dir
        await s.mkdir(d + "/sub")
        self.assertTrue((await s.stat(d + "/sub")).is_dir)
        self.assertEqual((await s.stat(d + "/sub")).permissions, 0o755)
        await s.write(d + "/sub/a", b"1")
        await s.write(d + "/b", b"22")
        entries = await s.list_dir(d)
        self.assertEqual(sorted(e.name for e in entries), ["b", "sub"])
        by_name = {e.name: e for e in entries}
        self.assertEqual(by_name["b"].attrs.size, 2)
        self.assertTrue(by_name["sub"].attrs.is_dir)
        with self.assertRaises(msb.SftpError):
            await s.remove_dir(d + "/sub")  # not empty
        await s.remove_file(d + "/sub/a")
        await s.remove_dir(d + "/sub")
        self.assertEqual([e.name for e in await s.list_dir(d)], ["b"])
        await s.rename(d + "/b", d + "/c")
        self.assertEqual(await s.read(d + "/c"), b"22")
        with self.assertRaises(msb.NotFoundError):
            await s.stat(d + "/b")

    async def test_links_and_paths(self):
        s, d = self.sftp, self.dir
        await s.write(d + "/target", b"t")
        await s.symlink("target", d + "/link")
        self.assertEqual(await s.read_link(d + "/link"), "target")
        self.assertEqual(await s.read(d + "/link"), b"t")
        self.assertTrue((await s.stat(d + "/link")).is_file, "stat follows symlinks")
        self.assertEqual(await s.real_path(d + "/../" + os.path.basename(d) + "/./target"),
                         d + "/target")
        self.assertEqual(await s.real_path("."), "/root")
        self.assertIn("link", [e.name for e in await s.list_dir(d)])
        with self.assertRaises(msb.SftpError):
            await s.read_link(d + "/target")  # not a link

    async def test_errors(self):
        s, d = self.sftp, self.dir
        with self.assertRaises(msb.NotFoundError) as cm:
            await s.read(d + "/missing")
        e = cm.exception
        self.assertIsInstance(e, msb.SftpError)
        self.assertIsInstance(e, msb.MsbError)
        self.assertEqual(e.status, "MSB_ERR_NOT_FOUND")
        self.assertIn("missing", str(e))
        for call in (s.remove_file(d + "/missing"), s.remove_dir(d + "/missing"),
                     s.list_dir(d + "/missing"), s.stat(d + "/missing"),
                     s.rename(d + "/missing", d + "/x"), s.real_path(d + "/missing/x"),
                     s.write(d + "/missing/x", b"x")):
            with self.assertRaises(msb.NotFoundError):
                await call
        with self.assertRaises(msb.SftpError):
            await s.mkdir(d)  # exists
        with self.assertRaises(msb.SftpError):
            await s.write("/proc/version", b"x")

    async def test_concurrent_sftp_and_exec(self):
        s, d = self.sftp, self.dir
        names = ["%s/n%d" % (d, i) for i in range(8)]
        await asyncio.gather(*(s.write(n, n.encode()) for n in names),
                             self.client.exec("sleep 0.5"))
        got = await asyncio.gather(*(s.read(n) for n in names))
        self.assertEqual(got, [n.encode() for n in names])

    async def test_close(self):
        s2 = await self.client.sftp()
        await s2.stat("/")
        await s2.close()
        await s2.close()
        with self.assertRaises(msb.ClosedError):
            await s2.stat("/")
        async with await self.client.sftp() as s3:
            await s3.stat("/")
        self.assertTrue(s3.closed)
        self.assertEqual((await self.client.exec("echo still")).stdout_text, "still\n")

    async def test_disabled(self):
        async with await msb.Sandbox(SANDBOX).ssh().connect(sftp=False) as c:
            with self.assertRaises(msb.SftpUnavailableError) as cm:
                await c.sftp()
            self.assertEqual(cm.exception.status, "MSB_ERR_SFTP_UNAVAILABLE")
            self.assertTrue((await c.exec("true")).success, "the client outlives the refusal")


class Errors(unittest.IsolatedAsyncioTestCase):
    async def test_unknown_sandbox(self):
        with self.assertRaises(msb.NoSandboxError) as cm:
            msb.Sandbox("no-such-box")
        self.assertIn("no-such-box", str(cm.exception))
        self.assertEqual(cm.exception.status, "MSB_ERR_NO_SANDBOX")
        with self.assertRaises(msb.NoSandboxError):
            msb.Sandbox.get("no-such-box")

    async def test_bad_name(self):
        with self.assertRaises(msb.InvalidError):
            msb.Sandbox("../etc")

    async def test_stopped_sandbox(self):
        sb = msb.Sandbox(STOPPED)
        self.assertEqual(sb.name, STOPPED)
        with self.assertRaises(msb.NotRunningError) as cm:
            await sb.ssh().connect()
        self.assertIn(STOPPED, str(cm.exception))
        srv = await sb.ssh().server(authorized_keys=[pubkey(KEY)])
        a, b = socket.socketpair()
        with a, b, srv:
            with self.assertRaises(msb.NotRunningError):
                await srv.serve(a)


class Server(unittest.IsolatedAsyncioTestCase):
    async def test_key_sets(self):
        ssh = msb.Sandbox(SANDBOX).ssh()
        with self.assertRaises(msb.KeysError):
            await ssh.server(authorized_keys=[])
        with self.assertRaises(msb.KeysError):
            await ssh.server(authorized_keys=["not a key"])
        with self.assertRaises(msb.KeysError):
            await ssh.server(authorized_keys_path="/nonexistent/authorized_keys")
        with self.assertRaises(msb.KeysError):
            await ssh.server(authorized_keys=[pubkey(KEY)], host_key="not a private key")
        with self.assertRaises(msb.InvalidError):
            await ssh.server(authorized_keys=[pubkey(KEY) + "\n" + pubkey(KEY2)])
        srv = await ssh.server(authorized_keys=pubkey(KEY))
        srv.close()
        srv.close()
        self.assertTrue(srv.closed)
        a, b = socket.socketpair()
        with a, b, self.assertRaises(msb.ClosedError):
            await srv.serve(a)

    async def test_serve_to_openssh(self):
        """One endpoint, two connections one after the other on a TCP socket:
        an unauthorized key (AuthError), then the authorized one."""
        with open(KEY) as f:
            hostkey_text = f.read()  # any Ed25519 key does as a host key
        srv = await msb.Sandbox(SANDBOX).ssh().server(
            authorized_keys=[pubkey(KEY)], host_key=hostkey_text, user="root")
        lsock = socket.create_server(("127.0.0.1", 0))
        lsock.setblocking(False)
        port = lsock.getsockname()[1]
        loop = asyncio.get_running_loop()
        base = ["ssh"] + SSH_OPTS + ["-p", str(port)]
        try:
            for key, want_ok in ((KEY2, False), (KEY, True)):
                client = asyncio.create_task(run(*base, "-i", key, "root@127.0.0.1",
                                                 "echo via-openssh; echo e >&2; exit 4"))
                conn, _ = await asyncio.wait_for(loop.sock_accept(lsock), 30)
                with conn:
                    conn.setblocking(True)
                    if want_ok:
                        await asyncio.wait_for(srv.serve(conn), 60)
                    else:
                        with self.assertRaises(msb.AuthError):
                            await asyncio.wait_for(srv.serve(conn), 60)
                rc, out, err = await client
                if want_ok:
                    self.assertEqual((rc, out, err), (4, "via-openssh\n", "e\n"))
                else:
                    self.assertEqual(rc, 255, "an unauthorized key got in")
        finally:
            lsock.close()
            srv.close()

    async def test_serve_stdio_as_proxycommand(self):
        proxy = "%s %s/serve_stdio.py %s %s.pub" % (sys.executable, HERE, SANDBOX, KEY)
        base = ["ssh"] + SSH_OPTS + ["-i", KEY, "-o", "ProxyCommand=" + proxy]
        rc, out, err = await run(*base, "root@sandbox", "uname -s; id -un")
        self.assertEqual((rc, out), (0, "Linux\nroot\n"), err)
        rc, out, err = await run("sftp", "-q", "-b", "-", *SSH_OPTS, "-i", KEY,
                                 "-o", "ProxyCommand=" + proxy, "root@sandbox")
        self.assertEqual(rc, 0, err)
        rc, _, err = await run("sftp", "-q", "-b", "-", *SSH_OPTS, "-i", KEY,
                               "-o", "ProxyCommand=" + proxy + " --no-sftp", "root@sandbox")
        self.assertNotEqual(rc, 0, "sftp got through an endpoint made with sftp=False")

    async def test_serve_stdio_refuses_other_keys(self):
        # ssh sends its ProxyCommand SIGHUP as it gives up: ignore it so
        # serve_stdio() returns and says why.
        errfile = "%s/serve_stdio.err" % os.path.dirname(KEY)
        proxy = "sh -c 'trap \"\" HUP; exec %s %s/serve_stdio.py %s %s.pub 2>%s'" % (
            sys.executable, HERE, SANDBOX, KEY, errfile)
        rc, _, err = await run("ssh", *SSH_OPTS, "-i", KEY2, "-o", "ProxyCommand=" + proxy,
                               "root@sandbox", "true")
        self.assertEqual(rc, 255)
        self.assertIn("Permission denied", err)
        for _ in range(100):
            with open(errfile) as f:
                msg = f.read()
            if msg:
                break
            await asyncio.sleep(0.1)
        self.assertIn("MSB_ERR_AUTH", msg, "serve_stdio() did not raise AuthError")


if __name__ == "__main__":
    unittest.main()
