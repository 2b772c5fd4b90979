"""msb: SSH into msb sandboxes from Python (asyncio, over libmsb).

Native sessions need no listener, key or ssh binary::

    import asyncio, msb

    async def main():
        sb = msb.Sandbox("devbox")              # or msb.Sandbox.get("devbox")
        async with await sb.ssh().connect() as client:   # user="root", term=None, sftp=True
            out = await client.exec("uname -a")           # tty=False
            print(out.status, out.success, out.stdout_text, out.stderr_text)
            # Several commands run at once over the one connection:
            outs = await asyncio.gather(*(client.exec("sleep 1; echo %d" % i)
                                          for i in range(5)))
            async with await client.sftp() as sftp:
                await sftp.write("/tmp/hello.txt", b"hello")
                assert await sftp.read("/tmp/hello.txt") == b"hello"
                print([e.name for e in await sftp.list_dir("/tmp")])
            code = await client.attach()        # a real terminal is needed
            if code == msb.DETACHED: ...        # detached with ctrl-p,ctrl-q

    asyncio.run(main())

SftpClient has read, write, mkdir, remove_file, remove_dir, rename,
real_path, read_link, symlink, stat (-> SftpAttrs), list_dir (-> list of
SftpEntry) and close.

External clients: serve the sandbox to OpenSSH, here as a ProxyCommand
(``ProxyCommand python3 serve.py``)::

    srv = await msb.Sandbox("devbox").ssh().server(
        authorized_keys=[open("/root/.ssh/id_ed25519.pub").read().strip()])
    await srv.serve_stdio()                     # or: await srv.serve(sock)
    srv.close()

Every call that talks to the sandbox is a coroutine whose C call runs in a
worker thread, so the event loop keeps running. Cancelling the awaiting
task does not stop a call already running: it ends in its thread and what
it returned is freed (an exec's command still runs to its end). Failures
raise MsbError subclasses named after libmsb's statuses (NoSandboxError,
NotRunningError, SftpUnavailableError, NotFoundError, ...; see
msb.errors); ``err.status`` is the status name and ``str(err)`` carries
libmsb's message. close() on any object waits for its calls in flight and
is safe to call twice; objects also close when collected.

libmsb is loaded from $MSB_LIBMSB if set, else from where ``make install``
put it, else by the dynamic linker's search for libmsb.so.0.
"""

from .client import DETACHED, SshClient, SshOutput
from .errors import (AuthError, ChannelError, ClosedError, ExistsError, InvalidError,
                     KeysError, LocalIOError, MsbError, NoMemoryError, NoSandboxError,
                     NotATtyError, NotFoundError, NotRunningError, PermissionDeniedError,
                     SetupError, SftpError, SftpUnavailableError, SshError)
from .sandbox import Sandbox, SandboxSsh
from .server import SshServer
from .sftp import SftpAttrs, SftpClient, SftpEntry

__all__ = [
    "Sandbox", "SandboxSsh", "SshClient", "SshOutput", "SftpClient", "SftpAttrs",
    "SftpEntry", "SshServer", "DETACHED",
    "MsbError", "InvalidError", "NoMemoryError", "NoSandboxError", "NotRunningError",
    "SetupError", "KeysError", "AuthError", "SshError", "ChannelError",
    "SftpUnavailableError", "SftpError", "NotFoundError", "PermissionDeniedError",
    "ExistsError", "NotATtyError", "LocalIOError", "ClosedError",
]
