//! Hand-written declarations of include/msb/msb.h (no bindgen: the header
//! is small and its layout is stable C).
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_void};

pub type msb_status = c_int;
pub const MSB_OK: msb_status = 0;
pub const MSB_DETACHED: msb_status = 17;

#[repr(C)]
pub struct msb_sandbox {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct msb_ssh_client {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct msb_sftp {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct msb_ssh_server {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct msb_ssh_client_opts {
    pub user: *const c_char,
    pub term: *const c_char,
    pub sftp: c_int,
}

#[repr(C)]
pub struct msb_ssh_exec_opts {
    pub tty: c_int,
}

#[repr(C)]
pub struct msb_ssh_output {
    pub status: c_int,
    pub signal: c_int,
    pub stdout_data: *mut u8,
    pub stdout_len: usize,
    pub stderr_data: *mut u8,
    pub stderr_len: usize,
}

#[repr(C)]
pub struct msb_ssh_attach_opts {
    pub term: *const c_char,
    pub detach_keys: *const c_char,
    pub command: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct msb_sftp_attrs {
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub atime: i64,
    pub mtime: i64,
}

#[repr(C)]
pub struct msb_sftp_entry {
    pub name: *mut c_char,
    pub attrs: msb_sftp_attrs,
}

#[repr(C)]
pub struct msb_ssh_server_opts {
    pub host_key_path: *const c_char,
    pub host_key: *const c_char,
    pub authorized_keys_path: *const c_char,
    pub authorized_keys: *const *const c_char,
    pub n_authorized_keys: usize,
    pub user: *const c_char,
    pub sftp: c_int,
}

extern "C" {
    pub fn msb_status_name(status: msb_status) -> *const c_char;
    pub fn msb_free(p: *mut c_void);

    pub fn msb_sandbox_open(name: *const c_char, out: *mut *mut msb_sandbox) -> msb_status;
    pub fn msb_sandbox_errmsg(sb: *const msb_sandbox) -> *const c_char;
    pub fn msb_sandbox_close(sb: *mut msb_sandbox);

    pub fn msb_ssh_client_opts_init(opts: *mut msb_ssh_client_opts);
    pub fn msb_ssh_connect(
        sb: *mut msb_sandbox,
        opts: *const msb_ssh_client_opts,
        out: *mut *mut msb_ssh_client,
    ) -> msb_status;
    pub fn msb_ssh_client_errmsg(c: *const msb_ssh_client) -> *const c_char;
    pub fn msb_ssh_client_close(c: *mut msb_ssh_client) -> msb_status;

    pub fn msb_ssh_exec_opts_init(opts: *mut msb_ssh_exec_opts);
    pub fn msb_ssh_client_exec_with(
        c: *mut msb_ssh_client,
        command: *const c_char,
        opts: *const msb_ssh_exec_opts,
        out: *mut msb_ssh_output,
    ) -> msb_status;
    pub fn msb_ssh_output_free(out: *mut msb_ssh_output);

    pub fn msb_ssh_attach_opts_init(opts: *mut msb_ssh_attach_opts);
    pub fn msb_ssh_client_attach_with(
        c: *mut msb_ssh_client,
        opts: *const msb_ssh_attach_opts,
        exit_code: *mut c_int,
    ) -> msb_status;

    pub fn msb_ssh_client_sftp(c: *mut msb_ssh_client, out: *mut *mut msb_sftp) -> msb_status;
    pub fn msb_sftp_errmsg(s: *const msb_sftp) -> *const c_char;
    pub fn msb_sftp_read(
        s: *mut msb_sftp,
        path: *const c_char,
        data: *mut *mut u8,
        len: *mut usize,
    ) -> msb_status;
    pub fn msb_sftp_write(
        s: *mut msb_sftp,
        path: *const c_char,
        data: *const c_void,
        len: usize,
    ) -> msb_status;
    pub fn msb_sftp_mkdir(s: *mut msb_sftp, path: *const c_char) -> msb_status;
    pub fn msb_sftp_remove_file(s: *mut msb_sftp, path: *const c_char) -> msb_status;
    pub fn msb_sftp_remove_dir(s: *mut msb_sftp, path: *const c_char) -> msb_status;
    pub fn msb_sftp_rename(
        s: *mut msb_sftp,
        old_path: *const c_char,
        new_path: *const c_char,
    ) -> msb_status;
    pub fn msb_sftp_real_path(
        s: *mut msb_sftp,
        path: *const c_char,
        out: *mut *mut c_char,
    ) -> msb_status;
    pub fn msb_sftp_read_link(
        s: *mut msb_sftp,
        path: *const c_char,
        out: *mut *mut c_char,
    ) -> msb_status;
    pub fn msb_sftp_symlink(
        s: *mut msb_sftp,
        target: *const c_char,
        link_path: *const c_char,
    ) -> msb_status;
    pub fn msb_sftp_stat(
        s: *mut msb_sftp,
        path: *const c_char,
        attrs: *mut msb_sftp_attrs,
    ) -> msb_status;
    pub fn msb_sftp_list_dir(
        s: *mut msb_sftp,
        path: *const c_char,
        entries: *mut *mut msb_sftp_entry,
        count: *mut usize,
    ) -> msb_status;
    pub fn msb_sftp_entries_free(entries: *mut msb_sftp_entry, count: usize);
    pub fn msb_sftp_close(s: *mut msb_sftp) -> msb_status;

    pub fn msb_ssh_server_opts_init(opts: *mut msb_ssh_server_opts);
    pub fn msb_ssh_server_new(
        sb: *mut msb_sandbox,
        opts: *const msb_ssh_server_opts,
        out: *mut *mut msb_ssh_server,
    ) -> msb_status;
    pub fn msb_ssh_server_errmsg(srv: *const msb_ssh_server) -> *const c_char;
    pub fn msb_ssh_server_serve_fd(srv: *mut msb_ssh_server, fd: c_int) -> msb_status;
    pub fn msb_ssh_server_serve_stdio(srv: *mut msb_ssh_server) -> msb_status;
    pub fn msb_ssh_server_close(srv: *mut msb_ssh_server);
}
