//! What the wrappers share: a libmsb handle's lifetime under concurrent
//! calls, the worker threads blocking calls run in, and C strings.
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::ffi;

/// Something a dependent handle keeps alive until it is freed itself (an
/// SFTP session keeps its client).
pub(crate) trait Retain: Send + Sync {
    fn retain(&self);
    fn release(&self);
}

struct State<T> {
    ptr: *mut T,
    busy: usize,
    closing: bool,
    freed: bool,
}

/// A libmsb handle used by calls in several threads at once.
///
/// `borrow()` hands the pointer to one call and the borrow's drop ends it;
/// `close()` refuses new calls and frees the handle once the last call in
/// flight is over, so a close (or a drop while a cancelled future's call
/// still runs in its thread) never frees what a call is using, and nothing
/// is freed twice.
pub(crate) struct Handle<T> {
    state: Mutex<State<T>>,
    cond: Condvar,
    what: &'static str,
    free: unsafe fn(*mut T),
    parent: Option<Arc<dyn Retain>>,
}

// libmsb handles may be used from any thread, and concurrently (msb.h,
// "Threads"); the pointer is only read under the mutex.
unsafe impl<T> Send for Handle<T> {}
unsafe impl<T> Sync for Handle<T> {}

pub(crate) struct Borrow<T: 'static> {
    handle: Arc<Handle<T>>,
    ptr: *mut T,
}

impl<T> Borrow<T> {
    pub(crate) fn ptr(&self) -> *mut T {
        self.ptr
    }
}

impl<T> Drop for Borrow<T> {
    fn drop(&mut self) {
        self.handle.release_one();
    }
}

impl<T: 'static> Handle<T> {
    /// `parent` must already be retained for this handle; it is released
    /// after `free`.
    pub(crate) fn new(
        ptr: *mut T,
        what: &'static str,
        free: unsafe fn(*mut T),
        parent: Option<Arc<dyn Retain>>,
    ) -> Arc<Handle<T>> {
        Arc::new(Handle {
            state: Mutex::new(State { ptr, busy: 0, closing: false, freed: false }),
            cond: Condvar::new(),
            what,
            free,
            parent,
        })
    }

    // A panic elsewhere while the lock was held cannot leave the counts
    // half-updated (every update is one statement), so a poisoned lock is
    // still good.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn borrow(self: &Arc<Self>) -> Result<Borrow<T>> {
        let mut st = self.lock();
        if st.closing {
            return Err(Error::Closed { what: self.what });
        }
        st.busy += 1;
        Ok(Borrow { handle: Arc::clone(self), ptr: st.ptr })
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closing
    }

    fn release_one(&self) {
        let ptr = {
            let mut st = self.lock();
            st.busy -= 1;
            Self::take_if_idle(&mut st)
        };
        if let Some(ptr) = ptr {
            self.finish(ptr);
        }
    }

    fn take_if_idle(st: &mut State<T>) -> Option<*mut T> {
        if st.closing && st.busy == 0 && !st.ptr.is_null() {
            Some(std::mem::replace(&mut st.ptr, std::ptr::null_mut()))
        } else {
            None
        }
    }

    fn finish(&self, ptr: *mut T) {
        unsafe { (self.free)(ptr) };
        if let Some(parent) = &self.parent {
            parent.release();
        }
        self.lock().freed = true;
        self.cond.notify_all();
    }

    /// Frees the handle now, or when the calls in flight end; with `wait`,
    /// returns once it is freed (blocking: from async code, call it in a
    /// worker thread). Closing twice is harmless.
    pub(crate) fn close(&self, wait: bool) {
        let ptr = {
            let mut st = self.lock();
            st.closing = true;
            Self::take_if_idle(&mut st)
        };
        if let Some(ptr) = ptr {
            self.finish(ptr);
        } else if wait {
            let mut st = self.lock();
            while !st.freed {
                st = self.cond.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        }
    }
}

impl<T: 'static> Retain for Handle<T> {
    fn retain(&self) {
        self.lock().busy += 1;
    }
    fn release(&self) {
        self.release_one();
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        // Only reached when no Borrow is left; a handle nobody closed is
        // freed here.
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        let ptr = std::mem::replace(&mut st.ptr, std::ptr::null_mut());
        if !ptr.is_null() {
            unsafe { (self.free)(ptr) };
            if let Some(parent) = &self.parent {
                parent.release();
            }
        }
    }
}

/// Runs a blocking libmsb call in tokio's blocking pool. Dropping the
/// returned future does not stop the call: it ends in its thread, and what
/// it returned is freed there.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let rt = tokio::runtime::Handle::try_current().map_err(|e| Error::Runtime(e.to_string()))?;
    match rt.spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Error::Runtime(format!("the libmsb call did not complete: {}", e))),
    }
}

pub(crate) fn cstring(value: &str, what: &'static str) -> Result<CString> {
    CString::new(value)
        .map_err(|_| Error::InvalidArgument { what, reason: "contains a NUL byte" })
}

pub(crate) fn opt_cstring(value: Option<&str>, what: &'static str) -> Result<Option<CString>> {
    value.map(|v| cstring(v, what)).transpose()
}

pub(crate) fn opt_ptr(value: &Option<CString>) -> *const c_char {
    value.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())
}

/// Copies `len` bytes libmsb allocated at `ptr`, then frees them.
pub(crate) fn take_bytes(ptr: *mut u8, len: usize) -> Vec<u8> {
    let data = if ptr.is_null() || len == 0 {
        Vec::new()
    } else {
        unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
    };
    unsafe { ffi::msb_free(ptr as *mut c_void) };
    data
}

/// Copies the string libmsb allocated at `ptr`, then frees it.
pub(crate) fn take_string(ptr: *mut c_char) -> String {
    let s = if ptr.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
    };
    unsafe { ffi::msb_free(ptr as *mut c_void) };
    s
}
