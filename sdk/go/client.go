package msb

/*
#include <stdlib.h>
#include <msb/msb.h>
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
)

// Detached is what Attach returns when the detach keys ended it; no exit
// status is negative, so it cannot be taken for one.
const Detached = -1

// SSHClientOption configures OpenClient.
type SSHClientOption func(*clientConfig)

type clientConfig struct {
	user, term string
	sftp       bool
}

// WithSSHUser sets the SSH login user, which is the guest user. Default "root".
func WithSSHUser(user string) SSHClientOption { return func(c *clientConfig) { c.user = user } }

// WithSSHTerm sets the terminal name for PTYs. Default $TERM, else "xterm".
func WithSSHTerm(term string) SSHClientOption { return func(c *clientConfig) { c.term = term } }

// WithSSHClientSFTP enables or disables SFTP on the internal server. Default true.
func WithSSHClientSFTP(enabled bool) SSHClientOption {
	return func(c *clientConfig) { c.sftp = enabled }
}

// SSHExecOption configures Exec.
type SSHExecOption func(*execConfig)

type execConfig struct{ tty bool }

// WithSSHTTY requests a PTY (80x24) for the exec channel; stderr then
// arrives in Stdout.
func WithSSHTTY(enabled bool) SSHExecOption { return func(c *execConfig) { c.tty = enabled } }

// SSHAttachOption configures Attach.
type SSHAttachOption func(*attachConfig)

type attachConfig struct {
	term, detachKeys *string
}

// WithSSHAttachTerm sets the terminal name for the shell. Default: the client's.
func WithSSHAttachTerm(term string) SSHAttachOption {
	return func(c *attachConfig) { c.term = &term }
}

// WithSSHDetachKeys sets the detach key sequence in Docker's notation
// ("ctrl-p,ctrl-q", the default; "" disables detaching).
func WithSSHDetachKeys(keys string) SSHAttachOption {
	return func(c *attachConfig) { c.detachKeys = &keys }
}

// SSHOutput is a finished command: its exit status and everything it wrote.
type SSHOutput struct {
	Status int // exit status; 128+N when the command died by signal N
	Signal int // N when the command died by signal N, else 0
	Stdout []byte
	Stderr []byte
}

// Success reports whether the command exited with status 0.
func (o SSHOutput) Success() bool { return o.Status == 0 && o.Signal == 0 }

// SSHClient is a native in-process SSH client session. Its methods may be
// called from several goroutines at once: exec calls run concurrently over
// the one connection.
//
// Cancelling the context of a blocking call returns ctx.Err() at once and
// shuts the whole client down: libmsb interrupts a client, not one call
// (msb_ssh_client_interrupt), so every call on the client and its SFTP
// sessions returns (the others with ErrSSH), and the client is closed once
// they have.
type SSHClient struct {
	h *handle
	c *C.msb_ssh_client

	mu    sync.Mutex
	sftps map[*handle]struct{}
}

// OpenClient connects a native client to the running sandbox: ErrNoSandbox,
// ErrNotRunning, ErrSetup or ErrSSH when it cannot. With a cancelled ctx it
// returns ctx.Err() at once and closes the client when the connection
// attempt ends (libmsb bounds it at 60 s).
func (ssh *SandboxSSHOps) OpenClient(ctx context.Context, opts ...SSHClientOption) (*SSHClient, error) {
	cfg := clientConfig{user: "root", sftp: true}
	for _, o := range opts {
		o(&cfg)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ctx.Done() == nil {
		return connect(ssh.sb.name, &cfg)
	}
	type result struct {
		c   *SSHClient
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := connect(ssh.sb.name, &cfg)
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.shutdown()
			}
		}()
		return nil, ctx.Err()
	}
}

func connect(name string, cfg *clientConfig) (*SSHClient, error) {
	var out *C.msb_ssh_client
	err := withSandbox(name, func(sb *C.msb_sandbox) error {
		user, err := cstring(cfg.user, "the user")
		if err != nil {
			return err
		}
		defer cfree(user)
		var term *C.char
		if cfg.term != "" {
			if term, err = cstring(cfg.term, "the term"); err != nil {
				return err
			}
			defer cfree(term)
		}
		var o C.msb_ssh_client_opts
		C.msb_ssh_client_opts_init(&o)
		o.user, o.term = user, term
		o.sftp = 0
		if cfg.sftp {
			o.sftp = 1
		}
		st := C.msb_ssh_connect(sb, &o, &out)
		if st != C.MSB_OK {
			return newError(st, C.msb_sandbox_errmsg(sb))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := &SSHClient{c: out, sftps: map[*handle]struct{}{}}
	c.h = newHandle("SSH client", func() { C.msb_ssh_client_close(out) })
	// An unreachable client cannot have calls in flight (they hold it),
	// so this frees it at once, after its SFTP sessions.
	// In a goroutine of its own: freeing waits for the internal server to
	// end, which must not hold up Go's one finalizer goroutine.
	runtime.SetFinalizer(c, func(c *SSHClient) { go c.shutdown() })
	return c, nil
}

// shutdown refuses new calls and closes the SFTP sessions; the C client is
// freed when the last call in flight and the last SFTP session are done.
func (c *SSHClient) shutdown() {
	c.h.close()
	c.mu.Lock()
	children := make([]*handle, 0, len(c.sftps))
	for h := range c.sftps {
		children = append(children, h)
	}
	c.mu.Unlock()
	for _, h := range children {
		h.close()
	}
}

// abort makes every call on the client return, for a cancelled context.
func (c *SSHClient) abort() {
	c.h.mu.Lock()
	// The free function is still there while the C client is: after it is
	// taken, the client may be gone.
	if c.h.free != nil {
		C.msb_ssh_client_interrupt(c.c)
	}
	c.h.mu.Unlock()
	c.shutdown()
}

// Close disconnects, after closing the client's SFTP sessions and waiting
// for calls in flight; ctx bounds that wait (the client is freed when they
// end all the same). Closing twice is harmless.
func (c *SSHClient) Close(ctx context.Context) error {
	c.shutdown()
	return c.h.wait(ctx)
}

func (c *SSHClient) errmsg(st C.msb_status) error {
	return newError(st, C.msb_ssh_client_errmsg(c.c))
}

// Exec runs command through the sandbox shell (sh -c) with no stdin and
// collects its output. A command that fails is not an error: look at
// Status or Success. Errors: ErrInvalid, ErrChannel, ErrSSH, ErrClosed.
func (c *SSHClient) Exec(ctx context.Context, command string, opts ...SSHExecOption) (*SSHOutput, error) {
	var cfg execConfig
	for _, o := range opts {
		o(&cfg)
	}
	var out *SSHOutput
	err := call(ctx, c.h, c.abort, func() error {
		cmd, err := cstring(command, "the command")
		if err != nil {
			return err
		}
		defer cfree(cmd)
		var eo C.msb_ssh_exec_opts
		C.msb_ssh_exec_opts_init(&eo)
		if cfg.tty {
			eo.tty = 1
		}
		var o C.msb_ssh_output
		if st := C.msb_ssh_client_exec_with(c.c, cmd, &eo, &o); st != C.MSB_OK {
			return c.errmsg(st)
		}
		out = &SSHOutput{
			Status: int(o.status),
			Signal: int(o.signal),
			Stdout: goBytes(o.stdout_data, o.stdout_len),
			Stderr: goBytes(o.stderr_data, o.stderr_len),
		}
		C.msb_ssh_output_free(&o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Attach bridges this process's terminal (stdin and stdout must be one,
// else ErrNotATTY) to an interactive shell with a PTY of its size, in raw
// mode until it returns. It returns the shell's exit code (128 when it
// died by a signal), or Detached when the detach keys were typed; msb's
// server then hangs up the shell.
func (c *SSHClient) Attach(ctx context.Context, opts ...SSHAttachOption) (int, error) {
	var cfg attachConfig
	for _, o := range opts {
		o(&cfg)
	}
	code := 0
	err := call(ctx, c.h, c.abort, func() error {
		var ao C.msb_ssh_attach_opts
		C.msb_ssh_attach_opts_init(&ao)
		if cfg.term != nil {
			term, err := cstring(*cfg.term, "the term")
			if err != nil {
				return err
			}
			defer cfree(term)
			ao.term = term
		}
		if cfg.detachKeys != nil {
			keys, err := cstring(*cfg.detachKeys, "the detach keys")
			if err != nil {
				return err
			}
			defer cfree(keys)
			ao.detach_keys = keys
		}
		var exit C.int
		switch st := C.msb_ssh_client_attach_with(c.c, &ao, &exit); st {
		case C.MSB_OK:
			code = int(exit)
		case C.MSB_DETACHED:
			code = Detached
		default:
			return c.errmsg(st)
		}
		return nil
	})
	if err != nil {
		// After a cancellation the call may still be writing code.
		return 0, err
	}
	return code, nil
}

// SFTP opens an SFTP session over this connection: ErrSFTPUnavailable when
// the client was opened with WithSSHClientSFTP(false).
func (c *SSHClient) SFTP(ctx context.Context) (*SFTPClient, error) {
	var s *SFTPClient
	err := call(ctx, c.h, c.abort, func() error {
		var out *C.msb_sftp
		if st := C.msb_ssh_client_sftp(c.c, &out); st != C.MSB_OK {
			return c.errmsg(st)
		}
		s = newSFTP(c, out)
		return nil
	})
	if err != nil {
		// After a cancellation the call may still be writing s.
		return nil, err
	}
	return s, nil
}
