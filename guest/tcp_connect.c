/*
 * CONNECT: open a TCP connection from inside the sandbox (so reachability
 * follows the sandbox's network), then relay raw bytes with half-close.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "lib/agent_io.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/relay.h"

#define CONNECT_DEFAULT_TIMEOUT_MS 10000
#define CONNECT_MAX_TIMEOUT_MS     120000

static uint32_t
errno_to_code(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return MSB_AGENT_E_REFUSED;
	case ETIMEDOUT:
		return MSB_AGENT_E_TIMEOUT;
	case EACCES:
	case EPERM:
		return MSB_AGENT_E_PERMISSION;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
		return MSB_AGENT_E_UNREACHABLE;
	default:
		return MSB_AGENT_E_INTERNAL;
	}
}

/* Connects to one address within the deadline; the socket, or -1 with errno. */
static int
dial(const struct addrinfo *ai, int64_t deadline)
{
	int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);

	if (s < 0)
		return -1;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
		return s;
	if (errno != EINPROGRESS)
		goto fail;
	for (;;) {
		int64_t left = deadline - msb_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		struct pollfd pfd = { .fd = s, .events = POLLOUT };
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			goto fail;
		if (pr <= 0)
			continue;
		int err = 0;
		socklen_t elen = sizeof(err);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			goto fail;
		if (err == 0)
			return s;
		errno = err;
		goto fail;
	}
fail: {
		int saved = errno;
		close(s);
		errno = saved;
		return -1;
	}
}

int
agent_connect(int fd, struct msb_buf *out, const struct msb_agent_connect *req)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	char port[16];
	uint32_t tmo = req->timeout_ms ? req->timeout_ms : CONNECT_DEFAULT_TIMEOUT_MS;

	if (tmo > CONNECT_MAX_TIMEOUT_MS)
		tmo = CONNECT_MAX_TIMEOUT_MS;
	snprintf(port, sizeof(port), "%u", req->port);
	int gai = getaddrinfo(req->host, port, &hints, &res);
	if (gai != 0) {
		uint32_t code = gai == EAI_SYSTEM || gai == EAI_MEMORY ?
		    MSB_AGENT_E_INTERNAL : MSB_AGENT_E_BAD_NAME;
		return agent_reply_error(fd, out, code, "%s: %s", req->host,
		    gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
	}
	int64_t deadline = msb_now_ms() + tmo;
	int s = -1, err = EHOSTUNREACH;
	for (struct addrinfo *ai = res; ai != NULL && s < 0; ai = ai->ai_next) {
		s = dial(ai, deadline);
		/* Keep the most telling error: a refusal beats unreachable. */
		if (s < 0 && (err != ECONNREFUSED || errno == ETIMEDOUT))
			err = errno;
	}
	freeaddrinfo(res);
	if (s < 0)
		return agent_reply_error(fd, out, errno_to_code(err), "%s port %u: %s",
		    req->host, req->port, strerror(err));
	verbose_f("connected to %s port %u", req->host, req->port);
	if (msb_agent_put_ok(out) != 0 || msb_flush_buf(fd, out) != 0) {
		close(s);
		return 1;
	}
	int rc = msb_relay(fd, fd, s, s);
	close(s);
	return rc == 0 ? 0 : 1;
}
