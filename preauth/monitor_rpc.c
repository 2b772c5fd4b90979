#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "monitor_rpc.h"

int
mon_rpc_read(int fd, struct msb_buf *in, struct msb_mon *m)
{
	for (;;) {
		int rc = msb_mon_get(in, m);

		if (rc == 1)
			return 0;
		if (rc < 0) {
			error_f("malformed message from the monitor");
			return -1;
		}
		uint8_t *p = msb_buf_reserve(in, 4096);
		if (p == NULL) {
			error_f("monitor frame over its limit");
			return -1;
		}
		ssize_t n = read(fd, p, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_f("read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			verbose_f("the monitor closed the connection");
			return -1;
		}
		msb_buf_commit(in, (size_t)n);
	}
}

int
mon_rpc_write(int fd, const struct msb_mon *m)
{
	struct msb_buf out;
	int ret = -1;

	msb_buf_init(&out, MSB_MON_MAX_FRAME + 4);
	if (msb_mon_put(&out, m) != 0) {
		error_f("cannot encode %s", msb_mon_msg_name(m->type));
		goto done;
	}
	while (msb_buf_avail(&out) > 0) {
		ssize_t n = send(fd, msb_buf_ptr(&out), msb_buf_avail(&out), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_f("send: %s", strerror(errno));
			goto done;
		}
		msb_buf_consume(&out, (size_t)n);
	}
	ret = 0;
done:
	msb_buf_free(&out);
	return ret;
}
