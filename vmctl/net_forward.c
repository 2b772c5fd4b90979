#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_tool.h"
#include "lib/log.h"
#include "net_filter.h"
#include "net_forward.h"


int
net_forward_reserve(const struct sandbox_config *c, int fds[SANDBOX_MAX_FORWARDS],
    char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->nforwards; i++) {
		const struct sandbox_forward *f = &c->forwards[i];
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(f->host_port) };
		int e = 0;
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || inet_pton(AF_INET, f->host_addr, &sa.sin_addr) != 1 ||
		    bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			e = errno;
			snprintf(err, errlen, "cannot forward %s:%u: %s", f->host_addr, f->host_port,
			    e == EADDRINUSE ? "the host port is in use" : strerror(e));
		}
		if (e != 0 || fds[i] < 0) {
			for (unsigned j = 0; j <= i; j++) {
				if (fds[j] >= 0)
					close(fds[j]);
				fds[j] = -1;
			}
			return -1;
		}
	}
	return 0;
}

/*
 * An element: the key (the port alone for 0.0.0.0, any address of the
 * host), and for add its value.
 */
static int
element(char *buf, size_t len, size_t *n, bool add, const struct sandbox_forward *f,
    const struct sandbox_link *l)
{
	char value[64] = "";
	bool any = strcmp(f->host_addr, "0.0.0.0") == 0;
	int m;

	if (add)
		snprintf(value, sizeof(value), " : %s . %u", l->addr, f->host_port);
	if (any)
		m = snprintf(buf + *n, len - *n, "%s element " NET_FILTER_TABLE " "
		    NET_FILTER_FORWARDS_ANY " { %u%s }\n", add ? "add" : "delete", f->host_port,
		    value);
	else
		m = snprintf(buf + *n, len - *n, "%s element " NET_FILTER_TABLE " "
		    NET_FILTER_FORWARDS " { %s . %u%s }\n", add ? "add" : "delete", f->host_addr,
		    f->host_port, value);
	if (m < 0 || (size_t)m >= len - *n)
		return -1;
	*n += (size_t)m;
	return 0;
}

int
net_forward_script(char *buf, size_t len, const struct sandbox_config *c,
    const struct sandbox_link *l, bool add)
{
	size_t n = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	/* A stale mapping of the same key (a keeper that was killed) makes way. */
	for (unsigned i = 0; i < c->nforwards; i++) {
		if (element(buf, len, &n, true, &c->forwards[i], l) != 0 ||
		    element(buf, len, &n, false, &c->forwards[i], l) != 0 ||
		    (add && element(buf, len, &n, true, &c->forwards[i], l) != 0))
			return -1;
	}
	return 0;
}

static int
route_localnet(const struct sandbox_link *l, char *err, size_t errlen)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", l->host_if);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		snprintf(err, errlen, "cannot let %s carry the host's loopback: %s", l->host_if,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
net_forward_apply(const struct sandbox_config *c, const struct sandbox_link *l, bool add,
    char *err, size_t errlen)
{
	char script[64 + SANDBOX_MAX_FORWARDS * 3 * 160], *const nft_f[] = { "nft", "-f", "-", NULL };

	if (c->nforwards == 0)
		return 0;
	if (add && route_localnet(l, err, errlen) != 0)
		return -1;
	if (net_forward_script(script, sizeof(script), c, l, add) != 0)
		return msb_errf(err, errlen, "the nft script does not fit");
	int rc = host_tool_run(&host_tool_nft, nft_f, script, 0, err, errlen);
	if (rc == 0 || !add)
		return rc;
	/* A key still mapped elsewhere (a sandbox whose keeper was killed) gives way. */
	for (unsigned i = 0; i < c->nforwards; i++) {
		char del[160], ignored[128];
		size_t n = 0;
		if (element(del, sizeof(del), &n, false, &c->forwards[i], l) == 0)
			(void)host_tool_run(&host_tool_nft, nft_f, del, 0, ignored, sizeof(ignored));
	}
	return host_tool_run(&host_tool_nft, nft_f, script, 0, err, errlen);
}
