/*
 * mux-driver: plays the monitor and the network child against a real
 * msb-session, so the session worker can be tested with a real agent and
 * no SSH server. It behaves like a small ssh client whose "connection" is
 * one msb-session process:
 *
 *   mux-driver [options] exec CMD [CMD...]  each CMD on a new channel, one
 *                                           after another; stdin/stdout/
 *                                           stderr relayed for the first;
 *                                           exit status of the last
 *   mux-driver [options] shell              the login shell
 *   mux-driver [options] subsystem NAME     a subsystem on stdin/stdout
 *                                           ("sftp" for sftp -D)
 *   mux-driver [options] tcp HOST PORT      direct-tcpip on stdin/stdout
 *   mux-driver [options] multi N CMD        N channels at once, "%d" in CMD
 *                                           replaced by the index; prints
 *                                           "i status ms output" per channel
 *   mux-driver [options] idle               opens nothing; waits for the
 *                                           worker to close the mux
 *   mux-driver [options] preauth BIN HOSTKEY AUTHKEY PORTFILE
 *                                           plays the monitor instead, for
 *                                           ssh clients: listens on
 *                                           127.0.0.1 (port in PORTFILE),
 *                                           runs msb-preauth BIN per
 *                                           connection, allows the key in
 *                                           AUTHKEY, then runs msb-session
 *                                           on the mux; --pidfile gets each
 *                                           msb-preauth's pid
 *
 * The exit status follows the remote program: its code, 128+signal for
 * exit-signal (also printed as "driver: exit-signal NAME core=N"), 255 when
 * a channel closes without one, 1 for a failed open.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "lib/clock.h"
#include "lib/monitor_proto.h"
#include "lib/mux_proto.h"

#define MAX_CHANS   64
#define COLLECT_MAX (1024u * 1024u)

struct timed {
	int64_t at_ms;       /* after the program request */
	bool resize;
	uint32_t cols, rows;
	char signame[16];
};

struct dchan {
	uint32_t id;
	bool used, open, done;
	bool relay;          /* stdin/stdout/stderr belong to this channel */
	uint32_t credit;     /* DATA we may send */
	uint32_t owed;       /* output consumed, credit not yet granted back */
	bool close_rcvd, close_sent, eof_sent;
	int status;          /* -1 until EXIT_STATUS/SIGNAL */
	struct msb_buf out;  /* collected output (multi) */
	char pending[8][48]; /* want_reply requests awaiting REQ_REPLY, in order */
	int npending;
	int64_t started_ms;
	int64_t closed_ms;
	int next_timed;
};

static struct {
	const char *session_bin, *agent, *user, *guest_user, *forced, *env_allow;
	const char *audit_path, *pidfile, *term;
	uint32_t flags, idle_s, log_level, cols, rows;
	bool pty, rss;
	int grant_delay_ms;
	char *env[32];
	int nenv;
	struct timed timed[16];
	int ntimed;
	int hangup_ms;       /* close the mux this long after starting */
} opt = {
	.user = "tester", .guest_user = "", .env_allow = "", .log_level = 1,
	.term = "xterm", .hangup_ms = -1,
};

static int mon_fd = -1, mux_fd = -1;
static pid_t worker = -1;
static struct msb_buf mux_in, mux_out, mon_in;
static struct dchan chans[MAX_CHANS];
static FILE *audit_fp;
static bool stdin_eof, stdin_closed_local;
static int64_t t0;

static _Noreturn void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("driver: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (worker > 0)
		kill(worker, SIGKILL);
	exit(3);
}

static void
flush_all(int fd, struct msb_buf *b)
{
	if (msb_flush_buf(fd, b) != 0)
		die("write: %s", strerror(errno));
}

static void
send_mux(const struct msb_mux *m)
{
	if (msb_mux_put(&mux_out, m) != 0)
		die("cannot encode %s", msb_mux_msg_name(m->type));
	flush_all(mux_fd, &mux_out);
}

/* In a child about to exec: fds[i] becomes 3 + i, and every fd above them is closed. */
static void
child_fds(const int *fds, int n)
{
	int high[3];

	for (int i = 0; i < n; i++) {
		if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + n)) < 0)
			_exit(126);
	}
	for (int i = 0; i < n; i++) {
		if (dup2(high[i], 3 + i) != 3 + i)
			_exit(126);
	}
	if (close_range(3 + (unsigned)n, ~0U, 0) != 0)
		_exit(126);
}

static void
write_pidfile(pid_t pid)
{
	char tmp[4096];

	if (opt.pidfile == NULL)
		return;
	/* Renamed into place: a reader never sees it half written. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", opt.pidfile) >= (int)sizeof(tmp))
		die("%s: name too long", opt.pidfile);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0 ||
	    rename(tmp, opt.pidfile) != 0)
		die("%s: %s", opt.pidfile, strerror(errno));
}

/* Starts msb-session on the mux end given (as monitor/ does) and sends it SESSION. */
static void
start_session(int mux_end)
{
	int mon[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) != 0)
		die("socketpair: %s", strerror(errno));
	worker = fork();
	if (worker < 0)
		die("fork: %s", strerror(errno));
	if (worker == 0) {
		child_fds((int[]){ mon[1], mux_end }, 2);
		execl(opt.session_bin, "msb-session", (char *)NULL);
		fprintf(stderr, "driver: exec %s: %s\n", opt.session_bin, strerror(errno));
		_exit(127);
	}
	close(mon[1]);
	mon_fd = mon[0];
	struct msb_mon m = {
		.type = MSB_MON_SESSION, .version = MSB_MON_VERSION,
		.user = opt.user, .user_len = strlen(opt.user),
		.guest_user = opt.guest_user, .guest_user_len = strlen(opt.guest_user),
		.flags = opt.flags,
		.command = opt.forced ? opt.forced : "",
		.command_len = opt.forced ? strlen(opt.forced) : 0,
		.vsock = opt.agent, .vsock_len = strlen(opt.agent),
		.env_allow = opt.env_allow, .env_allow_len = strlen(opt.env_allow),
		.log_level = opt.log_level, .idle_timeout_s = opt.idle_s,
		.max_sessions = UINT32_MAX,
	};
	if (msb_mon_put(&mon_in, &m) != 0)
		die("cannot encode SESSION");
	flush_all(mon_fd, &mon_in);
}

/* The worker for the modes that play the network child too. */
static void
spawn_worker(void)
{
	int mux[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mux) != 0)
		die("socketpair: %s", strerror(errno));
	start_session(mux[1]);
	close(mux[1]);
	mux_fd = mux[0];
	write_pidfile(worker);
	struct msb_mux h = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };
	send_mux(&h);
}

static struct dchan *
new_chan(void)
{
	for (uint32_t i = 0; i < MAX_CHANS; i++) {
		if (!chans[i].used) {
			struct dchan *c = &chans[i];
			memset(c, 0, sizeof(*c));
			c->used = true;
			/* Ids that are not small indexes catch any mix-up. */
			c->id = 1000 + i;
			c->status = -1;
			c->credit = MSB_MUX_CHAN_WINDOW;
			msb_buf_init(&c->out, COLLECT_MAX);
			return c;
		}
	}
	die("too many channels");
}

static struct dchan *
find_chan(uint32_t id)
{
	if (id < 1000 || id >= 1000 + MAX_CHANS || !chans[id - 1000].used)
		die("frame for unknown channel %u", id);
	return &chans[id - 1000];
}

static void
request(struct dchan *c, struct msb_mux *m, const char *what)
{
	m->chan = c->id;
	if (m->want_reply) {
		if (c->npending == 8)
			die("too many requests in flight");
		snprintf(c->pending[c->npending++], sizeof(c->pending[0]), "%s", what);
	}
	send_mux(m);
}

static void
send_program(struct dchan *c, uint8_t type, const char *arg)
{
	if (opt.pty) {
		struct msb_mux m = {
			.type = MSB_MUX_REQ_PTY, .want_reply = true, .str = opt.term,
			.str_len = strlen(opt.term), .cols = opt.cols, .rows = opt.rows,
		};
		request(c, &m, "pty");
	}
	for (int i = 0; i < opt.nenv; i++) {
		char *eq = strchr(opt.env[i], '=');
		char what[48];
		struct msb_mux m = {
			.type = MSB_MUX_REQ_ENV, .want_reply = true, .str = opt.env[i],
			.str_len = (size_t)(eq - opt.env[i]), .str2 = eq + 1,
			.str2_len = strlen(eq + 1),
		};
		snprintf(what, sizeof(what), "env %.*s", (int)m.str_len, m.str);
		request(c, &m, what);
	}
	struct msb_mux m = { .type = type, .want_reply = true };
	if (arg != NULL) {
		m.str = arg;
		m.str_len = strlen(arg);
	}
	request(c, &m, type == MSB_MUX_REQ_EXEC ? "exec" :
	    type == MSB_MUX_REQ_SHELL ? "shell" : "subsystem");
	c->started_ms = msb_now_ms();
}

static void
open_session(struct dchan *c)
{
	struct msb_mux m = { .type = MSB_MUX_OPEN_SESSION, .chan = c->id };

	send_mux(&m);
}

static void
close_chan(struct dchan *c)
{
	if (c->close_sent)
		return;
	struct msb_mux m = { .type = MSB_MUX_CLOSE, .chan = c->id };
	send_mux(&m);
	c->close_sent = true;
}

/* Grants in quarter windows, as an SSH peer adjusts its window. */
static void
grant(struct dchan *c, size_t n)
{
	c->owed += (uint32_t)n;
	if (c->owed < MSB_MUX_CHAN_WINDOW / 4 || c->close_sent)
		return;
	struct msb_mux m = { .type = MSB_MUX_WINDOW, .chan = c->id, .n = c->owed };
	send_mux(&m);
	c->owed = 0;
}

static void
deliver(struct dchan *c, int fd, const uint8_t *p, size_t n)
{
	if (!c->relay) {
		if (msb_buf_put(&c->out, p, n) != 0)
			die("channel %u: too much output", c->id);
		grant(c, n);
		return;
	}
	/* A blocking write: a stalled reader of ours stalls the channel, as
	 * an ssh client with a stalled stdout does. */
	if (msb_write_all(fd, p, n) != 0) {
		if (errno != EPIPE)
			die("write: %s", strerror(errno));
		/* Our reader is gone: end the channel, as ssh dies of SIGPIPE. */
		close_chan(c);
		return;
	}
	if (opt.grant_delay_ms > 0)
		usleep((useconds_t)opt.grant_delay_ms * 1000);
	grant(c, n);
}

static void
on_reply(struct dchan *c, bool ok)
{
	if (c->npending == 0)
		die("channel %u: REQ_REPLY without a request", c->id);
	if (!ok) {
		fprintf(stderr, "driver: %s refused\n", c->pending[0]);
		/* As ssh does when its program request fails. */
		if (strcmp(c->pending[0], "exec") == 0 || strcmp(c->pending[0], "shell") == 0 ||
		    strcmp(c->pending[0], "subsystem") == 0)
			close_chan(c);
	}
	memmove(c->pending[0], c->pending[1], sizeof(c->pending[0]) * 7);
	c->npending--;
}

static void
on_mux_frame(const struct msb_mux *m)
{
	if (m->type == MSB_MUX_HELLO)
		return;
	struct dchan *c = find_chan(m->chan);
	switch (m->type) {
	case MSB_MUX_OPEN_CONFIRM:
		c->open = true;
		break;
	case MSB_MUX_OPEN_FAILURE:
		fprintf(stderr, "driver: open failed: reason %u: %.*s\n", m->n,
		    (int)m->str_len, m->str);
		c->status = 1;
		c->done = true;
		c->used = false;
		break;
	case MSB_MUX_REQ_REPLY:
		on_reply(c, m->ok);
		break;
	case MSB_MUX_DATA:
	case MSB_MUX_EXT_DATA:
		if (m->len > MSB_MUX_CHAN_WINDOW)
			die("oversized data");
		deliver(c, m->type == MSB_MUX_DATA ? STDOUT_FILENO : STDERR_FILENO,
		    m->data, m->len);
		break;
	case MSB_MUX_EXIT_STATUS:
		c->status = (int)m->n;
		break;
	case MSB_MUX_EXIT_SIGNAL: {
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)m->str_len, m->str);
		fprintf(stderr, "driver: exit-signal %s core=%d\n", name, m->core);
		int signo = 0;
		const char *names[] = { "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT",
		    "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM" };
		for (int i = 1; i < 16; i++) {
			if (strcmp(names[i], name) == 0)
				signo = i;
		}
		c->status = 128 + signo;
		break;
	}
	case MSB_MUX_EOF:
		break;
	case MSB_MUX_WINDOW:
		c->credit += m->n;
		break;
	case MSB_MUX_CLOSE:
		c->close_rcvd = true;
		c->closed_ms = msb_now_ms();
		close_chan(c);
		c->done = true;
		if (c->status < 0)
			c->status = 255;
		break;
	default:
		die("unexpected %s from the worker", msb_mux_msg_name(m->type));
	}
}

static void
on_audit(void)
{
	struct msb_mon m;
	int rc;

	while ((rc = msb_mon_get(&mon_in, &m)) == 1) {
		if (audit_fp != NULL && m.type == MSB_MON_AUDIT_OPEN)
			fprintf(audit_fp, "open %u %u %.*s\n", m.chan, m.kind,
			    (int)m.detail_len, m.detail);
		else if (audit_fp != NULL && m.type == MSB_MON_AUDIT_CLOSE)
			fprintf(audit_fp, "close %u in=%llu out=%llu exit=%d\n", m.chan,
			    (unsigned long long)m.bytes_in, (unsigned long long)m.bytes_out,
			    (int)m.exit);
		else if (m.type != MSB_MON_AUDIT_OPEN && m.type != MSB_MON_AUDIT_CLOSE)
			die("unexpected %s from the worker", msb_mon_msg_name(m.type));
		if (audit_fp != NULL)
			fflush(audit_fp);
		msb_mon_consume(&mon_in, &m);
	}
	if (rc < 0)
		die("malformed monitor message from the worker");
}

/* Reads into b; false on EOF. */
static bool
read_into(int fd, struct msb_buf *b)
{
	uint8_t *dst = msb_buf_reserve(b, 65536);

	if (dst == NULL)
		die("input buffer full");
	ssize_t n = read(fd, dst, 65536);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	msb_buf_commit(b, (size_t)n);
	return true;
}

static void
send_stdin(struct dchan *c)
{
	uint8_t buf[MSB_MUX_MAX_DATA];
	size_t want = c->credit < sizeof(buf) ? c->credit : sizeof(buf);
	ssize_t n = read(STDIN_FILENO, buf, want);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		stdin_eof = true;
		struct msb_mux m = { .type = MSB_MUX_EOF, .chan = c->id };
		send_mux(&m);
		c->eof_sent = true;
		return;
	}
	struct msb_mux m = { .type = MSB_MUX_DATA, .chan = c->id, .data = buf, .len = (size_t)n };
	send_mux(&m);
	c->credit -= (uint32_t)n;
}

static void
run_timed(struct dchan *c)
{
	while (c->next_timed < opt.ntimed &&
	    msb_now_ms() - c->started_ms >= opt.timed[c->next_timed].at_ms) {
		const struct timed *t = &opt.timed[c->next_timed++];
		struct msb_mux m = { .chan = c->id };
		if (t->resize) {
			m.type = MSB_MUX_REQ_WINDOW_CHANGE;
			m.cols = t->cols;
			m.rows = t->rows;
		} else {
			m.type = MSB_MUX_REQ_SIGNAL;
			m.str = t->signame;
			m.str_len = strlen(t->signame);
		}
		send_mux(&m);
	}
}

/* Runs until every used channel is done (or the mux closes: false). */
static bool
loop(struct dchan *relay)
{
	for (;;) {
		bool busy = false;
		for (int i = 0; i < MAX_CHANS; i++)
			busy |= chans[i].used && !chans[i].done;
		if (!busy)
			return true;
		struct pollfd pfd[3] = {
			{ .fd = mux_fd, .events = POLLIN },
			{ .fd = mon_fd, .events = POLLIN },
			{ .fd = -1 },
		};
		if (relay != NULL && relay->open && !relay->close_sent && !stdin_eof &&
		    !stdin_closed_local && relay->credit > 0)
			pfd[2] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int timeout = 50;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (opt.hangup_ms >= 0 && msb_now_ms() - t0 >= opt.hangup_ms)
			return false;
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if (!read_into(mon_fd, &mon_in))
				return false;
			on_audit();
		}
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (!read_into(mux_fd, &mux_in))
				return false;
			struct msb_mux m;
			int rc;
			while ((rc = msb_mux_get(&mux_in, &m)) == 1) {
				on_mux_frame(&m);
				msb_mux_consume(&mux_in, &m);
			}
			if (rc < 0)
				die("malformed mux frame from the worker");
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			send_stdin(relay);
		for (int i = 0; i < MAX_CHANS; i++) {
			if (chans[i].used && chans[i].open && !chans[i].done)
				run_timed(&chans[i]);
		}
	}
}

static long
worker_hwm_kib(void)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)worker);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

/* Closes the mux and waits for the worker: it must exit promptly and cleanly. */
static int
finish(int status)
{
	int ws;

	if (opt.rss)
		fprintf(stderr, "driver: worker VmHWM %ld kB\n", worker_hwm_kib());
	close(mux_fd);
	int64_t deadline = msb_now_ms() + 5000;
	pid_t r;
	while ((r = waitpid(worker, &ws, WNOHANG)) == 0 && msb_now_ms() < deadline)
		usleep(10000);
	if (r == 0) {
		kill(worker, SIGKILL);
		fprintf(stderr, "driver: worker did not exit after the mux closed\n");
		return 3;
	}
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		fprintf(stderr, "driver: worker ended badly (status 0x%x)\n", ws);
		return 3;
	}
	/* Audit records sent at exit. */
	while (read_into(mon_fd, &mon_in))
		;
	on_audit();
	return status;
}

static int
run_programs(uint8_t type, char **cmds, int ncmds)
{
	int status = 0;

	for (int i = 0; i < ncmds || (i == 0 && ncmds == 0); i++) {
		struct dchan *c = new_chan();
		c->relay = i == 0;
		open_session(c);
		send_program(c, type, ncmds > 0 ? cmds[i] : NULL);
		if (!c->relay) {
			struct msb_mux eof = { .type = MSB_MUX_EOF, .chan = c->id };
			send_mux(&eof);
		}
		if (!loop(c))
			return finish(254);
		status = c->status;
		c->used = false;
		msb_buf_free(&c->out);
	}
	return finish(status);
}

static int
run_tcp(const char *host, const char *port)
{
	struct dchan *c = new_chan();
	c->relay = true;
	struct msb_mux m = {
		.type = MSB_MUX_OPEN_DIRECT_TCPIP, .chan = c->id, .str = host,
		.str_len = strlen(host), .port = (uint32_t)atoi(port),
		.str2 = "127.0.0.1", .str2_len = 9, .orig_port = 40000,
	};
	send_mux(&m);
	if (!loop(c))
		return finish(254);
	return finish(c->status == 1 && !c->open ? 1 : 0);
}

static int
run_multi(int n, const char *cmd)
{
	struct dchan *cs[MAX_CHANS];

	if (n < 1 || n > MAX_CHANS)
		die("multi: 1..%d channels", MAX_CHANS);
	/* All opens and requests go out before any answer is read. */
	for (int i = 0; i < n; i++) {
		char buf[1024];
		const char *pct = strstr(cmd, "%d");
		if (pct != NULL)
			snprintf(buf, sizeof(buf), "%.*s%d%s", (int)(pct - cmd), cmd, i, pct + 2);
		else
			snprintf(buf, sizeof(buf), "%s", cmd);
		cs[i] = new_chan();
		open_session(cs[i]);
		send_program(cs[i], MSB_MUX_REQ_EXEC, buf);
		struct msb_mux eof = { .type = MSB_MUX_EOF, .chan = cs[i]->id };
		send_mux(&eof);
	}
	if (!loop(NULL))
		return finish(254);
	int worst = 0;
	for (int i = 0; i < n; i++) {
		printf("%d %d %lld %.*s\n", i, cs[i]->status,
		    (long long)(cs[i]->closed_ms - cs[i]->started_ms), (int)msb_buf_avail(&cs[i]->out),
		    (const char *)msb_buf_ptr(&cs[i]->out));
		if (cs[i]->status != 0)
			worst = 1;
	}
	return finish(worst);
}

static int
run_idle(void)
{
	struct pollfd pfd = { .fd = mux_fd, .events = POLLIN };

	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (!read_into(mux_fd, &mux_in))
			break;
		struct msb_mux m;
		while (msb_mux_get(&mux_in, &m) == 1)
			msb_mux_consume(&mux_in, &m);
	}
	fprintf(stderr, "driver: mux closed by the worker after %lld ms\n",
	    (long long)(msb_now_ms() - t0));
	return finish(0);
}

/*
 * preauth mode: the monitor's side of msb-preauth (lib/monitor_proto.h),
 * so that real ssh clients reach a real msb-session through it without
 * msb-monitor. The one key allowed is the OpenSSH public key in a file.
 */
static struct {
	const char *bin, *chroot, *uid, *gid;
	char hostkey[16384];
	size_t hostkey_len;
	char key[8192];      /* "TYPE BASE64" of the allowed key */
	uint64_t rekey_bytes;
} pre;

static void
load_keys(const char *hostkey_path, const char *authkey_path)
{
	char line[8192], type[64], b64[8000];
	FILE *f = fopen(hostkey_path, "r");

	if (f == NULL)
		die("%s: %s", hostkey_path, strerror(errno));
	pre.hostkey_len = fread(pre.hostkey, 1, sizeof(pre.hostkey), f);
	if (ferror(f) || pre.hostkey_len == 0 || pre.hostkey_len == sizeof(pre.hostkey))
		die("%s: cannot read the host key", hostkey_path);
	fclose(f);
	if ((f = fopen(authkey_path, "r")) == NULL)
		die("%s: %s", authkey_path, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "%63s %7999s", type, b64) != 2)
		die("%s: no public key", authkey_path);
	fclose(f);
	snprintf(pre.key, sizeof(pre.key), "%s %s", type, b64);
}

static pid_t
start_preauth(int client, int mon_end, int mux_end)
{
	char *argv[8] = { "msb-preauth" };
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	if (pre.chroot != NULL) {
		argv[1] = "--chroot";
		argv[2] = (char *)pre.chroot;
		argv[3] = "--uid";
		argv[4] = (char *)pre.uid;
		argv[5] = "--gid";
		argv[6] = (char *)pre.gid;
	}
	child_fds((int[]){ client, mon_end, mux_end }, 3);
	execv(pre.bin, argv);
	fprintf(stderr, "driver: exec %s: %s\n", pre.bin, strerror(errno));
	_exit(127);
}

static void
send_mon(int fd, const struct msb_mon *m)
{
	struct msb_buf out;

	msb_buf_init(&out, 2 * MSB_MON_MAX_FRAME);
	if (msb_mon_put(&out, m) != 0)
		die("cannot encode %s", msb_mon_msg_name(m->type));
	flush_all(fd, &out);
	msb_buf_free(&out);
}

/* Answers AUTH_REQUESTs as monitor/ would for one key; true once it is signed. */
static bool
authenticate(int fd)
{
	struct msb_buf in;
	uint32_t tries = 6;

	msb_buf_init(&in, 2 * MSB_MON_MAX_FRAME + 65536);
	while (tries > 0) {
		struct msb_mon m;
		int rc;
		while ((rc = msb_mon_get(&in, &m)) == 0) {
			if (!read_into(fd, &in))
				return false;
		}
		if (rc < 0 || m.type != MSB_MON_AUTH_REQUEST)
			die("unexpected message from msb-preauth");
		bool match = m.method == MSB_MON_METHOD_PUBLICKEY &&
		    m.key_len == strlen(pre.key) && memcmp(m.key, pre.key, m.key_len) == 0;
		struct msb_mon a = { .type = MSB_MON_AUTH_ANSWER,
		    .result = !match ? MSB_MON_AUTH_DENY :
		    m.is_signed ? MSB_MON_AUTH_ALLOW : MSB_MON_AUTH_OK };
		if (!match)
			tries--;
		a.tries_left = tries;
		fprintf(stderr, "driver: auth method %u signed %d: %s\n", m.method,
		    m.is_signed, match ? "the allowed key" : "denied");
		msb_mon_consume(&in, &m);
		send_mon(fd, &a);
		if (a.result == MSB_MON_AUTH_ALLOW) {
			msb_buf_free(&in);
			return true;
		}
	}
	msb_buf_free(&in);
	return false;
}

static void
report_exit(const char *what, pid_t pid)
{
	int ws;

	if (waitpid(pid, &ws, 0) != pid)
		die("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(ws))
		fprintf(stderr, "driver: %s %d killed by signal %d\n", what, (int)pid,
		    WTERMSIG(ws));
	else
		fprintf(stderr, "driver: %s %d exited %d\n", what, (int)pid,
		    WEXITSTATUS(ws));
}

/* One connection: msb-preauth, then msb-session on its mux once authenticated. */
static void
serve_client(int client)
{
	int mon[2], mux[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mux) != 0)
		die("socketpair: %s", strerror(errno));
	pid_t child = start_preauth(client, mon[1], mux[1]);
	close(client);
	close(mon[1]);
	close(mux[1]);
	write_pidfile(child);
	struct msb_mon hk = { .type = MSB_MON_HOSTKEY, .key = pre.hostkey,
	    .key_len = pre.hostkey_len };
	struct msb_mon cfg = { .type = MSB_MON_CONFIG, .version = MSB_MON_VERSION,
	    .log_level = opt.log_level, .idle_timeout_s = opt.idle_s,
	    .rekey_bytes = pre.rekey_bytes };
	send_mon(mon[0], &hk);
	explicit_bzero(pre.hostkey, sizeof(pre.hostkey));
	send_mon(mon[0], &cfg);
	if (authenticate(mon[0])) {
		start_session(mux[0]);
		close(mux[0]);
		/* The worker's audit records, until the connection ends. */
		while (read_into(mon_fd, &mon_in))
			on_audit();
		report_exit("msb-session", worker);
	} else {
		close(mux[0]);
	}
	close(mon[0]);
	report_exit("msb-preauth", child);
}

/* Serves every connection to 127.0.0.1:PORT (PORT written to PORTFILE) until killed. */
static int
run_preauth(char **args)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char port[16], tmp[4096];
	int one = 1;

	pre.bin = args[0];
	load_keys(args[1], args[2]);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sin, &len) != 0)
		die("listen: %s", strerror(errno));
	snprintf(port, sizeof(port), "%u", ntohs(sin.sin_port));
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", args[3]) >= (int)sizeof(tmp))
		die("%s: name too long", args[3]);
	FILE *f = fopen(tmp, "w");
	if (f == NULL || fputs(port, f) == EOF || fclose(f) != 0 || rename(tmp, args[3]) != 0)
		die("%s: %s", args[3], strerror(errno));
	for (;;) {
		struct pollfd pfd = { .fd = ls, .events = POLLIN };
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (!(pfd.revents & POLLIN))
			continue;
		int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept: %s", strerror(errno));
		}
		pid_t h = fork();
		if (h < 0)
			die("fork: %s", strerror(errno));
		if (h == 0) {
			close(ls);
			/* A killed listener takes its connections with it. */
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
				die("prctl: %s", strerror(errno));
			serve_client(c);
			exit(0);
		}
		close(c);
	}
}

static void
add_timed(const char *arg, bool resize)
{
	struct timed *t = &opt.timed[opt.ntimed];
	unsigned long at = 0;
	const char *at_s = strchr(arg, '@');

	if (opt.ntimed == 16 || at_s == NULL)
		die("bad timed action '%s'", arg);
	at = strtoul(at_s + 1, NULL, 10);
	t->at_ms = (int64_t)at;
	t->resize = resize;
	if (resize) {
		if (sscanf(arg, "%ux%u", &t->cols, &t->rows) != 2)
			die("bad size '%s'", arg);
	} else {
		snprintf(t->signame, sizeof(t->signame), "%.*s", (int)(at_s - arg), arg);
	}
	opt.ntimed++;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: mux-driver --agent unix:PATH|vsock:PATH [options] MODE ...\n"
	    "  --session BIN       msb-session (default $MSB_BUILDDIR/msb-session)\n"
	    "  --guest-user U      SESSION.guest_user\n"
	    "  --flags LIST        no-pty,no-port-forward,no-sftp\n"
	    "  --forced CMD        forced command\n"
	    "  --env-allow LIST    extra accepted variables\n"
	    "  --env NAME=VALUE    env request (repeatable)\n"
	    "  --pty COLSxROWS     request a terminal (--term NAME)\n"
	    "  --resize CxR@MS     window-change MS after the program request\n"
	    "  --signal NAME@MS    signal MS after the program request\n"
	    "  --idle S            SESSION.idle_timeout_s\n"
	    "  --audit FILE        write the audit records there\n"
	    "  --pidfile FILE      write the worker's pid there\n"
	    "  --rss               print the worker's peak RSS at the end\n"
	    "  --grant-delay MS    wait before granting window for output\n"
	    "  --hangup MS         close the mux MS after start\n"
	    "  --log-level N       SESSION.log_level (0..4); CONFIG's too\n"
	    "  --chroot DIR --uid N --gid N   msb-preauth's (preauth, as root)\n"
	    "  --rekey-bytes N     CONFIG.rekey_bytes (preauth)\n"
	    "modes: exec CMD... | shell | subsystem NAME | tcp HOST PORT | multi N CMD | idle |\n"
	    "       preauth BIN HOSTKEY AUTHKEY PORTFILE\n");
	exit(2);
}

static void
parse_flags(const char *list)
{
	if (strstr(list, "no-pty") != NULL)
		opt.flags |= MSB_MON_F_NO_PTY;
	if (strstr(list, "no-port-forward") != NULL)
		opt.flags |= MSB_MON_F_NO_PORT_FORWARD;
	if (strstr(list, "no-sftp") != NULL)
		opt.flags |= MSB_MON_F_NO_SFTP;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "session", required_argument, NULL, 'S' },
		{ "guest-user", required_argument, NULL, 'u' },
		{ "flags", required_argument, NULL, 'f' },
		{ "forced", required_argument, NULL, 'F' },
		{ "env-allow", required_argument, NULL, 'A' },
		{ "env", required_argument, NULL, 'e' },
		{ "pty", required_argument, NULL, 'p' },
		{ "term", required_argument, NULL, 'T' },
		{ "resize", required_argument, NULL, 'r' },
		{ "signal", required_argument, NULL, 's' },
		{ "idle", required_argument, NULL, 'i' },
		{ "audit", required_argument, NULL, 'U' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "rss", no_argument, NULL, 'R' },
		{ "grant-delay", required_argument, NULL, 'g' },
		{ "hangup", required_argument, NULL, 'H' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "chroot", required_argument, NULL, 'C' },
		{ "uid", required_argument, NULL, 'I' },
		{ "gid", required_argument, NULL, 'G' },
		{ "rekey-bytes", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static char default_bin[4096];
	int ch;

	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': opt.agent = optarg; break;
		case 'S': opt.session_bin = optarg; break;
		case 'u': opt.guest_user = optarg; break;
		case 'f': parse_flags(optarg); break;
		case 'F': opt.forced = optarg; opt.flags |= MSB_MON_F_FORCED_COMMAND; break;
		case 'A': opt.env_allow = optarg; break;
		case 'e':
			if (opt.nenv == 32 || strchr(optarg, '=') == NULL)
				usage();
			opt.env[opt.nenv++] = optarg;
			break;
		case 'p':
			if (sscanf(optarg, "%ux%u", &opt.cols, &opt.rows) != 2)
				usage();
			opt.pty = true;
			break;
		case 'T': opt.term = optarg; break;
		case 'r': add_timed(optarg, true); break;
		case 's': add_timed(optarg, false); break;
		case 'i': opt.idle_s = (uint32_t)atoi(optarg); break;
		case 'U': opt.audit_path = optarg; break;
		case 'P': opt.pidfile = optarg; break;
		case 'R': opt.rss = true; break;
		case 'g': opt.grant_delay_ms = atoi(optarg); break;
		case 'H': opt.hangup_ms = atoi(optarg); break;
		case 'l': opt.log_level = (uint32_t)atoi(optarg); break;
		case 'C': pre.chroot = optarg; break;
		case 'I': pre.uid = optarg; break;
		case 'G': pre.gid = optarg; break;
		case 'k': pre.rekey_bytes = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (opt.agent == NULL || optind >= argc)
		usage();
	if (opt.session_bin == NULL) {
		const char *b = getenv("MSB_BUILDDIR");
		snprintf(default_bin, sizeof(default_bin), "%s/msb-session", b ? b : ".");
		opt.session_bin = default_bin;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal: %s", strerror(errno));
	if (opt.audit_path != NULL && (audit_fp = fopen(opt.audit_path, "w")) == NULL)
		die("%s: %s", opt.audit_path, strerror(errno));
	msb_buf_init(&mux_in, 2 * MSB_MUX_MAX_FRAME + 65536);
	msb_buf_init(&mux_out, 2 * MSB_MUX_MAX_FRAME);
	msb_buf_init(&mon_in, 2 * MSB_MON_MAX_FRAME + 65536);
	t0 = msb_now_ms();
	const char *mode = argv[optind++];
	int rest = argc - optind;
	if (strcmp(mode, "preauth") == 0 && rest == 4 &&
	    (pre.chroot == NULL) == (pre.uid == NULL) && (pre.uid == NULL) == (pre.gid == NULL))
		return run_preauth(argv + optind);
	spawn_worker();
	if (strcmp(mode, "exec") == 0 && rest >= 1)
		return run_programs(MSB_MUX_REQ_EXEC, argv + optind, rest);
	if (strcmp(mode, "shell") == 0 && rest == 0)
		return run_programs(MSB_MUX_REQ_SHELL, NULL, 0);
	if (strcmp(mode, "subsystem") == 0 && rest == 1)
		return run_programs(MSB_MUX_REQ_SUBSYSTEM, argv + optind, 1);
	if (strcmp(mode, "tcp") == 0 && rest == 2)
		return run_tcp(argv[optind], argv[optind + 1]);
	if (strcmp(mode, "multi") == 0 && rest == 2)
		return run_multi(atoi(argv[optind]), argv[optind + 1]);
	if (strcmp(mode, "idle") == 0 && rest == 0)
		return run_idle();
	usage();
}
