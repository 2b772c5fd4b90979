/*
 * One session channel from request to exit status: the engine under
 * exec (output into memory), run (output to descriptors, like `ssh host
 * CMD`) and attach (the local terminal). libssh calls hold the client's
 * lock; waiting happens outside it, so several channels of one client can
 * run at once from different threads.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libssh/callbacks.h>

#include "api.h"

#define RUN_BUF        (64 * 1024)
/* With one channel, wake for the socket only; with several, another
 * thread may have read this channel's data off the socket meanwhile. */
#define POLL_ALONE_MS  1000
#define POLL_SHARED_MS 5

static void
term_size(int fd, int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

struct run_state {
	struct api_run *r;
	bool got_status, got_signal;
};

static int
signal_number(const char *name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "BUS", SIGBUS }, { "CHLD", SIGCHLD },
		{ "CONT", SIGCONT }, { "FPE", SIGFPE }, { "HUP", SIGHUP }, { "ILL", SIGILL },
		{ "INT", SIGINT }, { "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "QUIT", SIGQUIT },
		{ "SEGV", SIGSEGV }, { "STOP", SIGSTOP }, { "SYS", SIGSYS }, { "TERM", SIGTERM },
		{ "TRAP", SIGTRAP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
		{ "URG", SIGURG }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM },
		{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (strcmp(name, sigs[i].name) == 0)
			return sigs[i].sig;
	}
	return 0;
}

static void
on_exit_status(ssh_session s, ssh_channel ch, int status, void *data)
{
	struct run_state *st = data;

	st->got_status = true;
	st->r->exit_status = status;
}

static void
on_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core, const char *msg,
    const char *lang, void *data)
{
	struct run_state *st = data;

	st->got_signal = true;
	st->r->exit_signal = signal_number(sig);
	st->r->exit_status = 128 + st->r->exit_signal;
}

static int
sink_put(struct api_sink *k, const void *p, size_t n)
{
	if (k->fd >= 0) {
		for (size_t off = 0; off < n;) {
			ssize_t w = write(k->fd, (const char *)p + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			off += (size_t)w;
		}
		return 0;
	}
	if (k->cap - k->len <= n) {
		size_t cap = k->cap != 0 ? k->cap : 4096;
		while (cap - k->len <= n)
			cap *= 2;
		unsigned char *d = realloc(k->data, cap);
		if (d == NULL)
			return -1;
		k->data = d;
		k->cap = cap;
	}
	memcpy(k->data + k->len, p, n);
	k->len += n;
	k->data[k->len] = '\0';
	return 0;
}

/* Opens the channel and makes the exec/shell request; under the lock. */
static msb_status
start(msb_ssh_client *c, struct api_run *r, ssh_channel ch, int cols, int rows)
{
	if (ssh_channel_open_session(ch) != SSH_OK)
		return api_fail(&c->err, ssh_is_connected(c->session) ? MSB_ERR_CHANNEL : MSB_ERR_SSH,
		    "cannot open a session channel: %s", ssh_get_error(c->session));
	if (r->pty && ssh_channel_request_pty_size(ch, r->term, cols, rows) != SSH_OK)
		return api_fail(&c->err, MSB_ERR_CHANNEL, "the server refused a PTY: %s",
		    ssh_get_error(c->session));
	int rc = r->command != NULL ? ssh_channel_request_exec(ch, r->command) :
	    ssh_channel_request_shell(ch);
	if (rc != SSH_OK)
		return api_fail(&c->err, MSB_ERR_CHANNEL, "the server refused the %s: %s",
		    r->command != NULL ? "command" : "shell", ssh_get_error(c->session));
	if (r->in_fd < 0 && ssh_channel_send_eof(ch) != SSH_OK)
		return api_fail(&c->err, MSB_ERR_SSH, "send eof: %s", ssh_get_error(c->session));
	return MSB_OK;
}

/* Moves whatever libssh holds for this channel to the sinks; under the lock. */
static msb_status
drain(msb_ssh_client *c, struct api_run *r, ssh_channel ch, char *buf)
{
	for (int is_err = 0; is_err <= 1; is_err++) {
		int n;
		while ((n = ssh_channel_read_nonblocking(ch, buf, RUN_BUF, is_err)) > 0) {
			if (sink_put(is_err ? &r->err : &r->out, buf, (size_t)n) != 0)
				return api_fail(&c->err, MSB_ERR_IO, "cannot write the command's %s: %s",
				    is_err ? "stderr" : "stdout", strerror(errno));
		}
		if (n == SSH_ERROR)
			return api_fail(&c->err, MSB_ERR_SSH, "connection lost: %s",
			    ssh_get_error(c->session));
	}
	return MSB_OK;
}

/* Forwards up to window bytes of input; under the lock. *in_open drops at EOF. */
static msb_status
forward_input(msb_ssh_client *c, struct api_run *r, ssh_channel ch, char *buf, bool *in_open)
{
	uint32_t window = ssh_channel_window_size(ch);
	/* Held-back detach keys may come out on top of what is read. */
	size_t cap = RUN_BUF - sizeof(r->detach.seq);
	size_t want = window < cap ? window : cap;
	ssize_t n = want > 0 ? read(r->in_fd, buf, want) : 0;

	if (want == 0)
		return MSB_OK;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return MSB_OK;
	if (n < 0)
		return api_fail(&c->err, MSB_ERR_IO, "cannot read the input: %s", strerror(errno));
	if (n == 0) {
		*in_open = false;
		if (ssh_channel_send_eof(ch) != SSH_OK)
			return api_fail(&c->err, MSB_ERR_SSH, "send eof: %s", ssh_get_error(c->session));
		return MSB_OK;
	}
	char *out = buf + RUN_BUF;
	size_t len = api_detach_filter(&r->detach, buf, (size_t)n, out);
	if (len > 0 && ssh_channel_write(ch, out, (uint32_t)len) != (int)len)
		return api_fail(&c->err, MSB_ERR_SSH, "cannot send input: %s", ssh_get_error(c->session));
	return MSB_OK;
}

/* The PTY follows the local terminal's size; under the lock. */
static msb_status
resize(msb_ssh_client *c, struct api_run *r, ssh_channel ch)
{
	int cols = 80, rows = 24;

	if (r->tty_size)
		term_size(r->in_fd, &cols, &rows);
	if (r->pty && ssh_channel_change_pty_size(ch, cols, rows) == SSH_ERROR)
		return api_fail(&c->err, MSB_ERR_SSH, "window change: %s", ssh_get_error(c->session));
	return MSB_OK;
}

/* A signal number from the attach handlers: a resize, or the end of the run. */
static msb_status
on_wake(msb_ssh_client *c, struct api_run *r, ssh_channel ch)
{
	unsigned char sigs[16];
	ssize_t n = read(r->wake_fd, sigs, sizeof(sigs));

	for (ssize_t i = 0; i < n; i++) {
		if (sigs[i] != SIGWINCH)
			r->stop_signal = sigs[i];
		else if (resize(c, r, ch) != MSB_OK)
			return c->err.code;
	}
	return MSB_OK;
}

msb_status
api_run(msb_ssh_client *c, struct api_run *r)
{
	struct run_state state = { .r = r };
	struct ssh_channel_callbacks_struct cb = {
		.userdata = &state,
		.channel_exit_status_function = on_exit_status,
		.channel_exit_signal_function = on_exit_signal,
	};
	bool in_open = r->in_fd >= 0;
	msb_status st;
	char *buf = malloc(2 * RUN_BUF);
	int cols = 80, rows = 24;

	if (buf == NULL)
		return api_fail(&c->err, MSB_ERR_NOMEM, "out of memory");
	ssh_callbacks_init(&cb);
	r->exit_status = -1;
	r->exit_signal = 0;
	pthread_mutex_lock(&c->lock);
	ssh_channel ch = ssh_channel_new(c->session);
	if (ch == NULL) {
		pthread_mutex_unlock(&c->lock);
		free(buf);
		return api_fail(&c->err, MSB_ERR_SSH, "no channel: %s", ssh_get_error(c->session));
	}
	ssh_set_channel_callbacks(ch, &cb);
	if (r->tty_size)
		term_size(r->in_fd, &cols, &rows);
	st = start(c, r, ch, cols, rows);
	c->busy++;
	while (st == MSB_OK) {
		if ((st = drain(c, r, ch, buf)) != MSB_OK)
			break;
		if (ssh_channel_is_closed(ch) || r->detach.done || r->stop_signal != 0 ||
		    (ssh_channel_is_eof(ch) && (state.got_status || state.got_signal)))
			break;
		if (!ssh_is_connected(c->session)) {
			st = api_fail(&c->err, MSB_ERR_SSH, "connection lost: %s",
			    ssh_get_error(c->session));
			break;
		}
		struct pollfd p[3] = {
			{ .fd = ssh_get_fd(c->session), .events = POLLIN },
			{ .fd = in_open && ssh_channel_window_size(ch) > 0 ? r->in_fd : -1,
			  .events = POLLIN },
			{ .fd = r->wake_fd, .events = POLLIN },
		};
		int timeout = c->busy > 1 ? POLL_SHARED_MS : POLL_ALONE_MS;
		pthread_mutex_unlock(&c->lock);
		int n = poll(p, 3, timeout);
		pthread_mutex_lock(&c->lock);
		if (n < 0 && errno != EINTR)
			st = api_fail(&c->err, MSB_ERR_IO, "poll: %s", strerror(errno));
		if (st == MSB_OK && n > 0 && (p[2].revents & POLLIN) != 0)
			st = on_wake(c, r, ch);
		if (st == MSB_OK && n > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			st = forward_input(c, r, ch, buf, &in_open);
	}
	c->busy--;
	if (st == MSB_OK && !state.got_status && !state.got_signal && !r->detach.done &&
	    r->stop_signal == 0)
		st = api_fail(&c->err, MSB_ERR_CHANNEL, "the channel closed without an exit status");
	ssh_remove_channel_callbacks(ch, &cb);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	pthread_mutex_unlock(&c->lock);
	free(buf);
	return st == MSB_OK ? api_ok(&c->err) : st;
}
