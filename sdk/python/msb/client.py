"""SshClient (ssh.connect()): exec, attach and SFTP over one native connection."""

import ctypes
import threading
import weakref
from dataclasses import dataclass

from . import _lib
from ._handle import Borrow, Handle, blocking, cstr, null, opt_cstr, raise_for
from .sftp import SftpClient

#: What attach() returns when the detach keys ended it: no exit status is
#: negative, so it cannot be mistaken for one.
DETACHED = -1


@dataclass(frozen=True)
class SshOutput:
    """A finished command: exit status and everything it wrote."""

    status: int
    """Exit status; 128+N when the command died by signal N."""
    signal: int
    """N when the command died by signal N, else 0."""
    stdout_bytes: bytes
    stderr_bytes: bytes

    @property
    def success(self):
        """True when the command exited with status 0."""
        return self.status == 0 and self.signal == 0

    @property
    def stdout_text(self):
        """stdout decoded as UTF-8 (undecodable bytes become U+FFFD)."""
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr_text(self):
        """stderr decoded as UTF-8 (undecodable bytes become U+FFFD)."""
        return self.stderr_bytes.decode("utf-8", "replace")


def _free_client(ptr):
    _lib.lib().msb_ssh_client_close(ptr)


class SshClient:
    """A native SSH client session on a running sandbox.

    Calls may run concurrently (asyncio.gather of several exec() calls
    runs the commands at once over the one connection). close() waits for
    calls in flight, closes the SFTP sessions opened on this client, and
    is safe to call twice; ``async with`` closes on exit.
    """

    def __init__(self, ptr, sandbox_name, user):
        self._sftps = weakref.WeakSet()
        self._sftps_lock = threading.Lock()
        self._h = Handle(ptr, _free_client, "SSH client")
        self.sandbox_name = sandbox_name
        self.user = user
        # Garbage collection must not block: the handle is freed when the
        # last SFTP session on it is.
        weakref.finalize(self, self._h.close, False)

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return "<SshClient %s@%s %s>" % (self.user, self.sandbox_name, state)

    @property
    def closed(self):
        return self._h.closed

    def _exec(self, command, tty):
        out = _lib.Output()
        opts = _lib.ExecOpts()
        lib = _lib.lib()
        lib.msb_ssh_exec_opts_init(ctypes.byref(opts))
        opts.tty = 1 if tty else 0
        with Borrow(self._h) as c:
            st = lib.msb_ssh_client_exec_with(c, command, ctypes.byref(opts), ctypes.byref(out))
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_ssh_client_errmsg(c))
        try:
            return SshOutput(
                status=out.status, signal=out.signal,
                stdout_bytes=ctypes.string_at(out.stdout_data, out.stdout_len)
                if out.stdout_len else b"",
                stderr_bytes=ctypes.string_at(out.stderr_data, out.stderr_len)
                if out.stderr_len else b"")
        finally:
            lib.msb_ssh_output_free(ctypes.byref(out))

    async def exec(self, command, *, tty=False):
        """Runs command through the sandbox shell (sh -c) and collects its output.

        No stdin. With tty=True the command gets a PTY (80x24) and its
        stderr arrives in stdout. A command that fails is not an error:
        look at .status / .success. Raises ChannelError, SshError...
        """
        return await blocking(self._exec, cstr(command, "command"), tty)

    def _attach(self, term, detach_keys, command):
        lib = _lib.lib()
        opts = _lib.AttachOpts()
        lib.msb_ssh_attach_opts_init(ctypes.byref(opts))
        opts.term, opts.command = term, command
        if detach_keys is not None:
            opts.detach_keys = detach_keys
        code = ctypes.c_int(0)
        with Borrow(self._h) as c:
            st = lib.msb_ssh_client_attach_with(c, ctypes.byref(opts), ctypes.byref(code))
            if st == _lib.MSB_DETACHED:
                return DETACHED
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_ssh_client_errmsg(c))
        return code.value

    async def attach(self, *, term=None, detach_keys=None, command=None):
        """Attaches this process's terminal to an interactive shell.

        stdin and stdout must be a terminal (else NotATtyError). The
        terminal is raw while attached and restored on return. term
        defaults to the client's; detach_keys to "ctrl-p,ctrl-q" (Docker's
        notation; "" disables detaching); command, if given, runs instead
        of the login shell. Returns the shell's exit status (128 when it
        died by a signal), or msb.DETACHED (-1) when the detach keys were
        typed; msb's server then hangs up the shell (it gets SIGHUP).
        Keep the event loop from reading the terminal meanwhile.
        """
        return await blocking(self._attach, opt_cstr(term, "term"),
                              opt_cstr(detach_keys, "detach_keys"),
                              opt_cstr(command, "command"))

    def _sftp(self):
        lib = _lib.lib()
        out = null(_lib.Sftp)
        with Borrow(self._h) as c:
            st = lib.msb_ssh_client_sftp(c, ctypes.byref(out))
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_ssh_client_errmsg(c))
            # An SFTP session holds the client until it is freed itself;
            # registered before the borrow ends, so close() cannot miss it.
            self._h.retain()
            s = SftpClient(out, self._h)
            with self._sftps_lock:
                self._sftps.add(s)
        return s

    async def sftp(self):
        """Opens an SFTP session over this connection (SftpUnavailableError
        when the client was connected with sftp=False)."""
        return await blocking(self._sftp)

    def _close(self):
        self._h.close(wait=False)
        with self._sftps_lock:
            children = list(self._sftps)
        for s in children:
            s.close_now()
        self._h.close(wait=True)

    async def close(self):
        """Closes the SFTP sessions, disconnects and reaps the internal server."""
        await blocking(self._close)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False
