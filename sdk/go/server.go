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
	"syscall"
	"time"
)

// SSHServerOption configures PrepareServer.
type SSHServerOption func(*serverConfig)

type serverConfig struct {
	hostKeyPath, authorizedKeysPath, user string
	sftp                                  bool
}

// WithSSHHostKeyPath sets the host private key file. Default
// MSB_HOME/ssh/host_ed25519_key, created if missing.
func WithSSHHostKeyPath(path string) SSHServerOption {
	return func(c *serverConfig) { c.hostKeyPath = path }
}

// WithSSHAuthorizedKeysPath sets the authorized-keys file, read on every
// connection. Default MSB_HOME/ssh/authorized_keys.
func WithSSHAuthorizedKeysPath(path string) SSHServerOption {
	return func(c *serverConfig) { c.authorizedKeysPath = path }
}

// WithSSHServerUser sets the guest user for every request. Default: the
// login name the client asks for.
func WithSSHServerUser(user string) SSHServerOption {
	return func(c *serverConfig) { c.user = user }
}

// WithSSHServerSFTP enables or disables SFTP on the endpoint. Default true.
func WithSSHServerSFTP(enabled bool) SSHServerOption {
	return func(c *serverConfig) { c.sftp = enabled }
}

// SSHServer is a prepared, reusable SSH server endpoint for a sandbox.
type SSHServer struct {
	h *handle
	s *C.msb_ssh_server
}

// PrepareServer loads (or creates) the host key and checks the authorized
// keys: ErrKeys when either is unusable, ErrInvalid, ErrSetup. It does not
// block on the sandbox, which need not be running yet; ctx is only checked
// before it starts.
func (ssh *SandboxSSHOps) PrepareServer(ctx context.Context, opts ...SSHServerOption) (*SSHServer, error) {
	cfg := serverConfig{sftp: true}
	for _, o := range opts {
		o(&cfg)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out *C.msb_ssh_server
	err := withSandbox(ssh.sb.name, func(sb *C.msb_sandbox) error {
		var o C.msb_ssh_server_opts
		C.msb_ssh_server_opts_init(&o)
		for _, f := range []struct {
			val  string
			dst  **C.char
			what string
		}{
			{cfg.hostKeyPath, &o.host_key_path, "the host key path"},
			{cfg.authorizedKeysPath, &o.authorized_keys_path, "the authorized keys path"},
			{cfg.user, &o.user, "the user"},
		} {
			if f.val == "" {
				continue
			}
			p, err := cstring(f.val, f.what)
			if err != nil {
				return err
			}
			defer cfree(p)
			*f.dst = p
		}
		o.sftp = 0
		if cfg.sftp {
			o.sftp = 1
		}
		if st := C.msb_ssh_server_new(sb, &o, &out); st != C.MSB_OK {
			return newError(st, C.msb_sandbox_errmsg(sb))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	srv := &SSHServer{s: out}
	srv.h = newHandle("SSH server", func() { C.msb_ssh_server_close(out) })
	runtime.SetFinalizer(srv, func(srv *SSHServer) { go srv.h.close() })
	return srv, nil
}

// serveMu makes one ServeConnection at a time in this process: there is one
// stdin and stdout, and the msb-monitor child that appears while it runs is
// then known to be its own.
var serveMu sync.Mutex

// ServeConnection serves one SSH connection over this process's stdin and
// stdout (an OpenSSH ProxyCommand) and returns when it ends: nil, ErrAuth
// when the client never authenticated, ErrNotRunning, ErrSSH.
//
// Cancelling ctx returns ctx.Err() at once and ends the connection (SIGTERM
// to the msb-monitor serving it); the endpoint stays usable. The C call
// itself returns when stdin reaches EOF, since libmsb's relay passes on
// both directions to their end: an SSH client closes its ProxyCommand's
// stdin when the connection ends, and Close waits for that.
func (srv *SSHServer) ServeConnection(ctx context.Context) error {
	snapshot := make(chan map[int]bool, 1)
	finished := make(chan struct{})
	stop := func() { go stopServe(snapshot, finished) }
	return call(ctx, srv.h, stop, func() error {
		defer close(finished)
		serveMu.Lock()
		defer serveMu.Unlock()
		snapshot <- monitorChildren()
		if st := C.msb_ssh_server_serve_stdio(srv.s); st != C.MSB_OK {
			return newError(st, C.msb_ssh_server_errmsg(srv.s))
		}
		return nil
	})
}

// stopServe ends the msb-monitor a cancelled ServeConnection started, which
// may not have started yet: it keeps looking until the call has returned.
func stopServe(snapshot <-chan map[int]bool, finished <-chan struct{}) {
	var before map[int]bool
	select {
	case before = <-snapshot:
	case <-finished:
		return
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for pid, native := range monitorChildren() {
			if _, old := before[pid]; !old && !native {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
		select {
		case <-finished:
			return
		case <-tick.C:
		}
	}
}

// Close releases the endpoint once connections in flight have ended; ctx
// bounds that wait. Closing twice is harmless.
func (srv *SSHServer) Close(ctx context.Context) error {
	srv.h.close()
	return srv.h.wait(ctx)
}
