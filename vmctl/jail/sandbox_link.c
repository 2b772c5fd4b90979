#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmctl/host_tool.h"
#include "lib/log.h"
#include "host/sandbox.h"
#include "sandbox_link.h"

/*
 * The two halves, as ip -batch scripts: the host's end (%1$s the link,
 * %2$s the namespace's address, %3$d the vmm's pid), then the namespace's.
 * The namespace's loopback is up so that slirp's gateway (10.0.2.2, its
 * 127.0.0.1) refuses at once rather than failing unreachable.
 */
#define HOST_END \
    "link add %1$s type veth peer name eth0 netns %3$d\n" \
    "addr add " SANDBOX_LINK_GATEWAY "/32 dev %1$s scope link\n" \
    "link set %1$s up\n" \
    "route add %2$s/32 dev %1$s\n"
#define NAMESPACE_END \
    "link set lo up\n" \
    "addr add %1$s/32 dev eth0\n" \
    "link set eth0 up\n" \
    "route add " SANDBOX_LINK_GATEWAY " dev eth0 scope link\n" \
    "route add default via " SANDBOX_LINK_GATEWAY " dev eth0\n"

int
sandbox_link_plan(uid_t uid, struct sandbox_link *l)
{
	if (uid < SANDBOX_UID_BASE || uid - SANDBOX_UID_BASE >= SANDBOX_UID_COUNT)
		return -1;
	unsigned idx = (unsigned)(uid - SANDBOX_UID_BASE);
	snprintf(l->host_if, sizeof(l->host_if), "msbh%04x", idx);
	snprintf(l->addr, sizeof(l->addr), SANDBOX_LINK_NET ".%u.%u", idx >> 8, idx & 0xff);
	return 0;
}

void
sandbox_link_remove(const struct sandbox_link *l)
{
	char *const del[] = { "ip", "link", "del", (char *)l->host_if, NULL };
	char err[256];

	if (if_nametoindex(l->host_if) != 0 &&
	    host_tool_run(&host_tool_ip, del, "", 0, err, sizeof(err)) != 0 &&
	    if_nametoindex(l->host_if) != 0)
		error_f("cannot remove %s: %s", l->host_if, err);
}

/*
 * Writes text to a /proc/sys/net file of process pid's network namespace
 * (which one /proc/sys/net shows is the opener's).
 */
static int
ns_sysctl(pid_t pid, const char *path, const char *text, char *err, size_t errlen)
{
	int ws;

	pid_t child = fork();
	if (child < 0)
		return msb_errf(err, errlen, "fork: %s", strerror(errno));
	if (child == 0) {
		if (host_netns_enter(pid) != 0)
			_exit(1);
		int out = open(path, O_WRONLY | O_CLOEXEC);
		size_t n = strlen(text);
		_exit(out >= 0 && write(out, text, n) == (ssize_t)n ? 0 : 2);
	}
	while (waitpid(child, &ws, 0) < 0) {
		if (errno != EINTR)
			return msb_errf(err, errlen, "waitpid: %s", strerror(errno));
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	snprintf(err, errlen, "cannot write %s in the sandbox's network namespace", path);
	return -1;
}

int
sandbox_link_build(pid_t pid, const struct sandbox_link *l, char *err, size_t errlen)
{
	char script[512], *const batch[] = { "ip", "-batch", "-", NULL };

	sandbox_link_remove(l);
	snprintf(script, sizeof(script), HOST_END, l->host_if, l->addr, (int)pid);
	if (host_tool_run(&host_tool_ip, batch, script, 0, err, errlen) != 0)
		return -1;
	snprintf(script, sizeof(script), NAMESPACE_END, l->addr);
	/* QEMU listens there for --forward, as a uid without privileges, and
	 * the namespace has nothing else for low ports to protect. */
	if (host_tool_run(&host_tool_ip, batch, script, pid, err, errlen) != 0 ||
	    ns_sysctl(pid, "/proc/sys/net/ipv4/ip_unprivileged_port_start", "0\n", err,
	    errlen) != 0) {
		sandbox_link_remove(l);
		return -1;
	}
	return 0;
}
