#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/fd_send.h"
#include "lib/log.h"
#include "mon_io.h"

#define MON_SEND_TIMEOUT_MS 10000
/* The uint32 length, then at most MSB_MON_MAX_FRAME bytes of type and body. */
#define MON_BUF_MAX (4 + MSB_MON_MAX_FRAME)

void
mon_peer_init(struct mon_peer *p, int fd)
{
	p->fd = fd;
	msb_buf_init(&p->in, MON_BUF_MAX);
}

void
mon_peer_close(struct mon_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	msb_buf_free(&p->in);
}

int
mon_send_fd(int fd, const struct msb_mon *m, int passfd)
{
	struct msb_buf out;
	int rc = -1;

	msb_buf_init(&out, MON_BUF_MAX);
	if (msb_mon_put(&out, m) != 0) {
		error_f("cannot encode %s", msb_mon_msg_name(m->type));
		goto done;
	}
	while (msb_buf_avail(&out) > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, MON_SEND_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			error_f("%s: peer not reading: %s", msb_mon_msg_name(m->type),
			    r == 0 ? "timed out" : strerror(errno));
			goto done;
		}
		/* The first bytes carry passfd; the rest go without it. */
		ssize_t w = msb_send_fd(fd, msb_buf_ptr(&out), msb_buf_avail(&out), passfd,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0) {
			verbose_f("%s: %s", msb_mon_msg_name(m->type), strerror(errno));
			goto done;
		}
		if (w > 0)
			passfd = -1;
		msb_buf_consume(&out, (size_t)w);
	}
	rc = 0;
done:
	msb_buf_free(&out);
	return rc;
}

int
mon_send(int fd, const struct msb_mon *m)
{
	return mon_send_fd(fd, m, -1);
}

int
mon_peer_fill(struct mon_peer *p)
{
	size_t room = msb_buf_room(&p->in);

	if (room == 0) {
		error_f("peer sent more than one frame can hold");
		return -1;
	}
	uint8_t *dst = msb_buf_reserve(&p->in, room < 16384 ? room : 16384);
	if (dst == NULL) {
		error_f("out of buffer");
		return -1;
	}
	ssize_t r = recv(p->fd, dst, room < 16384 ? room : 16384, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (r < 0) {
		verbose_f("recv: %s", strerror(errno));
		return -1;
	}
	msb_buf_commit(&p->in, (size_t)r);
	return r == 0 ? 0 : 1;
}
