/*
 * Reaching the agent for one channel without blocking: connect(), the
 * hybrid-vsock "CONNECT port" line, hello, the request and its reply, each
 * a state of the channel driven by the poll loop.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "lib/agent_proto.h"
#include "lib/clock.h"
#include "lib/hybrid_vsock.h"
#include "lib/log.h"
#include "session.h"

/* A Unix listener with a full backlog refuses with EAGAIN: try again soon. */
#define DIAL_RETRY_MS 20

static void
unreachable(struct session *s, struct chan *c, const char *why)
{
	chan_fail(s, c, 255, "cannot reach the sandbox: %s", why);
}

/* Writes what is queued in c->req; -1 after failing the channel. */
static int
flush_req(struct session *s, struct chan *c)
{
	if (msb_buf_avail(&c->req) == 0)
		return 0;
	ssize_t n = write(c->fd, msb_buf_ptr(&c->req), msb_buf_avail(&c->req));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		unreachable(s, c, strerror(errno));
		return -1;
	}
	msb_buf_consume(&c->req, (size_t)n);
	return 0;
}

static void
connected(struct session *s, struct chan *c)
{
	if (s->agent_vsock) {
		char line[MSB_HYBRID_LINE_MAX];
		size_t n = msb_hybrid_format_connect(line, MSB_AGENT_VSOCK_PORT);
		/* A fresh socket always takes a line this short whole. */
		if (write(c->fd, line, n) != (ssize_t)n) {
			unreachable(s, c, strerror(errno));
			return;
		}
		c->state = CH_VSOCK;
		return;
	}
	c->state = CH_HELLO;
	flush_req(s, c);
}

void
agent_dial_start(struct session *s, struct chan *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (c->deadline == 0)
		c->deadline = msb_now_ms() + SESSION_DIAL_MS;
	c->state = CH_CONNECTING;
	c->retry_at = 0;
	/* The path's length was checked when SESSION arrived. */
	memcpy(sun.sun_path, s->agent_path, strlen(s->agent_path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		unreachable(s, c, strerror(errno));
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		connected(s, c);
		return;
	}
	if (errno == EINPROGRESS)
		return;
	int err = errno;
	close(c->fd);
	c->fd = -1;
	if (err == EAGAIN) {
		c->retry_at = msb_now_ms() + DIAL_RETRY_MS;
		return;
	}
	unreachable(s, c, strerror(err));
}

static void
on_connect(struct session *s, struct chan *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		unreachable(s, c, strerror(err));
		return;
	}
	connected(s, c);
}

/* The backend's answer, a byte at a time: what follows is the agent's. */
static void
on_vsock_line(struct session *s, struct chan *c)
{
	char ch;
	ssize_t n = read(c->fd, &ch, 1);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			unreachable(s, c, strerror(errno));
		return;
	}
	if (n == 0) {
		unreachable(s, c, "nothing answers on the guest's vsock port (is the guest up?)");
		return;
	}
	if (c->vsock_got == sizeof(c->vsock_line)) {
		unreachable(s, c, "malformed answer from the vsock backend");
		return;
	}
	c->vsock_line[c->vsock_got++] = ch;
	if (ch != '\n')
		return;
	uint32_t port;
	if (msb_hybrid_parse_ok(c->vsock_line, c->vsock_got, &port) != 0) {
		unreachable(s, c, "malformed answer from the vsock backend");
		return;
	}
	c->state = CH_HELLO;
	flush_req(s, c);
}

/*
 * Reads no further than the end of the pending frame, so raw SFTP or TCP
 * bytes after the agent's OK stay in the socket for the relay. Returns 1
 * with a frame, 0 to wait, -1 after failing the channel.
 */
static int
read_frame(struct session *s, struct chan *c, uint8_t *type, const uint8_t **body,
    size_t *len)
{
	int rc = msb_agent_frame_peek(&c->ain, type, body, len);

	if (rc != 0) {
		if (rc < 0)
			unreachable(s, c, "malformed frame from the agent");
		return rc;
	}
	size_t want = 4;
	if (msb_buf_avail(&c->ain) >= 4)
		want = 4 + msb_get_be32(msb_buf_ptr(&c->ain));
	want -= msb_buf_avail(&c->ain);
	uint8_t *dst = msb_buf_reserve(&c->ain, want);
	if (dst == NULL) {
		unreachable(s, c, "out of memory");
		return -1;
	}
	ssize_t n = read(c->fd, dst, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		unreachable(s, c, strerror(errno));
		return -1;
	}
	if (n == 0) {
		unreachable(s, c, "the agent closed the connection");
		return -1;
	}
	msb_buf_commit(&c->ain, (size_t)n);
	rc = msb_agent_frame_peek(&c->ain, type, body, len);
	if (rc < 0)
		unreachable(s, c, "malformed frame from the agent");
	return rc;
}

static void
on_hello(struct session *s, struct chan *c, uint8_t type, const uint8_t *body, size_t len)
{
	struct msb_agent_hello h;

	if (type != MSB_AGENT_HELLO || msb_agent_get_hello(body, len, &h) != 0) {
		unreachable(s, c, "the agent did not say hello");
		return;
	}
	bool ok = h.magic == MSB_AGENT_MAGIC;
	msb_agent_hello_free(&h);
	msb_agent_frame_consume(&c->ain, len);
	if (!ok) {
		unreachable(s, c, "not an msb agent");
		return;
	}
	c->state = CH_REPLY;
}

/* The exit status a shell would give for a program that cannot start. */
static int
error_status(uint32_t code)
{
	switch (code) {
	case MSB_AGENT_E_NO_USER:
	case MSB_AGENT_E_EXEC:
		return 127;
	case MSB_AGENT_E_CWD:
	case MSB_AGENT_E_PERMISSION:
		return 126;
	default:
		return 1;
	}
}

static void
on_reply(struct session *s, struct chan *c, uint8_t type, const uint8_t *body, size_t len)
{
	if (type == MSB_AGENT_ERROR) {
		struct msb_agent_error e;
		if (msb_agent_get_error(body, len, &e) != 0) {
			unreachable(s, c, "malformed error from the agent");
			return;
		}
		chan_fail(s, c, error_status(e.code), "%s", e.message);
		msb_agent_error_free(&e);
		return;
	}
	if (type != MSB_AGENT_OK || len != 0) {
		unreachable(s, c, "unexpected reply from the agent");
		return;
	}
	msb_agent_frame_consume(&c->ain, len);
	if (msb_buf_avail(&c->req) != 0) {
		unreachable(s, c, "the agent answered before reading the request");
		return;
	}
	c->state = CH_RUNNING;
	if (c->kind == CHAN_TCPIP)
		mux_send_simple(s, MSB_MUX_OPEN_CONFIRM, c->id);
	const char *d = c->detail != NULL ? c->detail : "";
	char esc[2048];
	debug_f("channel %u: running %s", c->id, msb_log_escape(esc, sizeof(esc), d, strlen(d)));
}

void
agent_dial_io(struct session *s, struct chan *c, short revents)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;

	switch (c->state) {
	case CH_CONNECTING:
		if (revents != 0)
			on_connect(s, c);
		return;
	case CH_VSOCK:
		if (revents != 0)
			on_vsock_line(s, c);
		return;
	case CH_HELLO:
	case CH_REPLY:
		if ((revents & (POLLOUT | POLLERR)) && flush_req(s, c) != 0)
			return;
		if (!(revents & (POLLIN | POLLHUP | POLLERR)))
			return;
		if (read_frame(s, c, &type, &body, &len) != 1)
			return;
		if (c->state == CH_HELLO)
			on_hello(s, c, type, body, len);
		else
			on_reply(s, c, type, body, len);
		return;
	default:
		return;
	}
}

short
agent_dial_events(const struct chan *c)
{
	switch (c->state) {
	case CH_CONNECTING:
		return POLLOUT;
	case CH_VSOCK:
		return POLLIN;
	default:
		return (short)(POLLIN | (msb_buf_avail(&c->req) > 0 ? POLLOUT : 0));
	}
}
