#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net_filter.h"

/*
 * The policy, whole. New connections (a TCP SYN without ACK, or any
 * datagram) from a sandbox uid to an address of this host are refused;
 * replies on connections this host opened to a forwarded port pass, so
 * --forward keeps working from the host's own loopback. Broadcast and
 * multicast count as this host too: the kernel loops them back to local
 * listeners. The flushes make it idempotent; the set of opted-in uids
 * survives them. %1$u-%2$u is the sandbox uid range and NET_UNOWNED_UID.
 */
#define RULESET \
    "add table " NET_FILTER_TABLE "\n" \
    "add set " NET_FILTER_TABLE " host_access { typeof meta skuid; }\n" \
    "add chain " NET_FILTER_TABLE " output { type filter hook output priority filter; policy accept; }\n" \
    "add chain " NET_FILTER_TABLE " sandbox_to_host\n" \
    "flush chain " NET_FILTER_TABLE " output\n" \
    "flush chain " NET_FILTER_TABLE " sandbox_to_host\n" \
    "add rule " NET_FILTER_TABLE " output meta skuid %1$u-%2$u meta skuid != @host_access " \
        "fib daddr type { local, broadcast, multicast } jump sandbox_to_host\n" \
    "add rule " NET_FILTER_TABLE " sandbox_to_host tcp flags & (syn | ack) != syn return\n" \
    "add rule " NET_FILTER_TABLE " sandbox_to_host reject\n"

/* Adding before deleting makes the delete of an absent element no error. */
#define OPT_IN  "add element " NET_FILTER_TABLE " host_access { %1$u }\n"
#define OPT_OUT OPT_IN "delete element " NET_FILTER_TABLE " host_access { %1$u }\n"

/* A root vmm may be started with a PATH that lacks the sbin directories. */
static const char *const nft_paths[] = { "/usr/sbin/nft", "/sbin/nft", "nft" };

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int
net_filter_script(char *buf, size_t len, uid_t uid, bool host_access)
{
	int n = snprintf(buf, len, RULESET, SANDBOX_UID_BASE,
	    NET_UNOWNED_UID);
	if (n < 0 || (size_t)n >= len)
		return -1;
	int m = host_access ? snprintf(buf + n, len - (size_t)n, OPT_IN, (unsigned)uid) :
	    snprintf(buf + n, len - (size_t)n, OPT_OUT, (unsigned)uid);
	return m < 0 || (size_t)m >= len - (size_t)n ? -1 : 0;
}

int
net_filter_apply(uid_t uid, bool host_access, char *err, size_t errlen)
{
	char script[2048];
	int in[2], ws;

	if (net_filter_script(script, sizeof(script), uid, host_access) != 0)
		return fail(err, errlen, "the nft script does not fit");
	if (pipe2(in, O_CLOEXEC) != 0)
		return fail(err, errlen, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return fail(err, errlen, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		/* stdout and stderr stay the vmm's: nft's complaints land in vmm.log. */
		if (dup2(in[0], 0) < 0)
			_exit(126);
		for (size_t i = 0; i < sizeof(nft_paths) / sizeof(nft_paths[0]); i++)
			execvp(nft_paths[i], (char *const[]){ "nft", "-f", "-", NULL });
		_exit(127);
	}
	close(in[0]);
	size_t len = strlen(script);
	ssize_t w = write(in[1], script, len);
	int werr = errno;
	close(in[1]);
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return fail(err, errlen, "waitpid: %s", strerror(errno));
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
		return fail(err, errlen, "nft is not installed (apt-get install nftables)");
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return fail(err, errlen, "nft refused the host filter (%s %d; its message is in vmm.log)",
		    WIFEXITED(ws) ? "status" : "signal", WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
	if (w != (ssize_t)len)
		return fail(err, errlen, "writing to nft: %s", w < 0 ? strerror(werr) : "short write");
	return 0;
}
