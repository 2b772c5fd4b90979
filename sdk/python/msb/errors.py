"""Exceptions: one class per msb_status, all under MsbError.

Every failed call raises the class of its status with the library's
message for it. ``err.status`` is the status name ("MSB_ERR_NOT_FOUND")
and ``err.code`` its number. The SFTP path errors (NotFoundError,
PermissionDeniedError, ExistsError) are SftpError subclasses.
"""


class MsbError(Exception):
    """A libmsb call failed; .status is the msb_status name, .code its value."""

    status = "MSB_ERR_UNKNOWN"
    code = -1

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def __str__(self):
        return "%s: %s" % (self.status, self.message) if self.message else self.status


class InvalidError(MsbError, ValueError):
    """A bad argument: bad name, NUL in a string, bad detach keys..."""
    status, code = "MSB_ERR_INVALID", 1


class NoMemoryError(MsbError, MemoryError):
    status, code = "MSB_ERR_NOMEM", 2


class NoSandboxError(MsbError, LookupError):
    """No sandbox has that name."""
    status, code = "MSB_ERR_NO_SANDBOX", 3


class NotRunningError(MsbError):
    """The sandbox exists but is stopped or crashed."""
    status, code = "MSB_ERR_NOT_RUNNING", 4


class SetupError(MsbError):
    """The host is not ready: helpers, MSB_HOME, the preauth account."""
    status, code = "MSB_ERR_SETUP", 5


class KeysError(MsbError):
    """A host key or authorized-keys set is unusable or empty."""
    status, code = "MSB_ERR_KEYS", 6


class AuthError(MsbError):
    """The SSH client did not authenticate."""
    status, code = "MSB_ERR_AUTH", 7


class SshError(MsbError, ConnectionError):
    """The SSH connection failed or was lost."""
    status, code = "MSB_ERR_SSH", 8


class ChannelError(MsbError):
    """The server refused a channel or a request on it."""
    status, code = "MSB_ERR_CHANNEL", 9


class SftpUnavailableError(MsbError):
    """The server refused the sftp subsystem (SFTP disabled)."""
    status, code = "MSB_ERR_SFTP_UNAVAILABLE", 10


class SftpError(MsbError):
    """SFTP: a failure the server reported; base of the SFTP path errors."""
    status, code = "MSB_ERR_SFTP", 14


class NotFoundError(SftpError):
    """SFTP: no such file or directory."""
    status, code = "MSB_ERR_NOT_FOUND", 11


class PermissionDeniedError(SftpError):
    """SFTP: permission denied."""
    status, code = "MSB_ERR_PERMISSION", 12


class ExistsError(SftpError):
    """SFTP: the path already exists."""
    status, code = "MSB_ERR_EXISTS", 13


class NotATtyError(MsbError):
    """attach needs stdin and stdout on a terminal."""
    status, code = "MSB_ERR_NOT_A_TTY", 15


class LocalIOError(MsbError):
    """A local read, write or terminal call failed."""
    status, code = "MSB_ERR_IO", 16


class ClosedError(MsbError):
    """The handle was closed; raised by the binding, not by libmsb."""
    status, code = "MSB_ERR_INVALID", 1


_BY_CODE = {cls.code: cls for cls in (
    InvalidError, NoMemoryError, NoSandboxError, NotRunningError, SetupError,
    KeysError, AuthError, SshError, ChannelError, SftpUnavailableError,
    NotFoundError, PermissionDeniedError, ExistsError, SftpError,
    NotATtyError, LocalIOError)}


def error_for(code, message, name=None):
    """The exception for msb_status code with message (name: its status name)."""
    cls = _BY_CODE.get(code, MsbError)
    return cls(message, status=name or cls.status, code=code)
