//! One error type for every call: libmsb's status and message, or what
//! the binding itself refused before reaching libmsb.
use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

use crate::ffi;

/// libmsb's failure statuses (`msb_status` without `MSB_OK` and
/// `MSB_DETACHED`, which are not failures).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status {
    /// A bad argument: a bad name, a NUL in a string, bad detach keys...
    Invalid,
    NoMemory,
    /// No sandbox has that name.
    NoSandbox,
    /// The sandbox exists but is stopped or crashed.
    NotRunning,
    /// The host is not ready: helpers, MSB_HOME, the preauth account.
    Setup,
    /// A host key or authorized-keys set is unusable or empty.
    Keys,
    /// The SSH client did not authenticate.
    Auth,
    /// The SSH connection failed or was lost.
    Ssh,
    /// The server refused a channel or a request on it.
    Channel,
    /// The server refused the sftp subsystem (SFTP disabled).
    SftpUnavailable,
    /// SFTP: no such file or directory.
    NotFound,
    /// SFTP: permission denied.
    Permission,
    /// SFTP: the path already exists.
    Exists,
    /// SFTP: any other failure the server reported.
    Sftp,
    /// attach needs stdin and stdout on a terminal.
    NotATty,
    /// A local read, write or terminal call failed.
    Io,
    /// A status this binding does not know (a newer libmsb).
    Other(i32),
}

impl Status {
    pub(crate) fn from_code(code: ffi::msb_status) -> Status {
        match code {
            1 => Status::Invalid,
            2 => Status::NoMemory,
            3 => Status::NoSandbox,
            4 => Status::NotRunning,
            5 => Status::Setup,
            6 => Status::Keys,
            7 => Status::Auth,
            8 => Status::Ssh,
            9 => Status::Channel,
            10 => Status::SftpUnavailable,
            11 => Status::NotFound,
            12 => Status::Permission,
            13 => Status::Exists,
            14 => Status::Sftp,
            15 => Status::NotATty,
            16 => Status::Io,
            n => Status::Other(n),
        }
    }

    /// The `msb_status` value.
    pub fn code(self) -> i32 {
        match self {
            Status::Invalid => 1,
            Status::NoMemory => 2,
            Status::NoSandbox => 3,
            Status::NotRunning => 4,
            Status::Setup => 5,
            Status::Keys => 6,
            Status::Auth => 7,
            Status::Ssh => 8,
            Status::Channel => 9,
            Status::SftpUnavailable => 10,
            Status::NotFound => 11,
            Status::Permission => 12,
            Status::Exists => 13,
            Status::Sftp => 14,
            Status::NotATty => 15,
            Status::Io => 16,
            Status::Other(n) => n,
        }
    }

    /// libmsb's name for it: "MSB_ERR_NOT_FOUND" and so on.
    pub fn name(self) -> String {
        // msb_status_name never returns NULL and its strings are static.
        unsafe { CStr::from_ptr(ffi::msb_status_name(self.code())) }
            .to_string_lossy()
            .into_owned()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A failed call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// libmsb returned a failure status; `message` is the one it kept for it.
    Msb { status: Status, message: String },
    /// The handle was closed before the call; libmsb was not called.
    Closed { what: &'static str },
    /// An argument libmsb cannot be given (a NUL byte inside a string).
    InvalidArgument { what: &'static str, reason: &'static str },
    /// Relaying a stream to libmsb's socket, or handing it over, failed.
    Io(std::io::Error),
    /// The worker thread a libmsb call runs in could not run it: no tokio
    /// runtime, or the runtime is shutting down.
    Runtime(String),
}

impl Error {
    /// The libmsb status this error is, or stands nearest to: `Invalid` for
    /// a closed handle or a bad argument, `Io` for a relay or runtime failure.
    pub fn status(&self) -> Status {
        match self {
            Error::Msb { status, .. } => *status,
            Error::Closed { .. } | Error::InvalidArgument { .. } => Status::Invalid,
            Error::Io(_) | Error::Runtime(_) => Status::Io,
        }
    }

    /// The message alone, without the status name.
    pub fn message(&self) -> String {
        match self {
            Error::Msb { message, .. } => message.clone(),
            Error::Closed { what } => format!("the {} is closed", what),
            Error::InvalidArgument { what, reason } => format!("{} {}", what, reason),
            Error::Io(e) => e.to_string(),
            Error::Runtime(e) => e.clone(),
        }
    }

    /// The error for a failed `code`, with the message libmsb left at `msg`
    /// (read now: it lasts only until the next call on the handle).
    pub(crate) fn from_msb(code: ffi::msb_status, msg: *const c_char) -> Error {
        let message = if msg.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned()
        };
        Error::Msb { status: Status::from_code(code), message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message();
        if message.is_empty() {
            write!(f, "{}", self.status())
        } else {
            write!(f, "{}: {}", self.status(), message)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
    }
}

/// The result of every call.
pub type Result<T> = std::result::Result<T, Error>;
