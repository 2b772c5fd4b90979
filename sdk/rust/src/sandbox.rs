//! Sandbox and its ssh() namespace: client and server endpoints.
use std::ffi::CString;
use std::sync::Arc;

use crate::client::SshClient;
use crate::error::{Error, Result, Status};
use crate::ffi;
use crate::handle::{blocking, cstring, opt_cstring, opt_ptr};
use crate::server::SshServer;

/// An existing sandbox, by name (under `$MSB_HOME`, default
/// `~/.microsandbox`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Sandbox {
    name: Arc<str>,
    cname: Arc<CString>,
}

/// Runs `f` on a fresh `msb_sandbox` handle on `name`, closed after.
/// Each call gets its own handle, so the message a failure leaves in it
/// belongs to that call even when several threads connect at once.
fn with_handle<T>(
    name: &CString,
    f: impl FnOnce(*mut ffi::msb_sandbox) -> Result<T>,
) -> Result<T> {
    let mut sb: *mut ffi::msb_sandbox = std::ptr::null_mut();
    let st = unsafe { ffi::msb_sandbox_open(name.as_ptr(), &mut sb) };
    let result = if st != ffi::MSB_OK {
        if sb.is_null() {
            Err(Error::Msb { status: Status::from_code(st), message: "out of memory".into() })
        } else {
            Err(Error::from_msb(st, unsafe { ffi::msb_sandbox_errmsg(sb) }))
        }
    } else {
        f(sb)
    };
    unsafe { ffi::msb_sandbox_close(sb) };
    result
}

impl Sandbox {
    /// The sandbox called `name`: `Status::NoSandbox` when there is none,
    /// `Status::Invalid` for a bad name. Nothing connects yet.
    pub async fn get(name: impl Into<String>) -> Result<Sandbox> {
        let name: String = name.into();
        let cname = Arc::new(cstring(&name, "the sandbox name")?);
        let check = Arc::clone(&cname);
        blocking(move || with_handle(&check, |_| Ok(()))).await?;
        Ok(Sandbox { name: name.into(), cname })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The SSH namespace for this sandbox; nothing connects until
    /// `connect()` or `server()`.
    pub fn ssh(&self) -> SandboxSsh {
        SandboxSsh { sandbox: self.clone() }
    }
}

/// Options of `ssh.connect_with()`.
#[derive(Clone, Debug)]
pub struct SshClientOptions {
    user: String,
    term: Option<String>,
    sftp: bool,
}

/// Builder of [`SshClientOptions`]: user `root`, terminal from `$TERM`
/// (else `xterm`), SFTP enabled.
#[derive(Clone, Debug)]
pub struct SshClientOptionsBuilder {
    opts: SshClientOptions,
}

impl Default for SshClientOptionsBuilder {
    fn default() -> Self {
        SshClientOptionsBuilder {
            opts: SshClientOptions { user: "root".into(), term: None, sftp: true },
        }
    }
}

impl SshClientOptionsBuilder {
    /// SSH login user, which is the guest user. Default `root`.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.opts.user = user.into();
        self
    }
    /// Terminal name for PTYs (exec with tty, attach).
    pub fn term(mut self, term: impl Into<String>) -> Self {
        self.opts.term = Some(term.into());
        self
    }
    /// Whether the internal server offers SFTP. Default `true`.
    pub fn sftp(mut self, enabled: bool) -> Self {
        self.opts.sftp = enabled;
        self
    }
    pub fn build(self) -> SshClientOptions {
        self.opts
    }
}

/// Options of `ssh.server_with()`.
#[derive(Clone, Debug)]
pub struct SshServerOptions {
    host_key_path: Option<String>,
    host_key: Option<String>,
    authorized_keys_path: Option<String>,
    authorized_keys: Vec<String>,
    user: Option<String>,
    sftp: bool,
}

/// Builder of [`SshServerOptions`]. SFTP is enabled by default; with no
/// authorized keys given, `MSB_HOME/ssh/authorized_keys` is used.
#[derive(Clone, Debug)]
pub struct SshServerOptionsBuilder {
    opts: SshServerOptions,
}

impl Default for SshServerOptionsBuilder {
    fn default() -> Self {
        SshServerOptionsBuilder {
            opts: SshServerOptions {
                host_key_path: None,
                host_key: None,
                authorized_keys_path: None,
                authorized_keys: Vec::new(),
                user: None,
                sftp: true,
            },
        }
    }
}

impl SshServerOptionsBuilder {
    /// Host private key file; default `MSB_HOME/ssh/host_ed25519_key`,
    /// created if missing.
    pub fn host_key_path(mut self, path: impl Into<String>) -> Self {
        self.opts.host_key_path = Some(path.into());
        self
    }
    /// An OpenSSH private key in memory (its text); wins over the path.
    pub fn host_key(mut self, key: impl Into<String>) -> Self {
        self.opts.host_key = Some(key.into());
        self
    }
    /// An authorized_keys file, read on every connection unless keys are
    /// also given with `authorized_key()` (then it is read once, now).
    pub fn authorized_keys_path(mut self, path: impl Into<String>) -> Self {
        self.opts.authorized_keys_path = Some(path.into());
        self
    }
    /// Adds one public key line ("ssh-ed25519 AAAA... comment").
    pub fn authorized_key(mut self, key: impl Into<String>) -> Self {
        self.opts.authorized_keys.push(key.into());
        self
    }
    /// The guest user for every request; default the login name.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.opts.user = Some(user.into());
        self
    }
    /// Whether SFTP is served. Default `true`.
    pub fn sftp(mut self, enabled: bool) -> Self {
        self.opts.sftp = enabled;
        self
    }
    pub fn build(self) -> SshServerOptions {
        self.opts
    }
}

/// The SSH namespace of a sandbox, from [`Sandbox::ssh`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SandboxSsh {
    sandbox: Sandbox,
}

impl SandboxSsh {
    /// Connects a native in-process client with the default options: no
    /// listener, key file or ssh binary is involved.
    pub async fn connect(&self) -> Result<SshClient> {
        self.connect_with(|o| o).await
    }

    /// Alias of [`connect`](Self::connect).
    pub async fn open_client(&self) -> Result<SshClient> {
        self.connect().await
    }

    /// Connects with options. Errors: `NoSandbox`, `NotRunning`, `Setup`,
    /// `Ssh`.
    pub async fn connect_with(
        &self,
        f: impl FnOnce(SshClientOptionsBuilder) -> SshClientOptionsBuilder,
    ) -> Result<SshClient> {
        let opts = f(SshClientOptionsBuilder::default()).build();
        let user = cstring(&opts.user, "the user")?;
        let term = opt_cstring(opts.term.as_deref(), "the term")?;
        let sftp = opts.sftp;
        let sandbox = self.sandbox.clone();
        blocking(move || {
            with_handle(&sandbox.cname, |sb| {
                let mut copts = ffi::msb_ssh_client_opts {
                    user: std::ptr::null(),
                    term: std::ptr::null(),
                    sftp: 1,
                };
                unsafe { ffi::msb_ssh_client_opts_init(&mut copts) };
                copts.user = user.as_ptr();
                copts.term = opt_ptr(&term);
                copts.sftp = sftp as i32;
                let mut out: *mut ffi::msb_ssh_client = std::ptr::null_mut();
                let st = unsafe { ffi::msb_ssh_connect(sb, &copts, &mut out) };
                if st != ffi::MSB_OK {
                    return Err(Error::from_msb(st, unsafe { ffi::msb_sandbox_errmsg(sb) }));
                }
                Ok(SshClient::new(out, sandbox.name.to_string(), opts.user))
            })
        })
        .await
    }

    /// Alias of [`connect_with`](Self::connect_with).
    pub async fn open_client_with(
        &self,
        f: impl FnOnce(SshClientOptionsBuilder) -> SshClientOptionsBuilder,
    ) -> Result<SshClient> {
        self.connect_with(f).await
    }

    /// Prepares a reusable server endpoint with the default options.
    pub async fn server(&self) -> Result<SshServer> {
        self.server_with(|o| o).await
    }

    /// Alias of [`server`](Self::server).
    pub async fn prepare_server(&self) -> Result<SshServer> {
        self.server().await
    }

    /// Prepares a reusable server endpoint with options. A key set without
    /// one usable key, or an unreadable host key, is `Status::Keys`.
    pub async fn server_with(
        &self,
        f: impl FnOnce(SshServerOptionsBuilder) -> SshServerOptionsBuilder,
    ) -> Result<SshServer> {
        let opts = f(SshServerOptionsBuilder::default()).build();
        let host_key_path = opt_cstring(opts.host_key_path.as_deref(), "the host key path")?;
        let host_key = opt_cstring(opts.host_key.as_deref(), "the host key")?;
        let keys_path = opt_cstring(opts.authorized_keys_path.as_deref(), "the authorized keys path")?;
        let user = opt_cstring(opts.user.as_deref(), "the user")?;
        let keys = opts
            .authorized_keys
            .iter()
            .map(|k| cstring(k, "an authorized key"))
            .collect::<Result<Vec<CString>>>()?;
        let sftp = opts.sftp;
        let sandbox = self.sandbox.clone();
        blocking(move || {
            let key_ptrs: Vec<*const std::os::raw::c_char> = keys.iter().map(|k| k.as_ptr()).collect();
            with_handle(&sandbox.cname, |sb| {
                let mut sopts = ffi::msb_ssh_server_opts {
                    host_key_path: std::ptr::null(),
                    host_key: std::ptr::null(),
                    authorized_keys_path: std::ptr::null(),
                    authorized_keys: std::ptr::null(),
                    n_authorized_keys: 0,
                    user: std::ptr::null(),
                    sftp: 1,
                };
                unsafe { ffi::msb_ssh_server_opts_init(&mut sopts) };
                sopts.host_key_path = opt_ptr(&host_key_path);
                sopts.host_key = opt_ptr(&host_key);
                sopts.authorized_keys_path = opt_ptr(&keys_path);
                if !key_ptrs.is_empty() {
                    sopts.authorized_keys = key_ptrs.as_ptr();
                    sopts.n_authorized_keys = key_ptrs.len();
                }
                sopts.user = opt_ptr(&user);
                sopts.sftp = sftp as i32;
                let mut out: *mut ffi::msb_ssh_server = std::ptr::null_mut();
                let st = unsafe { ffi::msb_ssh_server_new(sb, &sopts, &mut out) };
                if st != ffi::MSB_OK {
                    return Err(Error::from_msb(st, unsafe { ffi::msb_sandbox_errmsg(sb) }));
                }
                Ok(SshServer::new(out, sandbox.name.to_string()))
            })
        })
        .await
    }

    /// Alias of [`server_with`](Self::server_with).
    pub async fn prepare_server_with(
        &self,
        f: impl FnOnce(SshServerOptionsBuilder) -> SshServerOptionsBuilder,
    ) -> Result<SshServer> {
        self.server_with(f).await
    }
}
