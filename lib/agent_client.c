#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent_client.h"
#include "agent_io.h"
#include "clock.h"
#include "hybrid_vsock.h"

#define SOFTWARE "msb " PACKAGE_VERSION

void
msb_agent_client_init(struct msb_agent_client *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = MSB_AGENT_CLIENT_TIMEOUT_MS;
	msb_buf_init(&c->in, MSB_AGENT_MAX_FRAME + 4);
	msb_buf_init(&c->out, MSB_AGENT_MAX_FRAME + 4);
}

static int
fail(struct msb_agent_client *c, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what,
	    errno == EPROTO ? "malformed reply from the agent" :
	    errno == 0 ? "the agent closed the connection" : strerror(errno));
	return -1;
}

/* Reads one frame; 1, or -1 with c->err set (EOF counts as an error here). */
static int
read_reply(struct msb_agent_client *c, const char *what, uint8_t *type,
    const uint8_t **body, size_t *len)
{
	int rc = msb_read_frame(c->fd, &c->in, c->timeout_ms, type, body, len);

	if (rc == 0)
		errno = 0;
	return rc == 1 ? 1 : fail(c, what);
}

int
msb_agent_client_hello(struct msb_agent_client *c, int fd)
{
	struct msb_agent_hello mine = {
		.magic = MSB_AGENT_MAGIC,
		.version = MSB_AGENT_VERSION,
		.software = SOFTWARE,
	}, theirs;
	const uint8_t *body;
	size_t len;
	uint8_t type;

	c->fd = fd;
	if (msb_agent_put_hello(&c->out, &mine) != 0 || msb_flush_buf(fd, &c->out) != 0)
		return fail(c, "sending hello");
	if (read_reply(c, "waiting for the agent's hello", &type, &body, &len) < 0)
		return -1;
	if (type != MSB_AGENT_HELLO || msb_agent_get_hello(body, len, &theirs) != 0 ||
	    theirs.magic != MSB_AGENT_MAGIC) {
		errno = EPROTO;
		return fail(c, "hello");
	}
	msb_agent_hello_free(&theirs);
	msb_agent_frame_consume(&c->in, len);
	return 0;
}

static int
dial_unix(struct msb_agent_client *c, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(c->err, sizeof(c->err), "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(c, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		snprintf(c->err, sizeof(c->err), "cannot reach the agent at %s: %s",
		    path, strerror(errno));
		return -1;
	}
	return fd;
}

int
msb_agent_client_connect_unix(struct msb_agent_client *c, const char *path)
{
	int fd = dial_unix(c, path);

	return fd < 0 ? -1 : msb_agent_client_hello(c, fd);
}

/*
 * Reads the backend's one-line answer a byte at a time: whatever follows it
 * belongs to the agent and must stay in the socket.
 */
static int
read_vsock_answer(struct msb_agent_client *c, int fd, uint32_t port)
{
	char line[MSB_HYBRID_LINE_MAX];
	size_t n = 0;
	int64_t deadline = msb_now_ms() + c->timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - msb_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return fail(c, "waiting for the vsock backend");
		}
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return fail(c, "poll");
		if (pr == 0)
			continue;
		ssize_t r = read(fd, &line[n], 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(c, "reading the vsock backend's answer");
		if (r == 0) {
			snprintf(c->err, sizeof(c->err),
			    "nothing answers on guest vsock port %u (is the guest up?)", port);
			return -1;
		}
		if (line[n] == '\n')
			break;
		if (++n == sizeof(line) - 1) {
			errno = EPROTO;
			return fail(c, "vsock backend answer");
		}
	}
	uint32_t host_port;
	if (msb_hybrid_parse_ok(line, n + 1, &host_port) != 0) {
		errno = EPROTO;
		return fail(c, "vsock backend answer");
	}
	return 0;
}

int
msb_agent_client_connect_vsock(struct msb_agent_client *c, const char *uds_path,
    uint32_t port)
{
	char req[MSB_HYBRID_LINE_MAX];
	int fd = dial_unix(c, uds_path);

	if (fd < 0)
		return -1;
	size_t n = msb_hybrid_format_connect(req, port);
	if (msb_write_all(fd, req, n) != 0 || read_vsock_answer(c, fd, port) != 0) {
		if (c->err[0] == '\0')
			fail(c, "sending CONNECT to the vsock backend");
		close(fd);
		return -1;
	}
	return msb_agent_client_hello(c, fd);
}

static int
take_error(struct msb_agent_client *c, const uint8_t *body, size_t len)
{
	struct msb_agent_error e;

	if (msb_agent_get_error(body, len, &e) != 0) {
		errno = EPROTO;
		return fail(c, "error reply");
	}
	c->err_code = e.code;
	snprintf(c->err, sizeof(c->err), "%s", e.message);
	msb_agent_error_free(&e);
	return -1;
}

int
msb_agent_client_request(struct msb_agent_client *c)
{
	const uint8_t *body;
	size_t len;
	uint8_t type;

	if (msb_flush_buf(c->fd, &c->out) != 0)
		return fail(c, "sending request");
	if (read_reply(c, "waiting for the agent's reply", &type, &body, &len) < 0)
		return -1;
	if (type == MSB_AGENT_ERROR)
		return take_error(c, body, len);
	if (type != MSB_AGENT_OK || len != 0) {
		errno = EPROTO;
		return fail(c, "reply");
	}
	msb_agent_frame_consume(&c->in, len);
	return 0;
}

int
msb_agent_client_info(struct msb_agent_client *c, struct msb_agent_info *info)
{
	const uint8_t *body;
	size_t len;
	uint8_t type;

	if (msb_agent_put_info_request(&c->out) != 0 || msb_flush_buf(c->fd, &c->out) != 0)
		return fail(c, "sending request");
	if (read_reply(c, "waiting for the agent's reply", &type, &body, &len) < 0)
		return -1;
	if (type == MSB_AGENT_ERROR)
		return take_error(c, body, len);
	if (type != MSB_AGENT_INFO || msb_agent_get_info(body, len, info) != 0) {
		errno = EPROTO;
		return fail(c, "info");
	}
	msb_agent_frame_consume(&c->in, len);
	return 0;
}

void
msb_agent_client_close(struct msb_agent_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	msb_buf_free(&c->in);
	msb_buf_free(&c->out);
}
