#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "agent_io.h"
#include "agent_proto.h"
#include "clock.h"

int
msb_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

int
msb_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -1;
				continue;
			}
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
msb_flush_buf(int fd, struct msb_buf *b)
{
	if (msb_write_all(fd, msb_buf_ptr(b), msb_buf_avail(b)) != 0)
		return -1;
	msb_buf_reset(b);
	return 0;
}

int
msb_read_frame(int fd, struct msb_buf *in, int timeout_ms, uint8_t *type,
    const uint8_t **body, size_t *len)
{
	int64_t deadline = timeout_ms < 0 ? -1 : msb_now_ms() + timeout_ms;

	for (;;) {
		int rc = msb_agent_frame_peek(in, type, body, len);
		if (rc == 1)
			return 1;
		if (rc < 0) {
			errno = EPROTO;
			return -1;
		}
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - msb_now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			wait = (int)left;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, wait);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pr == 0)
			continue;
		/* Read only what the pending frame needs, so bytes that follow
		 * it (raw SFTP or TCP payload) stay in the socket. */
		size_t want = 4;
		if (msb_buf_avail(in) >= 4)
			want = 4 + msb_get_be32(msb_buf_ptr(in));
		want -= msb_buf_avail(in);
		uint8_t *dst = msb_buf_reserve(in, want);
		if (dst == NULL) {
			errno = ENOMEM;
			return -1;
		}
		ssize_t r = read(fd, dst, want);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (r == 0)
			return 0;
		msb_buf_commit(in, (size_t)r);
	}
}
