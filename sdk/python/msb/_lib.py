"""ctypes declarations of include/msb/msb.h, and where libmsb is loaded from.

The library is found, in order, at $MSB_LIBMSB, at the path `make install`
wrote into _libpath.py, and by the dynamic linker's search for
libmsb.so.0. It is loaded once, on first use.
"""

import ctypes
import os
import threading

MSB_OK = 0
MSB_DETACHED = 17


class Sandbox(ctypes.Structure):
    pass


class Client(ctypes.Structure):
    pass


class Sftp(ctypes.Structure):
    pass


class Server(ctypes.Structure):
    pass


class ClientOpts(ctypes.Structure):
    _fields_ = [
        ("user", ctypes.c_char_p),
        ("term", ctypes.c_char_p),
        ("sftp", ctypes.c_int),
    ]


class ExecOpts(ctypes.Structure):
    _fields_ = [("tty", ctypes.c_int)]


class Output(ctypes.Structure):
    # The data members are void pointers so ctypes does not stop at a NUL.
    _fields_ = [
        ("status", ctypes.c_int),
        ("signal", ctypes.c_int),
        ("stdout_data", ctypes.c_void_p),
        ("stdout_len", ctypes.c_size_t),
        ("stderr_data", ctypes.c_void_p),
        ("stderr_len", ctypes.c_size_t),
    ]


class AttachOpts(ctypes.Structure):
    _fields_ = [
        ("term", ctypes.c_char_p),
        ("detach_keys", ctypes.c_char_p),
        ("command", ctypes.c_char_p),
    ]


class Attrs(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint64),
        ("mode", ctypes.c_uint32),
        ("uid", ctypes.c_uint32),
        ("gid", ctypes.c_uint32),
        ("atime", ctypes.c_int64),
        ("mtime", ctypes.c_int64),
    ]


class Entry(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("attrs", Attrs)]


class ServerOpts(ctypes.Structure):
    _fields_ = [
        ("host_key_path", ctypes.c_char_p),
        ("host_key", ctypes.c_char_p),
        ("authorized_keys_path", ctypes.c_char_p),
        ("authorized_keys", ctypes.POINTER(ctypes.c_char_p)),
        ("n_authorized_keys", ctypes.c_size_t),
        ("user", ctypes.c_char_p),
        ("sftp", ctypes.c_int),
    ]


_P = ctypes.POINTER
_st = ctypes.c_int
_str = ctypes.c_char_p
_void = None

# name: (restype, argtypes)
_PROTOS = {
    "msb_status_name": (_str, [_st]),
    "msb_free": (_void, [ctypes.c_void_p]),
    "msb_sandbox_open": (_st, [_str, _P(_P(Sandbox))]),
    "msb_sandbox_errmsg": (_str, [_P(Sandbox)]),
    "msb_sandbox_close": (_void, [_P(Sandbox)]),
    "msb_ssh_client_opts_init": (_void, [_P(ClientOpts)]),
    "msb_ssh_connect": (_st, [_P(Sandbox), _P(ClientOpts), _P(_P(Client))]),
    "msb_ssh_client_errmsg": (_str, [_P(Client)]),
    "msb_ssh_client_close": (_st, [_P(Client)]),
    "msb_ssh_exec_opts_init": (_void, [_P(ExecOpts)]),
    "msb_ssh_client_exec_with": (_st, [_P(Client), _str, _P(ExecOpts), _P(Output)]),
    "msb_ssh_output_free": (_void, [_P(Output)]),
    "msb_ssh_attach_opts_init": (_void, [_P(AttachOpts)]),
    "msb_ssh_client_attach_with": (_st, [_P(Client), _P(AttachOpts), _P(ctypes.c_int)]),
    "msb_ssh_client_sftp": (_st, [_P(Client), _P(_P(Sftp))]),
    "msb_sftp_errmsg": (_str, [_P(Sftp)]),
    "msb_sftp_read": (_st, [_P(Sftp), _str, _P(ctypes.c_void_p), _P(ctypes.c_size_t)]),
    "msb_sftp_write": (_st, [_P(Sftp), _str, ctypes.c_char_p, ctypes.c_size_t]),
    "msb_sftp_mkdir": (_st, [_P(Sftp), _str]),
    "msb_sftp_remove_file": (_st, [_P(Sftp), _str]),
    "msb_sftp_remove_dir": (_st, [_P(Sftp), _str]),
    "msb_sftp_rename": (_st, [_P(Sftp), _str, _str]),
    "msb_sftp_real_path": (_st, [_P(Sftp), _str, _P(ctypes.c_void_p)]),
    "msb_sftp_read_link": (_st, [_P(Sftp), _str, _P(ctypes.c_void_p)]),
    "msb_sftp_symlink": (_st, [_P(Sftp), _str, _str]),
    "msb_sftp_stat": (_st, [_P(Sftp), _str, _P(Attrs)]),
    "msb_sftp_list_dir": (_st, [_P(Sftp), _str, _P(_P(Entry)), _P(ctypes.c_size_t)]),
    "msb_sftp_entries_free": (_void, [_P(Entry), ctypes.c_size_t]),
    "msb_sftp_close": (_st, [_P(Sftp)]),
    "msb_ssh_server_opts_init": (_void, [_P(ServerOpts)]),
    "msb_ssh_server_new": (_st, [_P(Sandbox), _P(ServerOpts), _P(_P(Server))]),
    "msb_ssh_server_errmsg": (_str, [_P(Server)]),
    "msb_ssh_server_serve_fd": (_st, [_P(Server), ctypes.c_int]),
    "msb_ssh_server_serve_stdio": (_st, [_P(Server)]),
    "msb_ssh_server_close": (_void, [_P(Server)]),
}

_lock = threading.Lock()
_lib = None


def _candidates():
    env = os.environ.get("MSB_LIBMSB")
    if env:
        return [env]
    paths = []
    try:
        from . import _libpath
        paths.append(_libpath.LIBMSB)
    except ImportError:
        pass
    paths.append("libmsb.so.0")
    return paths


def lib():
    """The loaded libmsb, its prototypes declared; OSError if none loads."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for path in _candidates():
            try:
                handle = ctypes.CDLL(path)
                break
            except OSError as e:
                errors.append(str(e))
        else:
            raise OSError("cannot load libmsb (set MSB_LIBMSB to its path): "
                          + "; ".join(errors))
        for name, (restype, argtypes) in _PROTOS.items():
            fn = getattr(handle, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _lib = handle
        return _lib


def take_bytes(ptr, length):
    """Copies length bytes at ptr and frees ptr with msb_free()."""
    try:
        return ctypes.string_at(ptr, length) if length else b""
    finally:
        lib().msb_free(ptr)


def take_str(ptr):
    """Copies the NUL-terminated string at ptr and frees it with msb_free()."""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "surrogateescape")
    finally:
        lib().msb_free(ptr)
