"""Sandbox and its ssh() namespace: connect() and server()."""

import contextlib
import ctypes

from . import _lib
from ._handle import blocking, cstr, null, opt_cstr, raise_for
from .client import SshClient
from .errors import KeysError
from .server import SshServer


@contextlib.contextmanager
def _opened(name):
    """A fresh msb_sandbox handle on name, closed on exit; raises if none.

    Each call gets its own handle, so the message a failure leaves in it
    belongs to that call even when several threads connect at once.
    """
    lib = _lib.lib()
    sb = null(_lib.Sandbox)
    st = lib.msb_sandbox_open(name, ctypes.byref(sb))
    try:
        if st != _lib.MSB_OK:
            raise_for(st, lib.msb_sandbox_errmsg(sb) if sb else b"out of memory")
        yield sb
    finally:
        lib.msb_sandbox_close(sb)


class Sandbox:
    """An existing sandbox, by name (under $MSB_HOME, default ~/.microsandbox).

    Raises NoSandboxError when none has that name, InvalidError for a bad
    name. Nothing connects until ssh().connect() or ssh().server().
    """

    def __init__(self, name):
        self._cname = cstr(name, "name")
        self.name = self._cname.decode("utf-8", "surrogateescape")
        with _opened(self._cname):
            pass

    @classmethod
    def get(cls, name):
        """The sandbox called name (the same as Sandbox(name))."""
        return cls(name)

    def __repr__(self):
        return "<Sandbox %r>" % self.name

    def ssh(self):
        """The SSH namespace: connect() and server()."""
        return SandboxSsh(self)


class SandboxSsh:
    """SSH client and server helpers of a sandbox."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def _connect(self, user, term, sftp):
        lib = _lib.lib()
        opts = _lib.ClientOpts()
        lib.msb_ssh_client_opts_init(ctypes.byref(opts))
        opts.user, opts.term, opts.sftp = user, term, 1 if sftp else 0
        out = null(_lib.Client)
        with _opened(self.sandbox._cname) as sb:
            st = lib.msb_ssh_connect(sb, ctypes.byref(opts), ctypes.byref(out))
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_sandbox_errmsg(sb))
        return SshClient(out, self.sandbox.name, user.decode("utf-8", "surrogateescape"))

    async def connect(self, *, user="root", term=None, sftp=True):
        """Connects a native in-process SSH client to the running sandbox.

        No listener, key file or ssh binary is involved. term (for PTYs)
        defaults to $TERM, else "xterm"; sftp=False makes the internal
        server refuse SFTP. Raises NoSandboxError, NotRunningError,
        SetupError or SshError.
        """
        return await blocking(self._connect, cstr(user, "user"), opt_cstr(term, "term"), sftp)

    def _server(self, host_key_path, authorized_keys_path, user, sftp, host_key, keys):
        lib = _lib.lib()
        opts = _lib.ServerOpts()
        lib.msb_ssh_server_opts_init(ctypes.byref(opts))
        opts.host_key_path, opts.host_key = host_key_path, host_key
        opts.authorized_keys_path, opts.user = authorized_keys_path, user
        opts.sftp = 1 if sftp else 0
        if keys:
            opts.authorized_keys = (ctypes.c_char_p * len(keys))(*keys)
            opts.n_authorized_keys = len(keys)
        out = null(_lib.Server)
        with _opened(self.sandbox._cname) as sb:
            st = lib.msb_ssh_server_new(sb, ctypes.byref(opts), ctypes.byref(out))
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_sandbox_errmsg(sb))
        return SshServer(out, self.sandbox.name)

    async def server(self, *, host_key_path=None, authorized_keys_path=None, user=None,
                     sftp=True, host_key=None, authorized_keys=None):
        """Prepares a reusable SSH server endpoint for external clients.

        host_key (an OpenSSH private key, str or bytes) wins over
        host_key_path (default MSB_HOME/ssh/host_ed25519_key, created if
        missing). authorized_keys is a list of public key lines; with
        authorized_keys_path too, both sets are accepted. With neither,
        MSB_HOME/ssh/authorized_keys is used. A set without one usable key
        raises KeysError, so does an empty authorized_keys list given
        alone. user overrides the guest user of every request.
        """
        keys = None
        if authorized_keys is not None:
            if isinstance(authorized_keys, (str, bytes)):
                authorized_keys = [authorized_keys]
            keys = [cstr(k, "authorized key") for k in authorized_keys]
            if not keys and authorized_keys_path is None:
                # libmsb reads "no in-memory keys" as "use the default file".
                raise KeysError("authorized_keys is empty: no client could log in")
        return await blocking(self._server, opt_cstr(host_key_path, "host_key_path"),
                              opt_cstr(authorized_keys_path, "authorized_keys_path"),
                              opt_cstr(user, "user"), sftp, opt_cstr(host_key, "host_key"),
                              keys)
