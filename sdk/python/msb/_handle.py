"""What every wrapper shares: a C handle's lifetime, the worker threads
blocking calls run in, and turning Python arguments into C strings.
"""

import asyncio
import concurrent.futures
import ctypes
import os
import threading

from . import _lib
from .errors import ClosedError, InvalidError, error_for

# libmsb calls block (an exec lasts as long as its command), so each runs
# in a worker thread. A pool of our own keeps long calls from starving the
# loop's default executor, and is large enough that gathered calls really
# run at once.
_MAX_WORKERS = 64
_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=_MAX_WORKERS, thread_name_prefix="msb")
        return _pool


async def blocking(fn, *args):
    """Runs fn(*args) in a worker thread without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), fn, *args)


def cstr(value, what):
    """value (str, bytes or os.PathLike) as bytes for a char * argument."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    if not isinstance(value, bytes):
        raise TypeError("%s must be str, bytes or a path, not %s" % (what, type(value).__name__))
    if b"\0" in value:
        raise InvalidError("%s contains a NUL byte" % what)
    return value


def opt_cstr(value, what):
    return None if value is None else cstr(value, what)


def raise_for(code, errmsg):
    """Raises the exception for a failed status, with errmsg's message."""
    name = _lib.lib().msb_status_name(code).decode()
    msg = errmsg.decode("utf-8", "replace") if errmsg else ""
    raise error_for(code, msg, name)


class Handle:
    """A C handle shared by calls in several threads.

    acquire() (or ``with Borrow(h) as ptr``) hands out the pointer for one
    call, release() ends it; close() stops new calls
    and frees the handle once the last call in flight has returned, so a
    close never frees memory a running call still uses. Closing twice is
    harmless.
    """

    def __init__(self, ptr, free, what):
        self._ptr = ptr
        self._free = free
        self._what = what
        self._busy = 0
        self._closing = False
        self._freed = False
        self._cond = threading.Condition()

    @property
    def closed(self):
        with self._cond:
            return self._closing

    def acquire(self):
        with self._cond:
            if self._closing:
                raise ClosedError("the %s is closed" % self._what)
            self._busy += 1
            return self._ptr

    def retain(self):
        """One more user, from a caller that holds a borrow: a dependent
        handle that must be freed first releases it."""
        with self._cond:
            self._busy += 1

    def release(self):
        with self._cond:
            self._busy -= 1
            last = self._closing and self._busy == 0 and self._ptr is not None
            ptr = self._take() if last else None
        if ptr is not None:
            self._finish(ptr)

    def _take(self):
        ptr, self._ptr = self._ptr, None
        return ptr

    def _finish(self, ptr):
        try:
            self._free(ptr)
        finally:
            with self._cond:
                self._freed = True
                self._cond.notify_all()

    def close(self, wait=True):
        """Frees the handle now, or when the calls in flight end.

        With wait, returns once it is freed (blocking: call it in a worker
        thread from async code).
        """
        with self._cond:
            self._closing = True
            ptr = self._take() if self._busy == 0 and self._ptr is not None else None
        if ptr is not None:
            self._finish(ptr)
        elif wait:
            with self._cond:
                self._cond.wait_for(lambda: self._freed)


class Borrow:
    """with Borrow(handle) as ptr: one call on the handle."""

    def __init__(self, handle):
        self._handle = handle

    def __enter__(self):
        return self._handle.acquire()

    def __exit__(self, *exc):
        self._handle.release()
        return False


def null(ctype):
    """A NULL pointer of ctypes pointer type ctype, to pass by reference."""
    return ctypes.POINTER(ctype)()
