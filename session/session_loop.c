/*
 * The worker's one poll loop: the monitor, the mux to the network child
 * and every channel's agent stream, each polled only for what is wanted of
 * it, plus the timers (dial deadlines, connect retries, the idle timeout).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/mem_trim.h"
#include "session.h"

/* Quiet this long, the worker gives back the pages its busy moments touched. */
#define QUIET_TRIM_MS 2000

/* Sends what the buffer holds; -1 when the peer is gone. */
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

int
session_step(struct session *s, int sigfd, int wait_ms)
{
	struct pollfd pfd[3 + MSB_MUX_MAX_CHANS];
	struct chan *polled[MSB_MUX_MAX_CHANS];

	/* Whatever waited for room in the mux output goes on now:
	 * frames held back, and output blocked on it. */
	if (mux_dispatch(s) != 0)
		return -1;
	for (size_t i = 0; i < s->nchans; i++)
		chan_pump(s, s->chans[i]);
	chan_reap(s);
	int timeout = run_timers(s);
	if (timeout == -2)
		return -1;
	chan_reap(s);
	if (wait_ms >= 0 && (timeout < 0 || timeout > wait_ms))
		timeout = wait_ms;

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
	int ready = poll(pfd, (nfds_t)n, timeout);
	if (ready < 0) {
		if (errno == EINTR)
			return 0;
		fatal_f("poll: %s", strerror(errno));
	}
	if (pfd[0].revents & POLLIN) {
		struct signalfd_siginfo si;
		/* The monitor ends every connection with SIGTERM: an
		 * ordinary close, not news. It logs real crashes. */
		if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			verbose_f("terminated by signal %u", si.ssi_signo);
		return -1;
	}
	if (pfd[1].revents & POLLOUT && write_buf(s->mon_fd, &s->mon_out) != 0)
		fatal("monitor: %s", strerror(errno));
	/* After SESSION the monitor sends only RECORD_FILE (with --record). */
	if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
		record_on_monitor(s);
	if (pfd[2].revents & POLLOUT && write_buf(s->mux_fd, &s->mux_out) != 0) {
		verbose_f("mux: %s", strerror(errno));
		return -1;
	}
	/* Channels first: the mux frames below may free them. */
	for (size_t i = 3; i < n; i++) {
		if (pfd[i].revents != 0)
			chan_io(s, polled[i - 3], pfd[i].revents);
	}
	if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
		if (read_mux(s) != 0) {
			verbose_f("the network child closed the mux");
			return -1;
		}
	}
	return ready;
}

void
session_serve(struct session *s, int sigfd)
{
	int ready;

	do
		ready = session_step(s, sigfd, -1);
	while (ready >= 0);
}
