//! SftpClient (client.sftp()): file operations over the client's connection.
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::ffi;
use crate::handle::{blocking, cstring, take_bytes, take_string, Borrow, Handle, Retain};

/// A file's attributes as the server reports them (`mode` as `st_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SftpAttrs {
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub atime: i64,
    pub mtime: i64,
}

const S_IFMT: u32 = 0o170000;

impl SftpAttrs {
    fn from_c(a: &ffi::msb_sftp_attrs) -> SftpAttrs {
        SftpAttrs { size: a.size, mode: a.mode, uid: a.uid, gid: a.gid, atime: a.atime, mtime: a.mtime }
    }
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == 0o040000
    }
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == 0o100000
    }
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == 0o120000
    }
    /// The permission bits (`mode & 0o7777`).
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }
}

/// One directory entry: its name (not a path) and attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SftpEntry {
    pub name: String,
    pub attrs: SftpAttrs,
}

unsafe fn free_sftp(s: *mut ffi::msb_sftp) {
    // Ends the subsystem; what it reports on a lost connection has nobody
    // left to read it.
    ffi::msb_sftp_close(s);
}

/// An SFTP session; paths are the guest's, relative ones from the guest
/// user's home. Calls may run at once. Errors: `NotFound`, `Permission`,
/// `Exists`, `Sftp` (the message names the operation and path), `Ssh`
/// when the connection is lost. Closing the client closes its sessions.
pub struct SftpClient {
    handle: Arc<Handle<ffi::msb_sftp>>,
}

impl std::fmt::Debug for SftpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SftpClient").field("closed", &self.is_closed()).finish()
    }
}

fn check(st: ffi::msb_status, s: &Borrow<ffi::msb_sftp>) -> Result<()> {
    if st == ffi::MSB_OK {
        Ok(())
    } else {
        Err(Error::from_msb(st, unsafe { ffi::msb_sftp_errmsg(s.ptr()) }))
    }
}

impl SftpClient {
    /// `parent` is the client, already retained for this session.
    pub(crate) fn new(ptr: *mut ffi::msb_sftp, parent: Arc<dyn Retain>) -> SftpClient {
        SftpClient { handle: Handle::new(ptr, "SFTP session", free_sftp, Some(parent)) }
    }

    pub(crate) fn handle(&self) -> &Arc<Handle<ffi::msb_sftp>> {
        &self.handle
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Runs `f` on the session with `path` as a C string, in a worker thread.
    async fn call<T, F>(&self, path: &str, f: F) -> Result<T>
    where
        F: FnOnce(&Borrow<ffi::msb_sftp>, &CStr) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let path = cstring(path, "the path")?;
        let handle = Arc::clone(&self.handle);
        blocking(move || {
            let s = handle.borrow()?;
            f(&s, &path)
        })
        .await
    }

    /// The whole file.
    pub async fn read(&self, path: impl AsRef<str>) -> Result<Vec<u8>> {
        self.call(path.as_ref(), |s, p| {
            let mut data: *mut u8 = std::ptr::null_mut();
            let mut len = 0usize;
            check(unsafe { ffi::msb_sftp_read(s.ptr(), p.as_ptr(), &mut data, &mut len) }, s)?;
            Ok(take_bytes(data, len))
        })
        .await
    }

    /// Creates or truncates `path` (mode 0644) and writes `data`. `Vec`,
    /// `String`, `Bytes` and static slices are handed over without a copy.
    pub async fn write(&self, path: impl AsRef<str>, data: impl Into<Bytes>) -> Result<()> {
        let data: Bytes = data.into();
        self.call(path.as_ref(), move |s, p| {
            let st = unsafe {
                ffi::msb_sftp_write(s.ptr(), p.as_ptr(), data.as_ptr() as *const _, data.len())
            };
            check(st, s)
        })
        .await
    }

    /// Creates a directory (mode 0755).
    pub async fn mkdir(&self, path: impl AsRef<str>) -> Result<()> {
        self.call(path.as_ref(), |s, p| check(unsafe { ffi::msb_sftp_mkdir(s.ptr(), p.as_ptr()) }, s))
            .await
    }

    pub async fn remove_file(&self, path: impl AsRef<str>) -> Result<()> {
        self.call(path.as_ref(), |s, p| {
            check(unsafe { ffi::msb_sftp_remove_file(s.ptr(), p.as_ptr()) }, s)
        })
        .await
    }

    /// Removes an empty directory.
    pub async fn remove_dir(&self, path: impl AsRef<str>) -> Result<()> {
        self.call(path.as_ref(), |s, p| {
            check(unsafe { ffi::msb_sftp_remove_dir(s.ptr(), p.as_ptr()) }, s)
        })
        .await
    }

    pub async fn rename(&self, old_path: impl AsRef<str>, new_path: impl AsRef<str>) -> Result<()> {
        let new_path = cstring(new_path.as_ref(), "the new path")?;
        self.call(old_path.as_ref(), move |s, p| {
            check(unsafe { ffi::msb_sftp_rename(s.ptr(), p.as_ptr(), new_path.as_ptr()) }, s)
        })
        .await
    }

    /// The canonical absolute path.
    pub async fn real_path(&self, path: impl AsRef<str>) -> Result<String> {
        self.call(path.as_ref(), |s, p| {
            let mut out: *mut c_char = std::ptr::null_mut();
            check(unsafe { ffi::msb_sftp_real_path(s.ptr(), p.as_ptr(), &mut out) }, s)?;
            Ok(take_string(out))
        })
        .await
    }

    /// A symlink's target.
    pub async fn read_link(&self, path: impl AsRef<str>) -> Result<String> {
        self.call(path.as_ref(), |s, p| {
            let mut out: *mut c_char = std::ptr::null_mut();
            check(unsafe { ffi::msb_sftp_read_link(s.ptr(), p.as_ptr(), &mut out) }, s)?;
            Ok(take_string(out))
        })
        .await
    }

    /// Creates `link_path` pointing at `target`.
    pub async fn symlink(&self, target: impl AsRef<str>, link_path: impl AsRef<str>) -> Result<()> {
        let link_path = cstring(link_path.as_ref(), "the link path")?;
        self.call(target.as_ref(), move |s, t| {
            check(unsafe { ffi::msb_sftp_symlink(s.ptr(), t.as_ptr(), link_path.as_ptr()) }, s)
        })
        .await
    }

    /// The attributes of `path`, following symlinks.
    pub async fn stat(&self, path: impl AsRef<str>) -> Result<SftpAttrs> {
        self.call(path.as_ref(), |s, p| {
            let mut a = ffi::msb_sftp_attrs::default();
            check(unsafe { ffi::msb_sftp_stat(s.ptr(), p.as_ptr(), &mut a) }, s)?;
            Ok(SftpAttrs::from_c(&a))
        })
        .await
    }

    /// The entries of directory `path` but `.` and `..`, in server order.
    pub async fn list_dir(&self, path: impl AsRef<str>) -> Result<Vec<SftpEntry>> {
        self.call(path.as_ref(), |s, p| {
            let mut entries: *mut ffi::msb_sftp_entry = std::ptr::null_mut();
            let mut count = 0usize;
            check(unsafe { ffi::msb_sftp_list_dir(s.ptr(), p.as_ptr(), &mut entries, &mut count) }, s)?;
            let list = if entries.is_null() || count == 0 {
                Vec::new()
            } else {
                unsafe { std::slice::from_raw_parts(entries, count) }
                    .iter()
                    .map(|e| SftpEntry {
                        name: if e.name.is_null() {
                            String::new()
                        } else {
                            unsafe { CStr::from_ptr(e.name) }.to_string_lossy().into_owned()
                        },
                        attrs: SftpAttrs::from_c(&e.attrs),
                    })
                    .collect()
            };
            unsafe { ffi::msb_sftp_entries_free(entries, count) };
            Ok(list)
        })
        .await
    }

    /// Ends the SFTP subsystem once the calls in flight are over; the
    /// client stays open. Closing twice is harmless.
    pub async fn close(&self) -> Result<()> {
        let handle = Arc::clone(&self.handle);
        blocking(move || {
            handle.close(true);
            Ok(())
        })
        .await
    }
}

impl Drop for SftpClient {
    fn drop(&mut self) {
        self.handle.close(false);
    }
}
