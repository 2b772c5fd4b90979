/*
 * msb-session: the per-connection session worker. Started by the monitor
 * after authentication, as the sandbox owner and without capabilities,
 * with fd 3 = the monitor's RPC (SESSION and RECORD_FILE in, AUDIT_* and
 * RECORD_OPEN out) and fd 4 = the
 * channel mux to the network child.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent_io.h"
#include "clock.h"
#include "mem_trim.h"
#include "log.h"
#include "monitor_proto.h"
#include "session.h"
#include "signals.h"

#define MON_FD 3
#define MUX_FD 4
/* SESSION follows the exec at once; waiting longer means the monitor is gone. */
#define SESSION_WAIT_MS 30000
/* Quiet this long, the worker gives back the pages its busy moments touched. */
#define QUIET_TRIM_MS 2000

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: msb-session [--log-level LEVEL]\n"
	    "Started by msb-monitor with fd 3 = monitor RPC and fd 4 = channel mux.\n");
	exit(2);
}

static char *
dup_field(const char *p, size_t n)
{
	char *s = strndup(p != NULL ? p : "", p != NULL ? n : 0);

	if (s == NULL)
		fatal_f("out of memory");
	return s;
}

static void
take_agent_address(struct session *s, const char *addr)
{
	struct sockaddr_un sun;
	const char *path;

	if (strncmp(addr, "vsock:", 6) == 0) {
		s->agent_vsock = true;
		path = addr + 6;
	} else if (strncmp(addr, "unix:", 5) == 0) {
		path = addr + 5;
	} else {
		fatal("SESSION: agent address '%s' is neither vsock:PATH nor unix:PATH", addr);
	}
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		fatal("SESSION: unusable agent socket path '%s'", path);
	s->agent_path = dup_field(path, strlen(path));
}

/* Blocks for the one SESSION message: nothing can happen before it. */
static void
read_session(struct session *s)
{
	struct msb_buf in;
	struct msb_mon m;
	int64_t deadline = msb_now_ms() + SESSION_WAIT_MS;
	int rc;

	msb_buf_init(&in, MSB_MON_MAX_FRAME + 4);
	while ((rc = msb_mon_get(&in, &m)) == 0) {
		int64_t left = deadline - msb_now_ms();
		if (left <= 0)
			fatal("no SESSION from the monitor");
		struct pollfd pfd = { .fd = s->mon_fd, .events = POLLIN };
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			fatal_f("poll: %s", strerror(errno));
		if (pr <= 0)
			continue;
		uint8_t *dst = msb_buf_reserve(&in, 4096);
		if (dst == NULL)
			fatal("oversized message from the monitor");
		ssize_t n = read(s->mon_fd, dst, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("monitor: %s", n == 0 ? "closed before SESSION" : strerror(errno));
		msb_buf_commit(&in, (size_t)n);
	}
	if (rc < 0 || m.type != MSB_MON_SESSION)
		fatal("expected SESSION from the monitor");
	if (m.version != MSB_MON_VERSION)
		fatal("monitor speaks version %u, not %u", m.version, MSB_MON_VERSION);
	if (m.log_level <= MSB_LOG_DEBUG)
		msb_log_set_level((enum msb_log_level)m.log_level);
	s->user = dup_field(m.user, m.user_len);
	s->guest_user = dup_field(m.guest_user, m.guest_user_len);
	s->command = dup_field(m.command, m.command_len);
	s->env_allow = dup_field(m.env_allow, m.env_allow_len);
	s->sftp_deny = dup_field(m.sftp_deny, m.sftp_deny_len);
	s->sftp_allow = dup_field(m.sftp_allow, m.sftp_allow_len);
	char *addr = dup_field(m.vsock, m.vsock_len);
	take_agent_address(s, addr);
	free(addr);
	s->flags = m.flags;
	s->idle_timeout_s = m.idle_timeout_s;
	s->max_sessions = m.max_sessions;
	s->record_max = m.record_max;
	if ((s->flags & MSB_MON_F_RECORD) && s->record_max == 0)
		fatal("SESSION: recording without a size cap");
	if ((s->flags & MSB_MON_F_FORCED_COMMAND) && s->command[0] == '\0')
		fatal("SESSION: forced command flag without a command");
	msb_mon_consume(&in, &m);
	if (msb_buf_avail(&in) != 0)
		fatal("unexpected message from the monitor after SESSION");
	msb_buf_free(&in);
	char user[1024], guest_user[1024];
	verbose_f("session for %s as guest user '%s' via %s%s",
	    msb_log_escape(user, sizeof(user), s->user, strlen(s->user)),
	    msb_log_escape(guest_user, sizeof(guest_user), s->guest_user, strlen(s->guest_user)),
	    s->agent_vsock ? "vsock:" : "unix:", s->agent_path);
}

static void
check_fd(int fd, const char *what)
{
	if (fcntl(fd, F_GETFD) < 0)
		fatal("fd %d (%s) is not open: msb-session is started by msb-monitor", fd, what);
}

/* Sends what the mux buffer holds; -1 when the network child is gone. */
static int
write_buf(int fd, struct msb_buf *b)
{
	ssize_t n = write(fd, msb_buf_ptr(b), msb_buf_avail(b));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	msb_buf_consume(b, (size_t)n);
	return 0;
}

static int
read_mux(struct session *s)
{
	size_t room = msb_buf_room(&s->mux_in);
	uint8_t *dst = msb_buf_reserve(&s->mux_in, room);

	if (dst == NULL)
		return 0;
	ssize_t n = read(s->mux_fd, dst, room);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	msb_buf_commit(&s->mux_in, (size_t)n);
	return mux_dispatch(s);
}

/* Times out dials and retries connects; returns the next timer (ms, -1 none). */
static int
run_timers(struct session *s)
{
	int64_t now = msb_now_ms(), next = -1;

	for (size_t i = 0; i < s->nchans; i++) {
		struct chan *c = s->chans[i];
		if (c->state < CH_CONNECTING || c->state > CH_REPLY)
			continue;
		if (now >= c->deadline) {
			chan_fail(s, c, 255, "cannot reach the sandbox: timed out");
			continue;
		}
		if (c->fd < 0 && c->retry_at != 0 && now >= c->retry_at) {
			agent_dial_start(s, c);
			chan_pump(s, c);
		}
		int64_t t = c->fd < 0 && c->retry_at != 0 && c->retry_at < c->deadline ?
		    c->retry_at : c->deadline;
		if (next < 0 || t < next)
			next = t;
	}
	if (s->idle_timeout_s > 0 && s->nchans == 0) {
		int64_t t = s->last_activity + (int64_t)s->idle_timeout_s * 1000;
		if (now >= t) {
			info("idle for %u s: closing the connection", s->idle_timeout_s);
			return -2;
		}
		if (next < 0 || t < next)
			next = t;
	}
	if (s->trimmed_after != s->last_activity) {
		int64_t t = s->last_activity + QUIET_TRIM_MS;
		if (now >= t) {
			msb_mem_trim();
			s->trimmed_after = s->last_activity;
		} else if (next < 0 || t < next) {
			next = t;
		}
	}
	if (next < 0)
		return -1;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

/* Sends the audit records still open and gives the monitor a moment to take them. */
static void
shutdown_session(struct session *s)
{
	for (size_t i = 0; i < s->nchans; i++) {
		record_close(s, s->chans[i]);
		audit_close(s, s->chans[i]);
		chan_free(s->chans[i]);
	}
	s->nchans = 0;
	if (msb_set_nonblock(s->mon_fd, 0) != 0 || msb_flush_buf(s->mon_fd, &s->mon_out) != 0)
		verbose_f("monitor: %s", strerror(errno));
}

static void
serve(struct session *s, int sigfd)
{
	struct pollfd pfd[3 + MSB_MUX_MAX_CHANS];
	struct chan *polled[MSB_MUX_MAX_CHANS];

	for (;;) {
		/* Whatever waited for room in the mux output goes on now:
		 * frames held back, and output blocked on it. */
		if (mux_dispatch(s) != 0)
			return;
		for (size_t i = 0; i < s->nchans; i++)
			chan_pump(s, s->chans[i]);
		chan_reap(s);
		int timeout = run_timers(s);
		if (timeout == -2)
			return;
		chan_reap(s);

		pfd[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->mon_fd, .events = POLLIN |
		    (msb_buf_avail(&s->mon_out) > 0 ? POLLOUT : 0) };
		short mux_ev = msb_buf_avail(&s->mux_out) > 0 ? POLLOUT : 0;
		if (!mux_out_busy(s) && msb_buf_room(&s->mux_in) > 0 &&
		    msb_buf_avail(&s->mon_out) < MUX_OUT_HIGH)
			mux_ev |= POLLIN;
		pfd[2] = (struct pollfd){ .fd = s->mux_fd, .events = mux_ev };
		size_t n = 3;
		for (size_t i = 0; i < s->nchans; i++) {
			short ev = chan_poll_events(s, s->chans[i]);
			/* An fd is polled only for what we want of it: a hung-up
			 * socket would otherwise wake us forever. */
			if (ev == 0)
				continue;
			polled[n - 3] = s->chans[i];
			pfd[n++] = (struct pollfd){ .fd = s->chans[i]->fd, .events = ev };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fatal_f("poll: %s", strerror(errno));
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			/* The monitor ends every connection with SIGTERM: an
			 * ordinary close, not news. It logs real crashes. */
			if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				verbose_f("terminated by signal %u", si.ssi_signo);
			return;
		}
		if (pfd[1].revents & POLLOUT && write_buf(s->mon_fd, &s->mon_out) != 0)
			fatal("monitor: %s", strerror(errno));
		/* After SESSION the monitor sends only RECORD_FILE (with --record). */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			record_on_monitor(s);
		if (pfd[2].revents & POLLOUT && write_buf(s->mux_fd, &s->mux_out) != 0) {
			verbose_f("mux: %s", strerror(errno));
			return;
		}
		/* Channels first: the mux frames below may free them. */
		for (size_t i = 3; i < n; i++) {
			if (pfd[i].revents != 0)
				chan_io(s, polled[i - 3], pfd[i].revents);
		}
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (read_mux(s) != 0) {
				verbose_f("the network child closed the mux");
				return;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, 0 };
	int ch;

	msb_log_init("msb-session", MSB_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'l')
			msb_log_level_option(optarg);
		else
			usage();
	}
	if (optind != argc)
		usage();
	check_fd(MON_FD, "monitor RPC");
	check_fd(MUX_FD, "channel mux");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	int sigfd = msb_signalfd(sigs, NULL);

	/* One session per process; static for its 64 KiB scratch buffer. */
	static struct session session;
	struct session *s = &session;
	s->mon_fd = MON_FD;
	s->mux_fd = MUX_FD;
	msb_buf_init(&s->mon_out, 4u * 1024u * 1024u);
	msb_buf_init(&s->mux_in, MSB_MUX_MAX_FRAME + 4);
	msb_buf_init(&s->mux_out, MUX_OUT_MAX);
	msb_buf_init(&s->mon_in, MSB_MON_MAX_FRAME + 4);
	/* One event: the largest data, every byte escaped as \u00XX. */
	msb_buf_init(&s->rec_line, 6u * MSB_MUX_MAX_DATA + 1024u);
	read_session(s);
	/* Past the recording cap a write fails (EFBIG) instead of killing us. */
	if ((s->flags & MSB_MON_F_RECORD) && signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	session_confine((s->flags & MSB_MON_F_RECORD) ? s->record_max : 0);
	if (msb_set_nonblock(MON_FD, 1) != 0 || msb_set_nonblock(MUX_FD, 1) != 0)
		fatal_f("fcntl: %s", strerror(errno));
	struct msb_mux hello = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };
	mux_send(s, &hello);
	s->last_activity = msb_now_ms();

	serve(s, sigfd);
	shutdown_session(s);
	msb_buf_free(&s->mon_out);
	msb_buf_free(&s->mux_in);
	msb_buf_free(&s->mux_out);
	msb_buf_free(&s->mon_in);
	msb_buf_free(&s->rec_line);
	for (size_t i = 0; i < s->nmon_fds; i++)
		close(s->mon_fds[i]);
	free(s->user);
	free(s->guest_user);
	free(s->command);
	free(s->env_allow);
	free(s->sftp_deny);
	free(s->sftp_allow);
	free(s->agent_path);
	close(sigfd);
	return 0;
}
