#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_tool.h"
#include "vmctl/jail/sandbox_link.h"
#include "lib/log.h"
#include "host/msb_home.h"
#include "net_filter.h"

/*
 * The policy, whole. %1$u-%2$u is the sandbox uid range and
 * NET_UNOWNED_UID, %3$s the sandbox links' wildcard, %4$s their /16.
 *
 * output: a user network in the host's namespace (an opted-in sandbox's,
 * or one with --forward) makes its connections as the sandbox's uid. New
 * ones (a TCP SYN without ACK, or any datagram) to an address of this host
 * are refused unless the uid opted in; replies on connections the host
 * opened to a forwarded port pass. Broadcast and multicast count as this
 * host: the kernel loops them back to local listeners. No sandbox uid
 * reaches into another sandbox's namespace.
 *
 * input, forward, postrouting: a sandbox in a namespace of its own reaches
 * the world through its link, masqueraded as this host, and nothing of the
 * host itself (but replies to the host's own connections) nor of another
 * sandbox; nothing from outside reaches in but replies and its --forward
 * ports.
 *
 * forward_in, forward_local: a --forward port of such a sandbox is a
 * destination NAT of this host's address and port (any local address for
 * 0.0.0.0) to the link's address, where QEMU listens (net_forward.h);
 * connections from the host's own loopback leave masqueraded as the
 * link's gateway.
 *
 * The flushes make it idempotent; the set of opted-in uids survives them.
 */
#define RULESET \
    "add table " NET_FILTER_TABLE "\n" \
    "add set " NET_FILTER_TABLE " host_access { typeof meta skuid; }\n" \
    "add chain " NET_FILTER_TABLE " output { type filter hook output priority filter; policy accept; }\n" \
    "add chain " NET_FILTER_TABLE " sandbox_to_host\n" \
    "add chain " NET_FILTER_TABLE " input { type filter hook input priority filter; policy accept; }\n" \
    "add chain " NET_FILTER_TABLE " forward { type filter hook forward priority filter; policy accept; }\n" \
    "add chain " NET_FILTER_TABLE " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n" \
    "add map " NET_FILTER_TABLE " " NET_FILTER_FORWARDS " { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n" \
    "add map " NET_FILTER_TABLE " " NET_FILTER_FORWARDS_ANY " { type inet_service : ipv4_addr . inet_service; }\n" \
    "add chain " NET_FILTER_TABLE " forward_in { type nat hook prerouting priority dstnat; policy accept; }\n" \
    "add chain " NET_FILTER_TABLE " forward_local { type nat hook output priority -100; policy accept; }\n" \
    "flush chain " NET_FILTER_TABLE " output\n" \
    "flush chain " NET_FILTER_TABLE " sandbox_to_host\n" \
    "flush chain " NET_FILTER_TABLE " input\n" \
    "flush chain " NET_FILTER_TABLE " forward\n" \
    "flush chain " NET_FILTER_TABLE " postrouting\n" \
    "flush chain " NET_FILTER_TABLE " forward_in\n" \
    "flush chain " NET_FILTER_TABLE " forward_local\n" \
    "add rule " NET_FILTER_TABLE " output meta skuid %1$u-%2$u oifname \"%3$s\" reject\n" \
    "add rule " NET_FILTER_TABLE " output meta skuid %1$u-%2$u meta skuid != @host_access " \
        "fib daddr type { local, broadcast, multicast } jump sandbox_to_host\n" \
    "add rule " NET_FILTER_TABLE " sandbox_to_host tcp flags & (syn | ack) != syn return\n" \
    "add rule " NET_FILTER_TABLE " sandbox_to_host reject\n" \
    "add rule " NET_FILTER_TABLE " input iifname \"%3$s\" ct state established,related accept\n" \
    "add rule " NET_FILTER_TABLE " input iifname \"%3$s\" reject\n" \
    "add rule " NET_FILTER_TABLE " forward iifname \"%3$s\" oifname \"%3$s\" reject\n" \
    "add rule " NET_FILTER_TABLE " forward oifname \"%3$s\" ct state established,related accept\n" \
    "add rule " NET_FILTER_TABLE " forward oifname \"%3$s\" ct status dnat accept\n" \
    "add rule " NET_FILTER_TABLE " forward oifname \"%3$s\" drop\n" \
    "add rule " NET_FILTER_TABLE " postrouting ip saddr %4$s oifname != \"%3$s\" masquerade\n" \
    "add rule " NET_FILTER_TABLE " postrouting oifname \"%3$s\" ip saddr 127.0.0.0/8 masquerade\n" \
    FORWARD_DNAT("forward_in") FORWARD_DNAT("forward_local")

#define FORWARD_DNAT(chain) \
    "add rule " NET_FILTER_TABLE " " chain " meta nfproto ipv4 meta l4proto tcp fib daddr type local " \
        "dnat ip to ip daddr . tcp dport map @" NET_FILTER_FORWARDS "\n" \
    "add rule " NET_FILTER_TABLE " " chain " meta nfproto ipv4 meta l4proto tcp fib daddr type local " \
        "dnat ip to tcp dport map @" NET_FILTER_FORWARDS_ANY "\n"

/*
 * When msb turned the host's IPv4 forwarding on, the host forwards nothing
 * but the sandboxes' traffic, as it did nothing before.
 */
#define FORWARD_GUARD \
    "add rule " NET_FILTER_TABLE " forward iifname != \"%s\" drop\n"

/* Adding before deleting makes the delete of an absent element no error. */
#define OPT_IN  "add element " NET_FILTER_TABLE " host_access { %1$u }\n"
#define OPT_OUT OPT_IN "delete element " NET_FILTER_TABLE " host_access { %1$u }\n"

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"
/* Present once msb has turned forwarding on (until the host reboots). */
#define FORWARD_MARK "/run/msb/ip_forward-by-msb"


static int __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int m = *n < len ? vsnprintf(buf + *n, len - *n, fmt, ap) : -1;
	va_end(ap);
	if (m < 0 || (size_t)m >= len - *n)
		return -1;
	*n += (size_t)m;
	return 0;
}

int
net_filter_script(char *buf, size_t len, uid_t uid, bool host_access, bool guard)
{
	size_t n = 0;

	if (append(buf, len, &n, RULESET, SANDBOX_UID_BASE, NET_UNOWNED_UID,
	    SANDBOX_LINK_IF_GLOB, SANDBOX_LINK_NET_CIDR) != 0)
		return -1;
	if (guard && append(buf, len, &n, FORWARD_GUARD, SANDBOX_LINK_IF_GLOB) != 0)
		return -1;
	return append(buf, len, &n, host_access ? OPT_IN : OPT_OUT, (unsigned)uid);
}

/* 1 on, 0 off, -1 unreadable. */
static int
forwarding_on(void)
{
	char c = 0;
	int fd = open(IP_FORWARD, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	ssize_t n = read(fd, &c, 1);
	close(fd);
	return n == 1 ? c != '0' : -1;
}

static int
set_forwarding(char *err, size_t errlen)
{
	int fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return msb_errf(err, errlen, "cannot turn on IPv4 forwarding (%s): %s", IP_FORWARD,
		    strerror(e));
	}
	close(fd);
	return 0;
}

static int
mark_forwarding(char *err, size_t errlen)
{
	if (msb_mkdirs("/run/msb", 0755) != 0)
		return msb_errf(err, errlen, "cannot create /run/msb: %s", strerror(errno));
	int fd = open(FORWARD_MARK, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return msb_errf(err, errlen, "cannot create %s: %s", FORWARD_MARK, strerror(errno));
	close(fd);
	return 0;
}

int
net_filter_apply(uid_t uid, bool host_access, bool link, char *err, size_t errlen)
{
	char script[4096];
	int on = forwarding_on();
	bool turn_on = link && on == 0;

	if (link && on < 0)
		return msb_errf(err, errlen, "cannot read %s: %s", IP_FORWARD, strerror(errno));
	/* Marked, and guarded, before the host forwards anything. */
	if (turn_on && mark_forwarding(err, errlen) != 0)
		return -1;
	bool guard = access(FORWARD_MARK, F_OK) == 0;
	if (net_filter_script(script, sizeof(script), uid, host_access, guard) != 0)
		return msb_errf(err, errlen, "the nft script does not fit");
	if (host_tool_run(&host_tool_nft, (char *const[]){ "nft", "-f", "-", NULL }, script, 0,
	    err, errlen) != 0)
		return -1;
	return turn_on ? set_forwarding(err, errlen) : 0;
}
