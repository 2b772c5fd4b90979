#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "mux_link.h"

/*
 * Outgoing DATA is bounded by the credit the worker granted on each
 * channel, so the buffer's hard limit only stops a runaway: with every
 * channel's data pending and its control messages it stays far below.
 */
#define MUX_OUT_MAX (64u * 1024u * 1024u)

void
mux_link_init(struct mux_link *l, int fd)
{
	l->fd = fd;
	l->eof = false;
	msb_buf_init(&l->in, 2 * (MSB_MUX_MAX_FRAME + 4));
	msb_buf_init(&l->out, MUX_OUT_MAX);
}

void
mux_link_free(struct mux_link *l)
{
	msb_buf_free(&l->in);
	msb_buf_free(&l->out);
}

int
mux_link_send(struct mux_link *l, const struct msb_mux *m)
{
	if (msb_mux_put(&l->out, m) != 0) {
		error_f("cannot queue %s for channel %u", msb_mux_msg_name(m->type), m->chan);
		return -1;
	}
	return 0;
}

int
mux_link_flush(struct mux_link *l)
{
	while (msb_buf_avail(&l->out) > 0) {
		ssize_t n = send(l->fd, msb_buf_ptr(&l->out), msb_buf_avail(&l->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			error_f("send: %s", strerror(errno));
			return -1;
		}
		msb_buf_consume(&l->out, (size_t)n);
	}
	return 0;
}

int
mux_link_fill(struct mux_link *l)
{
	while (!l->eof) {
		size_t room = msb_buf_room(&l->in);

		if (room == 0)
			return 0;
		if (room > 65536)
			room = 65536;
		uint8_t *p = msb_buf_reserve(&l->in, room);
		if (p == NULL)
			return 0;
		ssize_t n = recv(l->fd, p, room, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			error_f("recv: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			l->eof = true;
		msb_buf_commit(&l->in, (size_t)n);
	}
	return 0;
}
