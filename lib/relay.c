#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_io.h"
#include "relay.h"

#define RELAY_BUF (128 * 1024)

struct direction {
	int in, out;
	int other_in;     /* the opposite direction's source, never closed here */
	uint8_t buf[RELAY_BUF];
	size_t off, len;
	int eof;          /* source reached EOF */
	int done;         /* EOF passed on */
};

static void
finish(struct direction *d)
{
	struct stat st;

	d->done = 1;
	if (fstat(d->out, &st) == 0 && S_ISSOCK(st.st_mode))
		shutdown(d->out, SHUT_WR);
	else if (d->out != d->other_in)
		close(d->out);
}

/* Returns 0 to go on, -1 on a fatal I/O error. */
static int
step(struct direction *d, short rev_in, short rev_out)
{
	if (!d->eof && d->len == 0 && (rev_in & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t r = read(d->in, d->buf, sizeof(d->buf));
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (r == 0)
			d->eof = 1;
		if (r > 0) {
			d->off = 0;
			d->len = (size_t)r;
		}
	}
	if (d->len > 0 && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t w = write(d->out, d->buf + d->off, d->len);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			/* The reader went away: nothing more can be delivered. */
			if (errno != EPIPE && errno != ECONNRESET)
				return -1;
			d->len = 0;
			d->eof = 1;
		}
		if (w > 0) {
			d->off += (size_t)w;
			d->len -= (size_t)w;
		}
	}
	if (d->eof && d->len == 0 && !d->done)
		finish(d);
	return 0;
}

int
msb_relay(int a_in, int a_out, int b_in, int b_out)
{
	int fds[] = { a_in, a_out, b_in, b_out };
	int rc = 0;

	for (size_t i = 0; i < 4; i++) {
		if (msb_set_nonblock(fds[i], 1) != 0)
			return -1;
	}
	struct direction *dirs = calloc(2, sizeof(*dirs));
	if (dirs == NULL)
		return -1;
	dirs[0] = (struct direction){ .in = a_in, .out = b_out, .other_in = b_in };
	dirs[1] = (struct direction){ .in = b_in, .out = a_out, .other_in = a_in };

	while (!dirs[0].done || !dirs[1].done) {
		struct pollfd pfd[4];
		for (int i = 0; i < 2; i++) {
			struct direction *d = &dirs[i];
			pfd[2 * i] = (struct pollfd){ .fd = -1 };
			pfd[2 * i + 1] = (struct pollfd){ .fd = -1 };
			if (d->done)
				continue;
			if (!d->eof && d->len == 0)
				pfd[2 * i] = (struct pollfd){ .fd = d->in, .events = POLLIN };
			if (d->len > 0)
				pfd[2 * i + 1] = (struct pollfd){ .fd = d->out, .events = POLLOUT };
		}
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		for (int i = 0; rc == 0 && i < 2; i++) {
			if (!dirs[i].done &&
			    step(&dirs[i], pfd[2 * i].revents, pfd[2 * i + 1].revents) != 0)
				rc = -1;
		}
		if (rc != 0)
			break;
	}
	free(dirs);
	return rc;
}
