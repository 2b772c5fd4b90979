/*
 * client.attach(): the local terminal on a remote PTY. The terminal goes
 * raw for the duration and comes back on every way out: a return, an
 * error, or a terminating signal (handled here, then re-raised once the
 * terminal and the caller's handlers are restored).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "api.h"

static const int attach_signals[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT };
#define NSIGNALS (sizeof(attach_signals) / sizeof(attach_signals[0]))

/* Signal handlers are process-wide, and so is the one terminal they serve. */
static atomic_int attach_wake_fd = -1;
static atomic_flag attach_busy = ATOMIC_FLAG_INIT;

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	int fd = atomic_load(&attach_wake_fd);

	if (fd >= 0)
		(void)!write(fd, &b, 1);
	errno = saved;
}

MSB_API void
msb_ssh_attach_opts_init(msb_ssh_attach_opts *opts)
{
	if (opts != NULL)
		*opts = (msb_ssh_attach_opts){ .term = NULL, .detach_keys = NULL, .command = NULL };
}

msb_status
api_attach(msb_ssh_client *c, struct api_run *r)
{
	struct termios saved, raw;
	struct sigaction old[NSIGNALS];
	int wake[2];
	size_t installed = 0;
	msb_status st;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return api_fail(&c->err, MSB_ERR_NOT_A_TTY, "attach needs a terminal on stdin and stdout");
	if (atomic_flag_test_and_set(&attach_busy))
		return api_fail(&c->err, MSB_ERR_INVALID, "another attach already owns the terminal");
	if (tcgetattr(STDIN_FILENO, &saved) != 0) {
		atomic_flag_clear(&attach_busy);
		return api_fail(&c->err, MSB_ERR_IO, "tcgetattr: %s", strerror(errno));
	}
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		atomic_flag_clear(&attach_busy);
		return api_fail(&c->err, MSB_ERR_IO, "pipe: %s", strerror(errno));
	}
	atomic_store(&attach_wake_fd, wake[1]);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	for (; installed < NSIGNALS; installed++) {
		if (sigaction(attach_signals[installed], &sa, &old[installed]) != 0)
			break;
	}
	raw = saved;
	cfmakeraw(&raw);
	if (installed < NSIGNALS)
		st = api_fail(&c->err, MSB_ERR_IO, "sigaction: %s", strerror(errno));
	else if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
		st = api_fail(&c->err, MSB_ERR_IO, "raw mode: %s", strerror(errno));
	else {
		r->in_fd = STDIN_FILENO;
		r->out.fd = STDOUT_FILENO;
		r->err.fd = STDERR_FILENO;
		r->pty = true;
		r->tty_size = true;
		r->wake_fd = wake[0];
		st = api_run(c, r);
		/* The shell's last output may leave the cursor mid-line. */
		if (r->detach.done || r->stop_signal != 0)
			(void)!write(STDOUT_FILENO, "\r\n", 2);
	}
	/* Restore in reverse: terminal first, so a re-raised signal leaves it sane. */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &saved) != 0 && st == MSB_OK)
		st = api_fail(&c->err, MSB_ERR_IO, "cannot restore the terminal: %s", strerror(errno));
	while (installed > 0) {
		installed--;
		sigaction(attach_signals[installed], &old[installed], NULL);
	}
	atomic_store(&attach_wake_fd, -1);
	close(wake[0]);
	close(wake[1]);
	atomic_flag_clear(&attach_busy);
	if (r->stop_signal != 0)
		raise(r->stop_signal);
	return st;
}

/* The attach calls' common part: options, detach keys, the run. */
static msb_status
attach(msb_ssh_client *c, const msb_ssh_attach_opts *opts, struct api_run *r)
{
	msb_ssh_attach_opts o;

	msb_ssh_attach_opts_init(&o);
	if (opts != NULL)
		o = *opts;
	*r = (struct api_run){
		.command = o.command, .term = o.term != NULL ? o.term : c->term,
		.out = { .fd = -1 }, .err = { .fd = -1 }, .wake_fd = -1,
	};
	const char *keys = o.detach_keys != NULL ? o.detach_keys : MSB_DEFAULT_DETACH_KEYS;
	if (api_detach_parse(keys, &r->detach) != 0)
		return api_fail(&c->err, MSB_ERR_INVALID, "invalid detach keys '%s' (e.g. ctrl-p,ctrl-q "
		    "or ctrl-x,y)", keys);
	msb_status st = api_attach(c, r);
	if (st == MSB_OK && r->detach.done)
		return api_fail(&c->err, MSB_DETACHED, "detached; the remote shell was ended");
	return st;
}

MSB_API msb_status
msb_ssh_client_attach_with(msb_ssh_client *c, const msb_ssh_attach_opts *opts, int *exit_code)
{
	struct api_run r;

	if (c == NULL)
		return MSB_ERR_INVALID;
	if (exit_code == NULL)
		return api_fail(&c->err, MSB_ERR_INVALID, "attach needs an exit_code");
	msb_status st = attach(c, opts, &r);
	/* As the reference says: 128 for a shell killed by a signal. */
	if (st == MSB_OK)
		*exit_code = r.exit_signal != 0 ? 128 : r.exit_status;
	return st;
}

MSB_API msb_status
msb_ssh_client_attach_run(msb_ssh_client *c, const msb_ssh_attach_opts *opts, int *status,
    int *signal)
{
	struct api_run r;

	if (c == NULL)
		return MSB_ERR_INVALID;
	if (status == NULL)
		return api_fail(&c->err, MSB_ERR_INVALID, "attach needs a status");
	msb_status st = attach(c, opts, &r);
	if (st == MSB_OK) {
		*status = r.exit_status;
		if (signal != NULL)
			*signal = r.exit_signal;
	}
	return st;
}

MSB_API msb_status
msb_ssh_client_attach(msb_ssh_client *c, int *exit_code)
{
	return msb_ssh_client_attach_with(c, NULL, exit_code);
}
