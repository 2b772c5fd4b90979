/*
 * libmsb: SSH into msb sandboxes from C.
 *
 * The calls mirror the reference SDKs (sb.ssh().connect(), client.exec(),
 * client.attach(), client.sftp(), ssh.server(), server.serve()) in C idiom:
 * the "ssh" namespace is the msb_ssh_ prefix, builders are option structs
 * filled by an _init function, and every call returns an msb_status.
 *
 * A native client needs no listener, no authorized key and no ssh binary:
 * msb_ssh_connect() generates an Ed25519 host key and client key in memory,
 * starts msb's own privilege-separated server (msb-monitor, the same
 * processes as `msb ssh serve`) on one end of a socketpair, and speaks SSH
 * to it on the other end with libssh.
 *
 * Errors. Every call returns MSB_OK or a typed msb_status, and keeps a
 * message for it in the handle the call was made on (the first argument),
 * read with msb_*_errmsg(); a call that creates a handle keeps its message
 * in the parent handle. Nothing in the library exits or aborts the calling
 * process. The message stays valid until the next call on that handle.
 *
 * Threads. There is no global state: clients, SFTP sessions and servers
 * are independent, so two threads can each use their own client. One
 * client may also be used by several threads at once (exec calls on it run
 * concurrently over the one connection); a message kept in a shared handle
 * belongs to whichever call failed last.
 *
 * Memory. Returned buffers and strings belong to the caller and are freed
 * with msb_free() (or the named _free function); const char * results
 * belong to the handle.
 *
 * Processes. A client or a serve call runs msb-monitor as a child process
 * and reaps it itself (waitpid on that pid only), in its own session so a
 * terminal's Ctrl-C reaches the remote command, not the server. Writing to
 * a closed pipe raises SIGPIPE as usual: programs streaming output to pipes
 * should ignore SIGPIPE.
 */
#ifndef MSB_MSB_H
#define MSB_MSB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define MSB_API __attribute__((visibility("default")))
#else
#define MSB_API
#endif

#define MSB_DEFAULT_SSH_HOST "127.0.0.1"
#define MSB_DEFAULT_SSH_PORT 2222
/* Docker's notation: comma-separated keys, each a character or ctrl-<c>. */
#define MSB_DEFAULT_DETACH_KEYS "ctrl-p,ctrl-q"

typedef enum msb_status {
	MSB_OK = 0,
	MSB_ERR_INVALID,            /* a bad argument (NULL, bad name, bad detach keys...) */
	MSB_ERR_NOMEM,
	MSB_ERR_NO_SANDBOX,         /* no sandbox has that name */
	MSB_ERR_NOT_RUNNING,        /* the sandbox exists but is stopped or crashed */
	MSB_ERR_SETUP,              /* the host is not ready: helpers, MSB_HOME, preauth account */
	MSB_ERR_KEYS,               /* a host key or authorized-keys set is unusable or empty */
	MSB_ERR_AUTH,               /* the server refused the client's key */
	MSB_ERR_SSH,                /* the SSH connection failed or was lost */
	MSB_ERR_CHANNEL,            /* the server refused a channel or a request on it */
	MSB_ERR_SFTP_UNAVAILABLE,   /* the server refused the sftp subsystem (SFTP disabled) */
	MSB_ERR_NOT_FOUND,          /* SFTP: no such file or directory */
	MSB_ERR_PERMISSION,         /* SFTP: permission denied */
	MSB_ERR_EXISTS,             /* SFTP: the path already exists */
	MSB_ERR_SFTP,               /* SFTP: any other failure the server reported */
	MSB_ERR_NOT_A_TTY,          /* attach needs stdin and stdout on a terminal */
	MSB_ERR_IO,                 /* a local read, write or terminal call failed */
	MSB_DETACHED,               /* not an error: attach ended by the detach keys */
} msb_status;

/* "MSB_ERR_NO_SANDBOX" and so on; never NULL. */
MSB_API const char *msb_status_name(msb_status status);
/* Frees memory returned by the library (NULL is fine). */
MSB_API void msb_free(void *p);

/* ---- Sandbox ------------------------------------------------------- */

typedef struct msb_sandbox msb_sandbox;

/*
 * A handle on the sandbox called name (under $MSB_HOME, default
 * ~/.microsandbox). Like sqlite3_open, *out is set whenever memory allows,
 * also on failure (MSB_ERR_INVALID for a bad name, MSB_ERR_NO_SANDBOX):
 * read the message with msb_sandbox_errmsg(), then msb_sandbox_close() it.
 * Nothing connects until msb_ssh_connect() or msb_ssh_server_new().
 */
MSB_API msb_status msb_sandbox_open(const char *name, msb_sandbox **out);
MSB_API const char *msb_sandbox_name(const msb_sandbox *sb);
MSB_API const char *msb_sandbox_errmsg(const msb_sandbox *sb);
MSB_API void msb_sandbox_close(msb_sandbox *sb);

/* ---- Native client: ssh.connect() ---------------------------------- */

typedef struct msb_ssh_client msb_ssh_client;

typedef struct msb_ssh_client_opts {
	const char *user;   /* SSH login user, which is the guest user; default "root" */
	const char *term;   /* terminal name for PTYs; NULL: $TERM, else "xterm" */
	int sftp;           /* nonzero: the internal server offers SFTP (default 1) */
} msb_ssh_client_opts;

MSB_API void msb_ssh_client_opts_init(msb_ssh_client_opts *opts);

/*
 * Connects a native client to the running sandbox sb (opts NULL: the
 * defaults). Fails with MSB_ERR_NO_SANDBOX, MSB_ERR_NOT_RUNNING,
 * MSB_ERR_SETUP or MSB_ERR_SSH, the message in sb. Close the client with
 * msb_ssh_client_close(); it does not borrow sb.
 */
MSB_API msb_status msb_ssh_connect(msb_sandbox *sb, const msb_ssh_client_opts *opts,
    msb_ssh_client **out);
MSB_API const char *msb_ssh_client_errmsg(const msb_ssh_client *c);
/*
 * Disconnects, waits for the internal server to end and frees c (NULL is
 * fine). No other call may be running on c or on its SFTP sessions, which
 * must be closed first.
 */
MSB_API msb_status msb_ssh_client_close(msb_ssh_client *c);
/*
 * Makes every call running on c (and on its SFTP sessions) return soon with
 * MSB_ERR_SSH, and every later one fail: the connection to the internal
 * server is shut down. Unlike msb_ssh_client_close() it may be called from
 * any thread while calls run, which is how a binding cancels one; c must
 * still be closed once they have returned. NULL and repeated calls are fine.
 */
MSB_API void msb_ssh_client_interrupt(msb_ssh_client *c);

/* ---- exec ----------------------------------------------------------- */

typedef struct msb_ssh_exec_opts {
	int tty;            /* nonzero: request a PTY (80x24); stderr then arrives in stdout */
} msb_ssh_exec_opts;

MSB_API void msb_ssh_exec_opts_init(msb_ssh_exec_opts *opts);

typedef struct msb_ssh_output {
	int status;         /* exit status; 128+N when the command died by signal N */
	int signal;         /* N when it died by a signal, else 0 */
	unsigned char *stdout_data;   /* NUL-terminated for convenience; may hold NULs */
	size_t stdout_len;
	unsigned char *stderr_data;
	size_t stderr_len;
} msb_ssh_output;

/*
 * Runs command through the sandbox shell (sh -c) with no PTY and no stdin,
 * and collects its output in memory. out is filled on MSB_OK only; free it
 * with msb_ssh_output_free(). A command that fails is still MSB_OK: look at
 * out->status. Errors: MSB_ERR_INVALID, MSB_ERR_CHANNEL (the server refused
 * the channel or command), MSB_ERR_SSH (connection lost), MSB_ERR_NOMEM.
 */
MSB_API msb_status msb_ssh_client_exec(msb_ssh_client *c, const char *command,
    msb_ssh_output *out);
MSB_API msb_status msb_ssh_client_exec_with(msb_ssh_client *c, const char *command,
    const msb_ssh_exec_opts *opts, msb_ssh_output *out);
/* 1 when the command exited with status 0, else 0. */
MSB_API int msb_ssh_output_success(const msb_ssh_output *out);
MSB_API void msb_ssh_output_free(msb_ssh_output *out);

/*
 * Runs command (NULL: a shell) with stdin read from in_fd (-1: none) and
 * stdout and stderr streamed to out_fd and err_fd as they arrive, as
 * `ssh host CMD` does; the descriptors stay the caller's. *status gets the
 * exit status, 128+N for a death by signal N, and *signal (may be NULL)
 * gets N or 0. Errors as for exec, plus MSB_ERR_IO when a descriptor fails.
 */
MSB_API msb_status msb_ssh_client_run(msb_ssh_client *c, const char *command,
    const msb_ssh_exec_opts *opts, int in_fd, int out_fd, int err_fd, int *status, int *signal);

/* ---- attach --------------------------------------------------------- */

typedef struct msb_ssh_attach_opts {
	const char *term;         /* NULL: the client's term */
	const char *detach_keys;  /* NULL: MSB_DEFAULT_DETACH_KEYS; "" disables detaching */
	const char *command;      /* NULL: the login shell; else run this with the PTY */
} msb_ssh_attach_opts;

MSB_API void msb_ssh_attach_opts_init(msb_ssh_attach_opts *opts);

/*
 * Attaches the calling process's terminal (stdin and stdout must be a
 * tty, else MSB_ERR_NOT_A_TTY) to a shell with a PTY of the terminal's
 * size. The terminal is in raw mode while attached and is restored on
 * every return, and before SIGTERM, SIGHUP, SIGINT or SIGQUIT (sent to
 * this process) takes its usual effect. SIGWINCH is relayed as a window
 * change; the previous handlers are back in place on return.
 *
 * Returns MSB_OK with *exit_code the shell's exit status (128 when it died
 * by a signal), or MSB_DETACHED when the detach keys were typed. msb's
 * server does not keep a shell without its client: detaching closes the
 * channel, and the shell gets SIGHUP.
 */
MSB_API msb_status msb_ssh_client_attach(msb_ssh_client *c, int *exit_code);
MSB_API msb_status msb_ssh_client_attach_with(msb_ssh_client *c,
    const msb_ssh_attach_opts *opts, int *exit_code);
/*
 * As msb_ssh_client_attach_with, with the end reported as
 * msb_ssh_client_run reports it (and as ssh does): *status is the exit
 * status, 128+N for a death by signal N, and *signal (may be NULL) gets N
 * or 0. This is what a command-line client needs to exit as the shell did.
 */
MSB_API msb_status msb_ssh_client_attach_run(msb_ssh_client *c,
    const msb_ssh_attach_opts *opts, int *status, int *signal);

/* ---- SFTP ----------------------------------------------------------- */

typedef struct msb_sftp msb_sftp;

typedef struct msb_sftp_attrs {
	uint64_t size;
	uint32_t mode;      /* type and permission bits, as st_mode */
	uint32_t uid, gid;
	int64_t atime, mtime;
} msb_sftp_attrs;

typedef struct msb_sftp_entry {
	char *name;
	msb_sftp_attrs attrs;
} msb_sftp_entry;

/*
 * Opens the sftp subsystem; MSB_ERR_SFTP_UNAVAILABLE when the server
 * refuses it. Every SFTP call below returns MSB_OK, MSB_ERR_INVALID (a NULL
 * argument), MSB_ERR_NOT_FOUND, MSB_ERR_PERMISSION, MSB_ERR_EXISTS,
 * MSB_ERR_SFTP (any other failure the server reported; the message names
 * the operation and path), MSB_ERR_NOMEM, or MSB_ERR_SSH when the
 * connection is lost. Paths are the guest's, relative ones to the guest
 * user's home. An SFTP session shares its client's connection and lock.
 */
MSB_API msb_status msb_ssh_client_sftp(msb_ssh_client *c, msb_sftp **out);
MSB_API const char *msb_sftp_errmsg(const msb_sftp *s);
/* The whole file into *data (msb_free), NUL-terminated past *len. */
MSB_API msb_status msb_sftp_read(msb_sftp *s, const char *path, unsigned char **data,
    size_t *len);
/* Creates or truncates path (mode 0644) and writes len bytes. */
MSB_API msb_status msb_sftp_write(msb_sftp *s, const char *path, const void *data, size_t len);
MSB_API msb_status msb_sftp_mkdir(msb_sftp *s, const char *path);   /* mode 0755 */
MSB_API msb_status msb_sftp_remove_file(msb_sftp *s, const char *path);
MSB_API msb_status msb_sftp_remove_dir(msb_sftp *s, const char *path);
MSB_API msb_status msb_sftp_rename(msb_sftp *s, const char *old_path, const char *new_path);
/* Canonical absolute path into *out (msb_free). */
MSB_API msb_status msb_sftp_real_path(msb_sftp *s, const char *path, char **out);
/* A symlink's target into *out (msb_free). */
MSB_API msb_status msb_sftp_read_link(msb_sftp *s, const char *path, char **out);
/* Creates link_path pointing at target. */
MSB_API msb_status msb_sftp_symlink(msb_sftp *s, const char *target, const char *link_path);
/* Follows symlinks. */
MSB_API msb_status msb_sftp_stat(msb_sftp *s, const char *path, msb_sftp_attrs *attrs);
/* Every entry but . and .., in server order; free with msb_sftp_entries_free(). */
MSB_API msb_status msb_sftp_list_dir(msb_sftp *s, const char *path, msb_sftp_entry **entries,
    size_t *count);
MSB_API void msb_sftp_entries_free(msb_sftp_entry *entries, size_t count);
/* Ends the subsystem and frees s (NULL is fine); the client stays open. */
MSB_API msb_status msb_sftp_close(msb_sftp *s);

/* ---- Server endpoint: ssh.server() ---------------------------------- */

typedef struct msb_ssh_server msb_ssh_server;

typedef struct msb_ssh_server_opts {
	const char *host_key_path;    /* NULL: MSB_HOME/ssh/host_ed25519_key, created if missing */
	const char *host_key;         /* an OpenSSH private key in memory; wins over the path */
	const char *authorized_keys_path;       /* read on every connection... */
	const char *const *authorized_keys;     /* ...unless key lines are also given here:
	                                           then the file is read once, now */
	size_t n_authorized_keys;
	const char *user;             /* guest user for every request; NULL: the login name */
	int sftp;                     /* default 1 */
} msb_ssh_server_opts;

MSB_API void msb_ssh_server_opts_init(msb_ssh_server_opts *opts);

/*
 * Prepares a reusable endpoint for sb. With neither authorized_keys_path
 * nor in-memory keys, MSB_HOME/ssh/authorized_keys is used; a set without
 * one usable key is MSB_ERR_KEYS, as is an unreadable host key. Errors are
 * kept in sb: MSB_ERR_INVALID, MSB_ERR_KEYS, MSB_ERR_SETUP, MSB_ERR_NOMEM.
 * The endpoint copies what it needs from opts (the in-memory host key goes
 * into a 0600 memfd, never to disk). It may serve any number of
 * connections, one after another or at the same time from several threads;
 * free it with msb_ssh_server_close().
 */
MSB_API msb_status msb_ssh_server_new(msb_sandbox *sb, const msb_ssh_server_opts *opts,
    msb_ssh_server **out);
MSB_API const char *msb_ssh_server_errmsg(const msb_ssh_server *srv);
/*
 * Serves one SSH connection on fd, a connected stream socket (the caller
 * keeps and closes it), and returns when it ends: MSB_OK, MSB_ERR_AUTH when
 * the client never authenticated, MSB_ERR_SSH on a protocol error.
 */
MSB_API msb_status msb_ssh_server_serve_fd(msb_ssh_server *srv, int fd);
/*
 * The same over this process's stdin and stdout (a ProxyCommand). SIGPIPE
 * is ignored while it relays and restored after.
 */
MSB_API msb_status msb_ssh_server_serve_stdio(msb_ssh_server *srv);
MSB_API void msb_ssh_server_close(msb_ssh_server *srv);

#ifdef __cplusplus
}
#endif

#endif
