package msb

/*
#cgo pkg-config: msb
#include <stdlib.h>
#include <msb/msb.h>
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Sandbox names an existing sandbox under MSB_HOME (default
// ~/.microsandbox). It holds nothing open: every call opens its own libmsb
// sandbox handle, so calls from several goroutines never share one
// handle's error message.
type Sandbox struct {
	name string
}

// OpenSandbox checks that a sandbox called name exists (it need not be
// running): ErrInvalid for a bad name, ErrNoSandbox when there is none.
func OpenSandbox(name string) (*Sandbox, error) {
	err := withSandbox(name, func(*C.msb_sandbox) error { return nil })
	if err != nil {
		return nil, err
	}
	return &Sandbox{name: name}, nil
}

// Name is the sandbox's name.
func (s *Sandbox) Name() string { return s.name }

// SSH returns the SSH operations namespace for this sandbox.
func (s *Sandbox) SSH() *SandboxSSHOps { return &SandboxSSHOps{sb: s} }

// SandboxSSHOps groups the client and server entry points; it holds no
// resources of its own.
type SandboxSSHOps struct {
	sb *Sandbox
}

// withSandbox runs fn on a fresh libmsb handle for name; a failure of
// fn's C call leaves its message in that handle.
func withSandbox(name string, fn func(*C.msb_sandbox) error) error {
	cname, err := cstring(name, "the sandbox name")
	if err != nil {
		return err
	}
	defer cfree(cname)
	var sb *C.msb_sandbox
	st := C.msb_sandbox_open(cname, &sb)
	if sb == nil {
		return &Error{Code: Status(st), Message: "cannot open a sandbox handle"}
	}
	defer C.msb_sandbox_close(sb)
	if st != C.MSB_OK {
		return newError(st, C.msb_sandbox_errmsg(sb))
	}
	return fn(sb)
}

// cstring is s as a C string (free it), or an ErrInvalid naming what when
// s holds a NUL byte, which C would silently cut it at.
func cstring(s, what string) (*C.char, error) {
	if err := nulError(s, what); err != nil {
		return nil, err
	}
	return C.CString(s), nil
}

func nulError(s, what string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return &Error{Code: StatusInvalid, Message: what + " contains a NUL byte"}
	}
	return nil
}

func cfree(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}
