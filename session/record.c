/*
 * Session recording, the worker's half: the monitor creates each file and
 * hands it over opened O_WRONLY|O_APPEND (RECORD_FILE + SCM_RIGHTS); the
 * worker only appends asciicast events (lib/cast.h) to it. It cannot
 * rewrite what is there: its seccomp filter has no lseek, pwrite,
 * ftruncate or fallocate, the file is root's and 0600 so it cannot be
 * opened again, and RLIMIT_FSIZE (set before the first byte of guest data)
 * caps it at --record-max even should this code be subverted.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "session.h"

static const char cut_marker[] = "msb: recording cut at its size cap";

static int64_t
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fatal_f("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
record_request(struct session *s, struct chan *c, uint32_t what)
{
	const char *detail = c->detail != NULL ? c->detail : "";
	const char *term = c->term != NULL ? c->term : "";
	size_t dn = strlen(detail), tn = strlen(term);
	struct msb_mon m = {
		.type = MSB_MON_RECORD_OPEN, .chan = c->id, .what = what,
		.detail = detail, .detail_len = dn < MSB_MON_MAX_STRING ? dn : MSB_MON_MAX_STRING,
		.term = term, .term_len = tn < 256 ? tn : 256,
		.cols = c->pty ? c->cols : 0, .rows = c->pty ? c->rows : 0,
	};

	if (msb_mon_put(&s->mon_out, &m) != 0)
		fatal_f("cannot queue RECORD_OPEN for the monitor");
	c->state = CH_RECORD;
}

/* Writes the line in s->rec_line whole, or stops the recording. */
static void
append(struct chan *c, struct msb_buf *line)
{
	size_t n = msb_buf_avail(line);
	ssize_t w = write(c->rec_fd, msb_buf_ptr(line), n);

	msb_buf_reset(line);
	if (w == (ssize_t)n) {
		c->rec_left -= n;
		return;
	}
	error("channel %u: recording stopped: %s", c->id, w < 0 ? strerror(errno) : "short write");
	close(c->rec_fd);
	c->rec_fd = -1;
}

/*
 * The cap: as much of the data as still fits (the prefix shrunk in
 * proportion until its line does), then one marker that says so; the
 * session goes on unrecorded.
 */
static void
cut(struct session *s, struct chan *c, uint64_t t, char type, const uint8_t *data, size_t len)
{
	uint64_t room = c->rec_left > 2 * MSB_CAST_MARKER_MAX ? c->rec_left - 2 * MSB_CAST_MARKER_MAX : 0;
	size_t fit = data != NULL ? len : 0;

	while (fit > 0) {
		msb_buf_reset(&s->rec_line);
		if (msb_cast_event(&s->rec_line, t, type, data, fit, NULL) != 0)
			break;
		size_t n = msb_buf_avail(&s->rec_line);
		if (n <= room) {
			append(c, &s->rec_line);
			break;
		}
		size_t less = (size_t)((uint64_t)fit * room / n);
		fit = less < fit ? less : fit - 1;
	}
	msb_buf_reset(&s->rec_line);
	if (c->rec_fd >= 0 && msb_cast_event(&s->rec_line, t, 'm', (const uint8_t *)cut_marker,
	    sizeof(cut_marker) - 1, NULL) == 0)
		append(c, &s->rec_line);
	info("channel %u: recording reached its cap of %llu bytes", c->id,
	    (unsigned long long)s->record_max);
	if (c->rec_fd >= 0)
		close(c->rec_fd);
	c->rec_fd = -1;
}

void
record_event(struct session *s, struct chan *c, char type, const uint8_t *data, size_t len)
{
	if (c->rec_fd < 0 || (type == 'i' && !(s->flags & MSB_MON_F_RECORD_INPUT)))
		return;
	uint64_t t = (uint64_t)(now_us() - c->rec_t0_us);
	struct msb_utf8_carry *carry = type == 'o' ? &c->rec_carry_o :
	    type == 'i' ? &c->rec_carry_i : NULL;
	if (msb_cast_event(&s->rec_line, t, type, data, len, carry) != 0)
		fatal_f("channel %u: event larger than its buffer", c->id);
	if (msb_buf_avail(&s->rec_line) == 0)
		return;
	if (msb_buf_avail(&s->rec_line) + MSB_CAST_MARKER_MAX > c->rec_left)
		cut(s, c, t, type, data, len);
	else
		append(c, &s->rec_line);
}

void
record_close(struct session *s, struct chan *c)
{
	if (c->rec_fd < 0)
		return;
	record_event(s, c, 'o', NULL, 0);
	record_event(s, c, 'i', NULL, 0);
	if (c->rec_fd >= 0)
		close(c->rec_fd);
	c->rec_fd = -1;
}

/* Takes the descriptors a recvmsg brought; more than expected is the monitor gone wrong. */
static void
take_fds(struct session *s, struct msghdr *mh)
{
	if (mh->msg_flags & MSG_CTRUNC)
		fatal("monitor: descriptors truncated");
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (s->nmon_fds == sizeof(s->mon_fds) / sizeof(s->mon_fds[0]))
				fatal("monitor: too many descriptors");
			s->mon_fds[s->nmon_fds++] = fd;
		}
	}
}

static void
on_record_file(struct session *s, const struct msb_mon *m)
{
	struct chan *c = chan_find(s, m->chan);
	int fd = -1;

	if (m->result == MSB_MON_RECORD_OK) {
		if (s->nmon_fds == 0)
			fatal("monitor: RECORD_FILE without its descriptor");
		fd = s->mon_fds[0];
		memmove(s->mon_fds, s->mon_fds + 1, --s->nmon_fds * sizeof(int));
	}
	if (c == NULL || c->state != CH_RECORD) {
		/* The client closed the channel while the file was made. */
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd < 0) {
		chan_fail(s, c, 255, "cannot record this session: refused to run it");
		return;
	}
	c->rec_fd = fd;
	c->rec_left = m->record_used < s->record_max ? s->record_max - m->record_used : 0;
	c->rec_t0_us = now_us();
	chan_start(s, c);
}

void
record_on_monitor(struct session *s)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t room = msb_buf_room(&s->mon_in);
	uint8_t *dst = msb_buf_reserve(&s->mon_in, room);
	struct msb_mon m;
	int got;

	if (dst == NULL)
		fatal("monitor: oversized message");
	struct iovec iov = { .iov_base = dst, .iov_len = room };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(s->mon_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		fatal("monitor: %s", n == 0 ? "gone" : strerror(errno));
	take_fds(s, &mh);
	msb_buf_commit(&s->mon_in, (size_t)n);
	while ((got = msb_mon_get(&s->mon_in, &m)) == 1) {
		if (m.type != MSB_MON_RECORD_FILE || !(s->flags & MSB_MON_F_RECORD))
			fatal("monitor: unexpected %s", msb_mon_msg_name(m.type));
		on_record_file(s, &m);
		msb_mon_consume(&s->mon_in, &m);
	}
	if (got < 0)
		fatal("monitor: malformed message");
}
