"""SftpClient (client.sftp()): file operations over the client's connection."""

import ctypes
import stat as _stat
import weakref
from dataclasses import dataclass

from . import _lib
from ._handle import Borrow, Handle, blocking, cstr, null, raise_for


@dataclass(frozen=True)
class SftpAttrs:
    """A file's attributes as the server reports them (mode as st_mode)."""

    size: int
    mode: int
    uid: int
    gid: int
    atime: int
    mtime: int

    @property
    def is_dir(self):
        return _stat.S_ISDIR(self.mode)

    @property
    def is_file(self):
        return _stat.S_ISREG(self.mode)

    @property
    def is_symlink(self):
        return _stat.S_ISLNK(self.mode)

    @property
    def permissions(self):
        """The permission bits (mode & 0o7777)."""
        return _stat.S_IMODE(self.mode)


@dataclass(frozen=True)
class SftpEntry:
    """One directory entry: its name (not a path) and attributes."""

    name: str
    attrs: SftpAttrs


def _attrs(a):
    return SftpAttrs(size=a.size, mode=a.mode, uid=a.uid, gid=a.gid,
                     atime=a.atime, mtime=a.mtime)


def _sftp_freer(client_handle):
    def free(ptr):
        try:
            _lib.lib().msb_sftp_close(ptr)
        finally:
            client_handle.release()
    return free


class SftpClient:
    """An SFTP session; paths are the guest's (relative ones: the user's home).

    Errors: NotFoundError, PermissionDeniedError, ExistsError, SftpError
    (all SftpError), SshError when the connection is lost. close() waits
    for calls in flight and is safe to call twice; closing the client
    closes its SFTP sessions; ``async with`` closes on exit.
    """

    def __init__(self, ptr, client_handle):
        self._h = Handle(ptr, _sftp_freer(client_handle), "SFTP session")
        weakref.finalize(self, self._h.close, False)

    def __repr__(self):
        return "<SftpClient %s>" % ("closed" if self.closed else "open")

    @property
    def closed(self):
        return self._h.closed

    def _call(self, fn, *args):
        """fn(sftp, *args) under a borrow; raises on a failed status."""
        lib = _lib.lib()
        with Borrow(self._h) as s:
            st = fn(s, *args)
            if st != _lib.MSB_OK:
                raise_for(st, lib.msb_sftp_errmsg(s))

    def _read(self, path):
        data, n = ctypes.c_void_p(), ctypes.c_size_t()
        self._call(_lib.lib().msb_sftp_read, path, ctypes.byref(data), ctypes.byref(n))
        return _lib.take_bytes(data, n.value)

    async def read(self, path):
        """The whole file as bytes."""
        return await blocking(self._read, cstr(path, "path"))

    async def write(self, path, data):
        """Creates or truncates path (mode 0644) and writes data (bytes-like or str)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        await blocking(self._call, _lib.lib().msb_sftp_write, cstr(path, "path"), data,
                       len(data))

    async def mkdir(self, path):
        """Creates a directory (mode 0755)."""
        await blocking(self._call, _lib.lib().msb_sftp_mkdir, cstr(path, "path"))

    async def remove_file(self, path):
        await blocking(self._call, _lib.lib().msb_sftp_remove_file, cstr(path, "path"))

    async def remove_dir(self, path):
        """Removes an empty directory."""
        await blocking(self._call, _lib.lib().msb_sftp_remove_dir, cstr(path, "path"))

    async def rename(self, old_path, new_path):
        await blocking(self._call, _lib.lib().msb_sftp_rename, cstr(old_path, "old_path"),
                       cstr(new_path, "new_path"))

    def _string(self, fn, path):
        out = ctypes.c_void_p()
        self._call(fn, path, ctypes.byref(out))
        return _lib.take_str(out)

    async def real_path(self, path):
        """The canonical absolute path, as str."""
        return await blocking(self._string, _lib.lib().msb_sftp_real_path, cstr(path, "path"))

    async def read_link(self, path):
        """A symlink's target, as str."""
        return await blocking(self._string, _lib.lib().msb_sftp_read_link, cstr(path, "path"))

    async def symlink(self, target, link_path):
        """Creates link_path pointing at target."""
        await blocking(self._call, _lib.lib().msb_sftp_symlink, cstr(target, "target"),
                       cstr(link_path, "link_path"))

    def _stat(self, path):
        a = _lib.Attrs()
        self._call(_lib.lib().msb_sftp_stat, path, ctypes.byref(a))
        return _attrs(a)

    async def stat(self, path):
        """SftpAttrs of path, following symlinks."""
        return await blocking(self._stat, cstr(path, "path"))

    def _list_dir(self, path):
        lib = _lib.lib()
        entries, n = null(_lib.Entry), ctypes.c_size_t()
        self._call(lib.msb_sftp_list_dir, path, ctypes.byref(entries), ctypes.byref(n))
        try:
            return [SftpEntry(ctypes.string_at(entries[i].name).decode("utf-8", "surrogateescape"),
                              _attrs(entries[i].attrs)) for i in range(n.value)]
        finally:
            lib.msb_sftp_entries_free(entries, n)

    async def list_dir(self, path):
        """The entries of directory path but . and .., in server order."""
        return await blocking(self._list_dir, cstr(path, "path"))

    def close_now(self):
        """Closes the session, blocking until calls in flight end."""
        self._h.close(wait=True)

    async def close(self):
        """Ends the SFTP subsystem; the client stays open."""
        await blocking(self.close_now)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
        return False
