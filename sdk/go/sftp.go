package msb

/*
#include <stdlib.h>
#include <msb/msb.h>
*/
import "C"

import (
	"context"
	"io/fs"
	"runtime"
	"time"
	"unsafe"
)

// SFTPClient is an SFTP session over its client's connection. Paths are
// the guest's; relative ones are from the guest user's home. Operations
// from several goroutines run one at a time on a session (libmsb's lock),
// alongside exec calls on the client. Cancelling an operation's context
// shuts the client down, as for SSHClient's calls.
type SFTPClient struct {
	h      *handle
	s      *C.msb_sftp
	client *SSHClient
}

// newSFTP wraps s, which holds its client until it is freed; called while
// a call holds the client, so the client cannot be freed meanwhile.
func newSFTP(c *SSHClient, s *C.msb_sftp) *SFTPClient {
	c.h.mu.Lock()
	c.h.busy++
	c.h.mu.Unlock()
	// The free function holds the handle, not f: f reachable from itself
	// would never be finalized.
	var h *handle
	h = newHandle("SFTP session", func() {
		C.msb_sftp_close(s)
		c.mu.Lock()
		delete(c.sftps, h)
		c.mu.Unlock()
		c.h.release()
	})
	f := &SFTPClient{s: s, client: c, h: h}
	c.mu.Lock()
	c.sftps[f.h] = struct{}{}
	c.mu.Unlock()
	// A client shut down while this session was being opened (its context
	// was cancelled) did not see it: close it here.
	if c.h.isClosed() {
		f.h.close()
	}
	runtime.SetFinalizer(f, func(f *SFTPClient) { go f.h.close() })
	return f
}

// Close ends the SFTP session (the client stays open); ctx bounds the wait
// for operations in flight. Closing twice is harmless.
func (s *SFTPClient) Close(ctx context.Context) error {
	s.h.close()
	return s.h.wait(ctx)
}

func (s *SFTPClient) do(ctx context.Context, fn func() C.msb_status) error {
	return call(ctx, s.h, s.client.abort, func() error {
		if st := fn(); st != C.MSB_OK {
			return newError(st, C.msb_sftp_errmsg(s.s))
		}
		return nil
	})
}

// pathOp runs fn with path as a C string.
func (s *SFTPClient) pathOp(ctx context.Context, path string, fn func(*C.char) C.msb_status) error {
	return call(ctx, s.h, s.client.abort, func() error {
		p, err := cstring(path, "the path")
		if err != nil {
			return err
		}
		defer cfree(p)
		if st := fn(p); st != C.MSB_OK {
			return newError(st, C.msb_sftp_errmsg(s.s))
		}
		return nil
	})
}

// twoPathOp is pathOp for calls taking two paths; b is named what.
func (s *SFTPClient) twoPathOp(ctx context.Context, a, b, what string,
	fn func(*C.char, *C.char) C.msb_status) error {
	if err := nulError(b, what); err != nil {
		return err
	}
	return s.pathOp(ctx, a, func(pa *C.char) C.msb_status {
		pb := C.CString(b)
		defer cfree(pb)
		return fn(pa, pb)
	})
}

// Read reads a whole file into memory.
func (s *SFTPClient) Read(ctx context.Context, path string) ([]byte, error) {
	var data []byte
	err := s.pathOp(ctx, path, func(p *C.char) C.msb_status {
		var buf *C.uchar
		var n C.size_t
		st := C.msb_sftp_read(s.s, p, &buf, &n)
		if st == C.MSB_OK {
			data = goBytes(buf, n)
			C.msb_free(unsafe.Pointer(buf))
		}
		return st
	})
	if err != nil {
		// After a cancellation the call may still be writing data.
		return nil, err
	}
	return data, nil
}

// Write creates or truncates path (mode 0644) and writes data to it. data
// is handed to libmsb as it is, not copied.
func (s *SFTPClient) Write(ctx context.Context, path string, data []byte) error {
	return s.pathOp(ctx, path, func(p *C.char) C.msb_status {
		var ptr unsafe.Pointer
		if len(data) > 0 {
			ptr = unsafe.Pointer(&data[0])
		}
		return C.msb_sftp_write(s.s, p, ptr, C.size_t(len(data)))
	})
}

// Mkdir creates a directory (mode 0755).
func (s *SFTPClient) Mkdir(ctx context.Context, path string) error {
	return s.pathOp(ctx, path, func(p *C.char) C.msb_status { return C.msb_sftp_mkdir(s.s, p) })
}

// RemoveFile removes a file.
func (s *SFTPClient) RemoveFile(ctx context.Context, path string) error {
	return s.pathOp(ctx, path, func(p *C.char) C.msb_status { return C.msb_sftp_remove_file(s.s, p) })
}

// RemoveDir removes an empty directory.
func (s *SFTPClient) RemoveDir(ctx context.Context, path string) error {
	return s.pathOp(ctx, path, func(p *C.char) C.msb_status { return C.msb_sftp_remove_dir(s.s, p) })
}

// Rename renames a file or directory.
func (s *SFTPClient) Rename(ctx context.Context, oldPath, newPath string) error {
	return s.twoPathOp(ctx, oldPath, newPath, "the new path", func(a, b *C.char) C.msb_status {
		return C.msb_sftp_rename(s.s, a, b)
	})
}

// stringOp runs a call that returns a string for path.
func (s *SFTPClient) stringOp(ctx context.Context, path string,
	fn func(*C.char, **C.char) C.msb_status) (string, error) {
	var out string
	err := s.pathOp(ctx, path, func(p *C.char) C.msb_status {
		var r *C.char
		st := fn(p, &r)
		if st == C.MSB_OK {
			out = C.GoString(r)
			C.msb_free(unsafe.Pointer(r))
		}
		return st
	})
	if err != nil {
		// After a cancellation the call may still be writing out.
		return "", err
	}
	return out, nil
}

// RealPath resolves path to its canonical absolute form.
func (s *SFTPClient) RealPath(ctx context.Context, path string) (string, error) {
	return s.stringOp(ctx, path, func(p *C.char, r **C.char) C.msb_status {
		return C.msb_sftp_real_path(s.s, p, r)
	})
}

// ReadLink reads a symlink's target.
func (s *SFTPClient) ReadLink(ctx context.Context, path string) (string, error) {
	return s.stringOp(ctx, path, func(p *C.char, r **C.char) C.msb_status {
		return C.msb_sftp_read_link(s.s, p, r)
	})
}

// Symlink creates linkPath pointing at target.
func (s *SFTPClient) Symlink(ctx context.Context, target, linkPath string) error {
	return s.twoPathOp(ctx, target, linkPath, "the link path", func(t, l *C.char) C.msb_status {
		return C.msb_sftp_symlink(s.s, t, l)
	})
}

// SFTPAttrs are a file's attributes as the server reported them.
type SFTPAttrs struct {
	Size     uint64
	Mode     fs.FileMode // type and permission bits
	UID, GID uint32
	Atime    time.Time
	Mtime    time.Time
}

// SFTPEntry is one directory entry.
type SFTPEntry struct {
	Name  string
	Attrs SFTPAttrs
}

// Stat returns path's attributes, following symlinks.
func (s *SFTPClient) Stat(ctx context.Context, path string) (*SFTPAttrs, error) {
	var attrs *SFTPAttrs
	err := s.pathOp(ctx, path, func(p *C.char) C.msb_status {
		var a C.msb_sftp_attrs
		st := C.msb_sftp_stat(s.s, p, &a)
		if st == C.MSB_OK {
			v := goAttrs(&a)
			attrs = &v
		}
		return st
	})
	if err != nil {
		// After a cancellation the call may still be writing attrs.
		return nil, err
	}
	return attrs, nil
}

// ListDir lists every entry of a directory but . and .., in server order.
func (s *SFTPClient) ListDir(ctx context.Context, path string) ([]SFTPEntry, error) {
	var list []SFTPEntry
	err := s.pathOp(ctx, path, func(p *C.char) C.msb_status {
		var entries *C.msb_sftp_entry
		var n C.size_t
		st := C.msb_sftp_list_dir(s.s, p, &entries, &n)
		if st != C.MSB_OK {
			return st
		}
		defer C.msb_sftp_entries_free(entries, n)
		list = make([]SFTPEntry, 0, int(n))
		for _, e := range unsafe.Slice(entries, int(n)) {
			list = append(list, SFTPEntry{Name: C.GoString(e.name), Attrs: goAttrs(&e.attrs)})
		}
		return st
	})
	if err != nil {
		// After a cancellation the call may still be writing list.
		return nil, err
	}
	return list, nil
}

func goAttrs(a *C.msb_sftp_attrs) SFTPAttrs {
	return SFTPAttrs{
		Size:  uint64(a.size),
		Mode:  fileMode(uint32(a.mode)),
		UID:   uint32(a.uid),
		GID:   uint32(a.gid),
		Atime: time.Unix(int64(a.atime), 0),
		Mtime: time.Unix(int64(a.mtime), 0),
	}
}

// fileMode turns st_mode bits into an fs.FileMode.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & 0o170000 {
	case 0o040000:
		mode |= fs.ModeDir
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o010000:
		mode |= fs.ModeNamedPipe
	case 0o140000:
		mode |= fs.ModeSocket
	case 0o020000:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case 0o060000:
		mode |= fs.ModeDevice
	}
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// goBytes copies n bytes that libmsb returned into Go memory: the one copy
// the data makes on its way to the caller.
func goBytes(p *C.uchar, n C.size_t) []byte {
	b := make([]byte, int(n))
	if n > 0 {
		copy(b, unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
	}
	return b
}
