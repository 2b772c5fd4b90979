"""SshServer (ssh.server()): serve a sandbox to external SSH clients."""

import socket
import weakref

from . import _lib
from ._handle import Borrow, Handle, blocking, raise_for


def _free_server(ptr):
    _lib.lib().msb_ssh_server_close(ptr)


class SshServer:
    """A prepared, reusable SSH server endpoint for one sandbox.

    Each serve call runs msb's privilege-separated server for one
    connection; calls may run one after another or at the same time.
    close() is safe to call twice and while a connection is being served
    (the endpoint is then freed when that call returns).
    """

    def __init__(self, ptr, sandbox_name):
        self._h = Handle(ptr, _free_server, "SSH server endpoint")
        self.sandbox_name = sandbox_name
        weakref.finalize(self, self._h.close, False)

    def __repr__(self):
        return "<SshServer for %s %s>" % (self.sandbox_name, "closed" if self.closed else "open")

    @property
    def closed(self):
        return self._h.closed

    def _serve(self, fn, *args):
        lib = _lib.lib()
        with Borrow(self._h) as srv:
            st = fn(srv, *args)
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_ssh_server_errmsg(srv))

    async def serve(self, sock):
        """Serves one SSH connection on sock (a connected stream socket or its
        file descriptor) until it ends. sock stays the caller's to close.

        Raises AuthError when the client never authenticated, SshError on
        a protocol error, NotRunningError when the sandbox is not running.
        """
        fd = sock.fileno() if isinstance(sock, socket.socket) else int(sock)
        await blocking(self._serve, _lib.lib().msb_ssh_server_serve_fd, fd)

    async def serve_stdio(self):
        """Serves one SSH connection over this process's stdin and stdout,
        as an OpenSSH ProxyCommand does. Nothing else may use them meanwhile."""
        await blocking(self._serve, _lib.lib().msb_ssh_server_serve_stdio)

    def close(self):
        """Releases the endpoint (after the connections being served end)."""
        self._h.close(wait=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
        return False
