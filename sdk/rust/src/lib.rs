//! msb: SSH into msb sandboxes from async Rust (tokio), over libmsb.
//!
//! Native sessions need no listener, key or ssh binary:
//!
//! ```no_run
//! # async fn demo() -> msb::Result<()> {
//! let sb = msb::Sandbox::get("devbox").await?;
//! let client = sb.ssh().connect().await?;          // 1. open an SSH client
//! let out = client.exec("uname -a").await?;        // 2. run a command
//! println!("{}", String::from_utf8_lossy(&out.stdout));
//! let sftp = client.sftp().await?;
//! sftp.write("/tmp/hello.txt", "hello").await?;
//! client.close().await?;                           // 3. close the session
//! # Ok(()) }
//! ```
//!
//! Every call that talks to the sandbox runs its libmsb call in tokio's
//! blocking pool, so the runtime keeps running; a tokio runtime is needed
//! (`Status::Io` / [`Error::Runtime`] without one). Dropping a future does
//! not stop a call already running: it ends in its thread and what it
//! returned is freed there. Failures are [`Error`], carrying libmsb's
//! [`Status`] and message.
//!
//! libmsb is linked as `pkg-config --libs msb` names it.

mod client;
mod error;
mod ffi;
mod handle;
mod sandbox;
mod server;
mod sftp;

pub use client::{
    SshAttachOptions, SshAttachOptionsBuilder, SshClient, SshExecOptions, SshExecOptionsBuilder,
    SshOutput, DETACHED,
};
pub use error::{Error, Result, Status};
pub use sandbox::{
    Sandbox, SandboxSsh, SshClientOptions, SshClientOptionsBuilder, SshServerOptions,
    SshServerOptionsBuilder,
};
pub use server::{SshServer, SshStdioStream};
pub use sftp::{SftpAttrs, SftpClient, SftpEntry};

/// Default SSH listener host of `msb ssh serve` (MSB_DEFAULT_SSH_HOST).
pub const DEFAULT_SSH_HOST: &str = "127.0.0.1";
/// Default SSH listener port of `msb ssh serve` (MSB_DEFAULT_SSH_PORT).
pub const DEFAULT_SSH_PORT: u16 = 2222;
/// The detach keys of `attach()` unless told otherwise (MSB_DEFAULT_DETACH_KEYS).
pub const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";
