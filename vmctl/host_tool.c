#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host_tool.h"
#include "lib/log.h"

/* A root vmm may be started with a PATH that lacks the sbin directories. */
static const char *const nft_paths[] = { "/usr/sbin/nft", "/sbin/nft", "nft", NULL };
static const char *const ip_paths[] = { "/usr/sbin/ip", "/sbin/ip", "/bin/ip", "ip", NULL };
const struct host_tool host_tool_nft = { "nft", "nftables", nft_paths };
const struct host_tool host_tool_ip = { "ip", "iproute2", ip_paths };

int
host_netns_enter(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return -1;
	int rc = setns(ns, CLONE_NEWNET), e = errno;
	close(ns);
	errno = e;
	return rc;
}

static _Noreturn void
exec_tool(const struct host_tool *tool, char *const args[], int in, pid_t netns_of)
{
	if (dup2(in, 0) < 0)
		_exit(126);
	if (netns_of > 0 && host_netns_enter(netns_of) != 0)
		_exit(125);
	for (size_t i = 0; tool->paths[i] != NULL; i++)
		execvp(tool->paths[i], args);
	_exit(127);
}

int
host_tool_run(const struct host_tool *tool, char *const args[], const char *script,
    pid_t netns_of, char *err, size_t errlen)
{
	int in[2], ws;

	if (pipe2(in, O_CLOEXEC) != 0)
		return msb_errf(err, errlen, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		snprintf(err, errlen, "fork: %s", strerror(e));
		return -1;
	}
	if (pid == 0)
		exec_tool(tool, args, in[0], netns_of);
	close(in[0]);
	size_t len = strlen(script);
	ssize_t w = write(in[1], script, len);
	int werr = errno;
	close(in[1]);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return msb_errf(err, errlen, "waitpid: %s", strerror(errno));
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		snprintf(err, errlen, "%s is not installed (apt-get install %s)", tool->name,
		    tool->package);
	else if (WIFEXITED(ws) && WEXITSTATUS(ws) == 125)
		snprintf(err, errlen, "cannot enter the network namespace of process %d",
		    (int)netns_of);
	else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		snprintf(err, errlen, "%s failed (%s %d; its message is in vmm.log)", tool->name,
		    WIFEXITED(ws) ? "status" : "signal",
		    WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	else if (w != (ssize_t)len)
		snprintf(err, errlen, "writing to %s: %s", tool->name,
		    w < 0 ? strerror(werr) : "short write");
	else
		return 0;
	return -1;
}
