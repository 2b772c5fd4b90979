//! SshClient (ssh.connect()): exec, attach and SFTP over one native connection.
use std::os::raw::c_int;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::ffi;
use crate::handle::{blocking, cstring, opt_cstring, opt_ptr, take_bytes, Handle, Retain};
use crate::sftp::SftpClient;

/// What `attach()` returns when the detach keys ended it. No exit status
/// is negative, so it cannot be mistaken for one.
pub const DETACHED: i32 = -1;

/// A finished command: its exit status and everything it wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshOutput {
    /// Exit status; 128+N when the command died by signal N.
    pub status: i32,
    /// N when the command died by signal N, else 0.
    pub signal: i32,
    pub stdout: Bytes,
    /// Empty when a PTY was requested: stderr then arrives in stdout.
    pub stderr: Bytes,
}

impl SshOutput {
    /// True when the command exited with status 0.
    pub fn success(&self) -> bool {
        self.status == 0 && self.signal == 0
    }
}

/// Options of `client.exec_with()`.
#[derive(Clone, Debug, Default)]
pub struct SshExecOptions {
    tty: bool,
}

/// Builder of [`SshExecOptions`]: no PTY by default.
#[derive(Clone, Debug, Default)]
pub struct SshExecOptionsBuilder {
    opts: SshExecOptions,
}

impl SshExecOptionsBuilder {
    /// Requests a PTY (80x24); stderr then arrives in stdout.
    pub fn tty(mut self, tty: bool) -> Self {
        self.opts.tty = tty;
        self
    }
    pub fn build(self) -> SshExecOptions {
        self.opts
    }
}

/// Options of `client.attach_with()`.
#[derive(Clone, Debug, Default)]
pub struct SshAttachOptions {
    term: Option<String>,
    detach_keys: Option<String>,
    command: Option<String>,
}

/// Builder of [`SshAttachOptions`]: the client's terminal name, the
/// detach keys [`DEFAULT_DETACH_KEYS`](crate::DEFAULT_DETACH_KEYS), a
/// login shell.
#[derive(Clone, Debug, Default)]
pub struct SshAttachOptionsBuilder {
    opts: SshAttachOptions,
}

impl SshAttachOptionsBuilder {
    /// Terminal name for the shell.
    pub fn term(mut self, term: impl Into<String>) -> Self {
        self.opts.term = Some(term.into());
        self
    }
    /// Docker's notation: comma-separated keys, each a character or
    /// `ctrl-<c>`. `""` disables detaching.
    pub fn detach_keys(mut self, keys: impl Into<String>) -> Self {
        self.opts.detach_keys = Some(keys.into());
        self
    }
    /// Runs this with the PTY instead of the login shell (libmsb's
    /// `command` option; not on the reference page).
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.opts.command = Some(command.into());
        self
    }
    pub fn build(self) -> SshAttachOptions {
        self.opts
    }
}

unsafe fn free_client(c: *mut ffi::msb_ssh_client) {
    // Always MSB_OK: it frees c whatever happened to the connection.
    ffi::msb_ssh_client_close(c);
}

struct Inner {
    handle: Arc<Handle<ffi::msb_ssh_client>>,
    sftps: Mutex<Vec<Weak<Handle<ffi::msb_sftp>>>>,
}

impl Inner {
    /// Refuses new calls, closes the SFTP sessions opened on the client,
    /// waits for the calls in flight and frees the client. Blocking.
    fn close_now(&self) {
        self.handle.close(false);
        let sftps: Vec<_> = {
            let mut list = self.sftps.lock().unwrap_or_else(|e| e.into_inner());
            list.drain(..).collect()
        };
        for s in sftps.iter().filter_map(Weak::upgrade) {
            s.close(true);
        }
        self.handle.close(true);
    }
}

/// A native SSH client session on a running sandbox.
///
/// Calls take `&self` and may run at once: several `exec()` futures joined
/// together run their commands concurrently over the one connection.
/// Dropping the client closes it as well: at once when no call is in
/// flight (the dropping thread then waits for the internal server to end,
/// as `close()` does), else when the last one returns.
pub struct SshClient {
    inner: Arc<Inner>,
    sandbox: String,
    user: String,
}

impl std::fmt::Debug for SshClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshClient")
            .field("sandbox", &self.sandbox)
            .field("user", &self.user)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl SshClient {
    pub(crate) fn new(ptr: *mut ffi::msb_ssh_client, sandbox: String, user: String) -> SshClient {
        SshClient {
            inner: Arc::new(Inner {
                handle: Handle::new(ptr, "SSH client", free_client, None),
                sftps: Mutex::new(Vec::new()),
            }),
            sandbox,
            user,
        }
    }

    pub fn sandbox_name(&self) -> &str {
        &self.sandbox
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn is_closed(&self) -> bool {
        self.inner.handle.is_closed()
    }

    /// Runs `command` through the sandbox shell (`sh -c`) with no PTY and
    /// no stdin. A command that fails is not an error: look at
    /// `status` / `success()`. Errors: `Channel`, `Ssh`, `Invalid`.
    pub async fn exec(&self, command: impl Into<String>) -> Result<SshOutput> {
        self.exec_with(command, |o| o).await
    }

    /// Runs `command` with options (a PTY with `tty(true)`).
    pub async fn exec_with(
        &self,
        command: impl Into<String>,
        f: impl FnOnce(SshExecOptionsBuilder) -> SshExecOptionsBuilder,
    ) -> Result<SshOutput> {
        let command = cstring(&command.into(), "the command")?;
        let tty = f(SshExecOptionsBuilder::default()).build().tty;
        let handle = Arc::clone(&self.inner.handle);
        blocking(move || {
            let c = handle.borrow()?;
            let mut opts = ffi::msb_ssh_exec_opts { tty: 0 };
            unsafe { ffi::msb_ssh_exec_opts_init(&mut opts) };
            opts.tty = tty as c_int;
            let mut out = ffi::msb_ssh_output {
                status: 0,
                signal: 0,
                stdout_data: std::ptr::null_mut(),
                stdout_len: 0,
                stderr_data: std::ptr::null_mut(),
                stderr_len: 0,
            };
            let st = unsafe { ffi::msb_ssh_client_exec_with(c.ptr(), command.as_ptr(), &opts, &mut out) };
            if st != ffi::MSB_OK {
                return Err(Error::from_msb(st, unsafe { ffi::msb_ssh_client_errmsg(c.ptr()) }));
            }
            // The one copy out of libmsb's buffers; take_bytes frees each,
            // and msb_ssh_output_free then sees NULLs.
            let stdout = take_bytes(out.stdout_data, out.stdout_len);
            out.stdout_data = std::ptr::null_mut();
            let stderr = take_bytes(out.stderr_data, out.stderr_len);
            out.stderr_data = std::ptr::null_mut();
            let (status, signal) = (out.status, out.signal);
            // It also clears the struct, status included.
            unsafe { ffi::msb_ssh_output_free(&mut out) };
            Ok(SshOutput { status, signal, stdout: Bytes::from(stdout), stderr: Bytes::from(stderr) })
        })
        .await
    }

    /// Attaches this process's terminal to an interactive shell with the
    /// default options. Returns the shell's exit status (128 when it died
    /// by a signal) or [`DETACHED`] when the detach keys were typed.
    pub async fn attach(&self) -> Result<i32> {
        self.attach_with(|o| o).await
    }

    /// Attaches with options. stdin and stdout must be a terminal (else
    /// `Status::NotATty`); it is raw while attached and restored on return.
    /// Nothing else in the process may read the terminal meanwhile.
    pub async fn attach_with(
        &self,
        f: impl FnOnce(SshAttachOptionsBuilder) -> SshAttachOptionsBuilder,
    ) -> Result<i32> {
        let opts = f(SshAttachOptionsBuilder::default()).build();
        let term = opt_cstring(opts.term.as_deref(), "the term")?;
        let keys = opt_cstring(opts.detach_keys.as_deref(), "the detach keys")?;
        let command = opt_cstring(opts.command.as_deref(), "the command")?;
        let handle = Arc::clone(&self.inner.handle);
        blocking(move || {
            let c = handle.borrow()?;
            let mut copts = ffi::msb_ssh_attach_opts {
                term: std::ptr::null(),
                detach_keys: std::ptr::null(),
                command: std::ptr::null(),
            };
            unsafe { ffi::msb_ssh_attach_opts_init(&mut copts) };
            copts.term = opt_ptr(&term);
            if keys.is_some() {
                copts.detach_keys = opt_ptr(&keys);
            }
            copts.command = opt_ptr(&command);
            let mut code: c_int = 0;
            match unsafe { ffi::msb_ssh_client_attach_with(c.ptr(), &copts, &mut code) } {
                ffi::MSB_OK => Ok(code),
                ffi::MSB_DETACHED => Ok(DETACHED),
                st => Err(Error::from_msb(st, unsafe { ffi::msb_ssh_client_errmsg(c.ptr()) })),
            }
        })
        .await
    }

    /// Opens an SFTP session over this connection (`SftpUnavailable` when
    /// the client was connected with `sftp(false)`).
    pub async fn sftp(&self) -> Result<SftpClient> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let c = inner.handle.borrow()?;
            let mut out: *mut ffi::msb_sftp = std::ptr::null_mut();
            let st = unsafe { ffi::msb_ssh_client_sftp(c.ptr(), &mut out) };
            if st != ffi::MSB_OK {
                return Err(Error::from_msb(st, unsafe { ffi::msb_ssh_client_errmsg(c.ptr()) }));
            }
            // The session holds the client until it is freed itself.
            inner.handle.retain();
            let parent: Arc<dyn Retain> = Arc::clone(&inner.handle) as Arc<dyn Retain>;
            let sftp = SftpClient::new(out, parent);
            let mut list = inner.sftps.lock().unwrap_or_else(|e| e.into_inner());
            // close() marks the handle before it takes this list: a
            // session registered after that would be missed, so it is
            // closed here instead.
            if inner.handle.is_closed() {
                drop(list);
                drop(c);
                sftp.handle().close(true);
                return Err(Error::Closed { what: "SSH client" });
            }
            list.retain(|w| w.strong_count() > 0);
            list.push(Arc::downgrade(sftp.handle()));
            Ok(sftp)
        })
        .await
    }

    /// Closes the SFTP sessions opened on this client, disconnects and
    /// waits for the internal server to end. Calls still running on other
    /// tasks finish first.
    pub async fn close(self) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            inner.close_now();
            Ok(())
        })
        .await
    }
}

impl Drop for SshClient {
    fn drop(&mut self) {
        self.inner.handle.close(false);
    }
}
