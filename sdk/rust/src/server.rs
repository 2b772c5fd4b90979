//! SshServer (ssh.server()): serve a sandbox to external SSH clients.
use std::any::Any;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::error::{Error, Result};
use crate::ffi;
use crate::handle::{blocking, Handle};

unsafe fn free_server(srv: *mut ffi::msb_ssh_server) {
    ffi::msb_ssh_server_close(srv);
}

/// A prepared, reusable SSH server endpoint for one sandbox. Cloneable:
/// the clones share the endpoint, freed when the last is dropped or on
/// `close()`. Each serve call runs msb's privilege-separated server for one
/// connection; calls may run one after another or at the same time.
#[derive(Clone)]
pub struct SshServer {
    handle: Arc<Handle<ffi::msb_ssh_server>>,
    sandbox: Arc<str>,
}

impl std::fmt::Debug for SshServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshServer")
            .field("sandbox", &self.sandbox)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl SshServer {
    pub(crate) fn new(ptr: *mut ffi::msb_ssh_server, sandbox: String) -> SshServer {
        SshServer {
            handle: Handle::new(ptr, "SSH server endpoint", free_server, None),
            sandbox: sandbox.into(),
        }
    }

    pub fn sandbox_name(&self) -> &str {
        &self.sandbox
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    async fn serve_with<F>(&self, f: F) -> Result<()>
    where
        F: FnOnce(*mut ffi::msb_ssh_server) -> ffi::msb_status + Send + 'static,
    {
        let handle = Arc::clone(&self.handle);
        blocking(move || {
            let srv = handle.borrow()?;
            match f(srv.ptr()) {
                ffi::MSB_OK => Ok(()),
                st => Err(Error::from_msb(st, unsafe { ffi::msb_ssh_server_errmsg(srv.ptr()) })),
            }
        })
        .await
    }

    /// Serves one SSH connection on a connected stream socket, owned and
    /// closed by the call; returns when the connection ends.
    async fn serve_socket(&self, sock: StdUnixStreamOrTcp) -> Result<()> {
        sock.set_nonblocking(false)?;
        self.serve_with(move |srv| {
            let st = unsafe { ffi::msb_ssh_server_serve_fd(srv, sock.as_raw_fd()) };
            drop(sock);
            st
        })
        .await
    }

    /// Serves one SSH connection over `stream` and returns when it ends:
    /// `Ok`, `Status::Auth` when the client never authenticated,
    /// `Status::Ssh` on a protocol error, `Status::NotRunning` when the
    /// sandbox is not running.
    ///
    /// libmsb serves a socket descriptor: a tokio `TcpStream` or
    /// `UnixStream` is handed to it as is, [`SshStdioStream`] becomes
    /// libmsb's own stdio relay, and any other stream is relayed through a
    /// socket pair.
    pub async fn serve<S>(&self, stream: S) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let mut slot = Some(stream);
        let any: &mut dyn Any = &mut slot;
        if any.is::<Option<SshStdioStream>>() {
            return self.serve_with(|srv| unsafe { ffi::msb_ssh_server_serve_stdio(srv) }).await;
        }
        if let Some(s) = any.downcast_mut::<Option<tokio::net::TcpStream>>().and_then(Option::take) {
            return self.serve_socket(StdUnixStreamOrTcp::Tcp(s.into_std()?)).await;
        }
        if let Some(s) = any.downcast_mut::<Option<tokio::net::UnixStream>>().and_then(Option::take) {
            return self.serve_socket(StdUnixStreamOrTcp::Unix(s.into_std()?)).await;
        }
        // Only the branches above that returned emptied the slot; matching
        // rather than unwrapping keeps a panic out of the library.
        match slot {
            Some(stream) => self.serve_relayed(stream).await,
            None => Err(Error::InvalidArgument { what: "the stream", reason: "was already taken" }),
        }
    }

    /// Alias of [`serve`](Self::serve).
    pub async fn serve_connection<S>(&self, stream: S) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.serve(stream).await
    }

    async fn serve_relayed<S>(&self, stream: S) -> Result<()>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (theirs, ours) = StdUnixStream::pair()?;
        ours.set_nonblocking(true)?;
        let ours = tokio::net::UnixStream::from_std(ours)?;
        let (mut our_read, mut our_write) = ours.into_split();
        let (mut stream_read, mut stream_write) = tokio::io::split(stream);
        // The server's end closes when serve_fd returns: everything it
        // wrote has then been read here and passed on.
        let to_client = async {
            let r = tokio::io::copy(&mut our_read, &mut stream_write).await;
            let _ = stream_write.shutdown().await;
            r
        };
        let to_server = async {
            let r = tokio::io::copy(&mut stream_read, &mut our_write).await;
            let _ = our_write.shutdown().await;
            r
        };
        let served = self.serve_socket(StdUnixStreamOrTcp::Unix(theirs));
        let done = async { tokio::join!(served, to_client) };
        tokio::pin!(done, to_server);
        // The client may keep its side open after the session ended: only
        // the server's end and the data it sent decide when this is over.
        let mut client_done = false;
        let (served, relayed) = loop {
            tokio::select! {
                r = &mut done => break r,
                _ = &mut to_server, if !client_done => client_done = true,
            }
        };
        served?;
        relayed.map(|_| ()).map_err(Error::Io)
    }

    /// Serves one SSH connection over this process's stdin and stdout, as
    /// an OpenSSH `ProxyCommand`; the same as `serve(SshStdioStream::new())`.
    pub async fn serve_stdio(&self) -> Result<()> {
        self.serve(SshStdioStream::new()).await
    }

    /// Releases the endpoint for every clone, once the connections being
    /// served end. Closing twice is harmless.
    pub fn close(&self) {
        self.handle.close(false);
    }
}

enum StdUnixStreamOrTcp {
    Unix(StdUnixStream),
    Tcp(std::net::TcpStream),
}

impl StdUnixStreamOrTcp {
    fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
        match self {
            StdUnixStreamOrTcp::Unix(s) => s.set_nonblocking(on),
            StdUnixStreamOrTcp::Tcp(s) => s.set_nonblocking(on),
        }
    }
}

impl AsRawFd for StdUnixStreamOrTcp {
    fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
        match self {
            StdUnixStreamOrTcp::Unix(s) => s.as_raw_fd(),
            StdUnixStreamOrTcp::Tcp(s) => s.as_raw_fd(),
        }
    }
}

/// An ordered duplex stream over this process's stdin and stdout.
///
/// Passed to [`SshServer::serve`], libmsb relays the descriptors itself
/// (`msb_ssh_server_serve_stdio`); used as a tokio stream elsewhere, it
/// reads and writes through tokio's stdin and stdout.
pub struct SshStdioStream {
    stdin: tokio::io::Stdin,
    stdout: tokio::io::Stdout,
}

impl SshStdioStream {
    pub fn new() -> SshStdioStream {
        SshStdioStream { stdin: tokio::io::stdin(), stdout: tokio::io::stdout() }
    }
}

impl Default for SshStdioStream {
    fn default() -> Self {
        SshStdioStream::new()
    }
}

impl std::fmt::Debug for SshStdioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SshStdioStream")
    }
}

impl AsyncRead for SshStdioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdin).poll_read(cx, buf)
    }
}

impl AsyncWrite for SshStdioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stdout).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stdout).poll_shutdown(cx)
    }
}
