package msb

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
)

// handle guards one C handle shared by goroutines: calls hold it while they
// run, and the C free function runs once, after close and after the last
// call in flight has returned, so no call ever runs on freed memory (libmsb
// forbids closing a client while a call on it runs).
type handle struct {
	what  string
	mu    sync.Mutex
	busy  int
	shut  bool
	free  func() // nil once taken
	freed chan struct{}
}

func newHandle(what string, free func()) *handle {
	return &handle{what: what, free: free, freed: make(chan struct{})}
}

func (h *handle) acquire() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		return closedError(h.what)
	}
	h.busy++
	return nil
}

// takeLocked hands out the free function once nothing can use the handle.
func (h *handle) takeLocked() func() {
	if !h.shut || h.busy > 0 || h.free == nil {
		return nil
	}
	f := h.free
	h.free = nil
	return f
}

func (h *handle) finish(f func()) {
	if f != nil {
		f()
		close(h.freed)
	}
}

func (h *handle) release() {
	h.mu.Lock()
	h.busy--
	f := h.takeLocked()
	h.mu.Unlock()
	h.finish(f)
}

// close refuses new calls and frees the handle now, or when the calls in
// flight return.
func (h *handle) close() {
	h.mu.Lock()
	h.shut = true
	f := h.takeLocked()
	h.mu.Unlock()
	h.finish(f)
}

func (h *handle) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.shut
}

// wait returns once the handle is freed, or with ctx's error first.
func (h *handle) wait(ctx context.Context) error {
	select {
	case <-h.freed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs fn, a blocking libmsb call, while holding h. libmsb has no way
// to interrupt a call, so with a cancellable ctx fn runs in its own
// goroutine: when ctx ends first, call runs abort (which makes the C call
// return by ending its connection) and returns ctx.Err() at once, and
// the goroutine releases h when the C call has returned. fn must free
// whatever libmsb returned to it itself, since nobody may read its results.
func call(ctx context.Context, h *handle, abort func(), fn func() error) error {
	if err := h.acquire(); err != nil {
		return err
	}
	if ctx.Done() == nil {
		defer h.release()
		return fn()
	}
	if err := ctx.Err(); err != nil {
		h.release()
		return err
	}
	done := make(chan error, 1)
	go func() {
		defer h.release()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// A call that has just finished keeps its result.
		select {
		case err := <-done:
			return err
		default:
		}
		abort()
		return ctx.Err()
	}
}

// monitorChildren lists this process's children that run msb-monitor, the
// internal server libmsb starts for a native client or a served
// connection: pid -> whether it took its host key through a descriptor,
// which libmsb does for a native client's generated key and this binding
// never does for a server endpoint (it has only the path options).
// libmsb keeps the pid to itself and can interrupt a client but not a
// served connection: ending that process is the one way to make
// ServeConnection's call return.
func monitorChildren() map[int]bool {
	found := map[int]bool{}
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return found
	}
	me := os.Getpid()
	for _, d := range dir {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || end < open || string(stat[open+1:end]) != "msb-monitor" {
			continue
		}
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(me) {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil {
			continue
		}
		found[pid] = bytes.Contains(cmdline, []byte("\x00--host-key-fd\x00"))
	}
	return found
}
