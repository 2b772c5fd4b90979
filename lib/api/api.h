/*
 * libmsb's insides: the handles behind include/msb/msb.h and what their
 * files share. Every handle starts with a struct api_err, the message of
 * its last failed call.
 */
#ifndef MSB_API_INTERNAL_H
#define MSB_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "msb/msb.h"

struct api_err {
	msb_status code;
	char msg[512];
};

/* Records code and the formatted message in e; returns code. */
msb_status api_fail(struct api_err *e, msb_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
msb_status api_ok(struct api_err *e);

/*
 * Captures what shared code logs while a library call runs, so that its
 * message lands in the handle rather than on the caller's stderr.
 */
struct api_capture {
	char msg[512];
};
void api_capture_begin(struct api_capture *c);
void api_capture_end(void);

struct msb_sandbox {
	struct api_err err;
	char name[128];
};

/* MSB_OK when the sandbox exists and is running, else the error in e. */
msb_status api_sandbox_ready(const char *name, struct api_err *e);

/* How one msb-monitor is started: the same server as `msb ssh serve`. */
struct api_server_cfg {
	const char *sandbox;
	const char *host_key_path;   /* used when host_key_fd < 0 */
	int host_key_fd;             /* a 0600 memfd holding the private key */
	const char *authkeys_path;   /* used when authkeys_fd < 0 */
	int authkeys_fd;
	const char *user;            /* or NULL */
	bool sftp;
};

/* Checks what a monitor needs on this host (helper, preauth account, audit dir). */
msb_status api_server_check(struct api_err *e);
/* Starts a monitor serving the stream socket sock in its own session. */
msb_status api_server_spawn(const struct api_server_cfg *cfg, int sock, pid_t *pid,
    struct api_err *e);
/* Waits for it; its exit status (0 ok, 1 error, 2 auth failed), or -1. */
int api_server_wait(pid_t pid);
/* A 0600 memfd holding len bytes of text, or -1 (errno set). */
int api_memfd(const char *name, const char *text, size_t len);

struct msb_ssh_client {
	struct api_err err;
	pthread_mutex_t lock;        /* every libssh call on session holds it */
	ssh_session session;
	int fd;                      /* the client's end of the socketpair */
	pid_t monitor;
	unsigned busy;               /* channels being run, for poll timeouts */
	char user[256];
	char term[128];
};

struct msb_sftp {
	struct api_err err;
	pthread_mutex_t lock;        /* one operation at a time on this session */
	msb_ssh_client *client;
	sftp_session sftp;
};

/* The detach key sequence and how much of it was just typed. */
struct api_detach {
	unsigned char seq[16];
	int len;                     /* 0: detaching is off */
	int matched;
	bool done;
};

/* Docker's notation ("ctrl-p,ctrl-q", "ctrl-x,y", "" for none) into d; 0 or -1. */
int api_detach_parse(const char *spec, struct api_detach *d);
/*
 * Copies input to out (room for n + sizeof(d->seq) bytes), holding back a
 * prefix of the sequence until it completes (d->done; nothing after it is
 * copied) or breaks (the held keys go out after all). Returns out's length.
 */
size_t api_detach_filter(struct api_detach *d, const char *in, size_t n, char *out);

/* Where a run's output goes: a descriptor, or a growing buffer. */
struct api_sink {
	int fd;
	unsigned char *data;
	size_t len, cap;
};

struct api_run {
	const char *command;         /* NULL: the login shell */
	bool pty;
	const char *term;
	int in_fd;                   /* -1: no input (EOF at once) */
	struct api_sink out, err;
	/* Attach: the PTY takes in_fd's window size; wake_fd (else -1) carries
	 * signal numbers from handlers; typing the detach keys ends the run. */
	bool tty_size;
	int wake_fd;
	struct api_detach detach;
	/* results */
	int exit_status;             /* 128+N for signal N */
	int exit_signal;
	int stop_signal;             /* a terminating signal that ended the run, or 0 */
};

/* Runs one session channel to its end. */
msb_status api_run(msb_ssh_client *c, struct api_run *r);
/* Attach: runs r on the local terminal in raw mode, with signals relayed. */
msb_status api_attach(msb_ssh_client *c, struct api_run *r);

#endif
