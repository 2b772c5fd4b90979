package msb

/*
#include <msb/msb.h>
*/
import "C"

import (
	"errors"
	"io/fs"
)

// Status is libmsb's msb_status: which kind of failure a call had.
type Status int

// The statuses libmsb returns, in msb_status order.
const (
	StatusOK              Status = C.MSB_OK
	StatusInvalid         Status = C.MSB_ERR_INVALID
	StatusNoMem           Status = C.MSB_ERR_NOMEM
	StatusNoSandbox       Status = C.MSB_ERR_NO_SANDBOX
	StatusNotRunning      Status = C.MSB_ERR_NOT_RUNNING
	StatusSetup           Status = C.MSB_ERR_SETUP
	StatusKeys            Status = C.MSB_ERR_KEYS
	StatusAuth            Status = C.MSB_ERR_AUTH
	StatusSSH             Status = C.MSB_ERR_SSH
	StatusChannel         Status = C.MSB_ERR_CHANNEL
	StatusSFTPUnavailable Status = C.MSB_ERR_SFTP_UNAVAILABLE
	StatusNotFound        Status = C.MSB_ERR_NOT_FOUND
	StatusPermission      Status = C.MSB_ERR_PERMISSION
	StatusExists          Status = C.MSB_ERR_EXISTS
	StatusSFTP            Status = C.MSB_ERR_SFTP
	StatusNotATTY         Status = C.MSB_ERR_NOT_A_TTY
	StatusIO              Status = C.MSB_ERR_IO
)

// String is libmsb's name for the status, "MSB_ERR_NOT_RUNNING" and so on.
func (s Status) String() string {
	return C.GoString(C.msb_status_name(C.msb_status(s)))
}

// Sentinels for errors.Is: every *Error matches the one of its Code.
var (
	ErrInvalid         = errors.New("msb: invalid argument")
	ErrNoMem           = errors.New("msb: out of memory")
	ErrNoSandbox       = errors.New("msb: no such sandbox")
	ErrNotRunning      = errors.New("msb: sandbox not running")
	ErrSetup           = errors.New("msb: host not set up")
	ErrKeys            = errors.New("msb: unusable keys")
	ErrAuth            = errors.New("msb: authentication failed")
	ErrSSH             = errors.New("msb: SSH connection failed or lost")
	ErrChannel         = errors.New("msb: channel refused")
	ErrSFTPUnavailable = errors.New("msb: SFTP unavailable")
	ErrNotFound        = errors.New("msb: no such file or directory")
	ErrPermission      = errors.New("msb: permission denied")
	ErrExists          = errors.New("msb: file exists")
	ErrSFTP            = errors.New("msb: SFTP failure")
	ErrNotATTY         = errors.New("msb: not a terminal")
	ErrIO              = errors.New("msb: local I/O failure")
	// ErrClosed is the binding's own: the handle was closed (or shut down
	// by a cancelled context). Such an error has Code StatusInvalid, as
	// libmsb has no status of its own for it.
	ErrClosed = errors.New("msb: closed")
)

var sentinels = map[Status]error{
	StatusInvalid: ErrInvalid, StatusNoMem: ErrNoMem, StatusNoSandbox: ErrNoSandbox,
	StatusNotRunning: ErrNotRunning, StatusSetup: ErrSetup, StatusKeys: ErrKeys,
	StatusAuth: ErrAuth, StatusSSH: ErrSSH, StatusChannel: ErrChannel,
	StatusSFTPUnavailable: ErrSFTPUnavailable, StatusNotFound: ErrNotFound,
	StatusPermission: ErrPermission, StatusExists: ErrExists, StatusSFTP: ErrSFTP,
	StatusNotATTY: ErrNotATTY, StatusIO: ErrIO,
}

// Error is a failed libmsb call: its status and the library's message.
type Error struct {
	Code    Status
	Message string
	closed  bool
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code.String()
	}
	return e.Code.String() + ": " + e.Message
}

// Is matches the sentinel of e's Code; the SFTP path errors also match
// ErrSFTP and io/fs's ErrNotExist, ErrPermission and ErrExist, so code
// written for os.* file errors reads them too.
func (e *Error) Is(target error) bool {
	if target == sentinels[e.Code] || (e.closed && target == ErrClosed) {
		return true
	}
	switch e.Code {
	case StatusNotFound:
		return target == ErrSFTP || target == fs.ErrNotExist
	case StatusPermission:
		return target == ErrSFTP || target == fs.ErrPermission
	case StatusExists:
		return target == ErrSFTP || target == fs.ErrExist
	}
	return false
}

func newError(st C.msb_status, msg *C.char) error {
	return &Error{Code: Status(st), Message: C.GoString(msg)}
}

func closedError(what string) error {
	return &Error{Code: StatusInvalid, Message: "the " + what + " is closed", closed: true}
}
