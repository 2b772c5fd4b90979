/*
 * A user-network sandbox's own network namespace and its one way out.
 * QEMU's user network (slirp) makes the guest's connections with sockets
 * of its own; in a namespace of the sandbox's own, with only a veth link
 * to the host, those sockets see no host loopback and no host address
 * (the host filter, net_filter.h, refuses the link's traffic to this host
 * and to other sandboxes, and masquerades the rest out as the host).
 *
 * Every sandbox's link takes the same shape: the host's end is named
 * msbh<hex of the uid's index in the sandbox range> and holds the link-local
 * gateway address; the namespace's end is eth0, holding the one address
 * SANDBOX_LINK_NET.<index> (a /16 for the 65536 sandbox uids). The host
 * routes that /32 to the link.
 */
#ifndef MSB_SANDBOX_LINK_H
#define MSB_SANDBOX_LINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#define SANDBOX_LINK_NET     "10.254"
#define SANDBOX_LINK_NET_CIDR SANDBOX_LINK_NET ".0.0/16"
#define SANDBOX_LINK_GATEWAY "169.254.1.1"
/* nft's wildcard for every sandbox's host end. */
#define SANDBOX_LINK_IF_GLOB "msbh*"

struct sandbox_link {
	char host_if[IFNAMSIZ];
	char addr[INET_ADDRSTRLEN];
};

/* The link of the sandbox with uid; 0, or -1 if uid is not a sandbox's. */
int sandbox_link_plan(uid_t uid, struct sandbox_link *l);

/*
 * Creates the link with its namespace end inside the network namespace of
 * process pid (the jailed vmm, which waits for it) and sets both ends up.
 * A stale host end of the same name (a keeper killed before its namespace
 * died) is replaced. Root only. 0, or -1 with a message in err.
 */
int sandbox_link_build(pid_t pid, const struct sandbox_link *l, char *err, size_t errlen);

/*
 * Removes the link once its namespace's processes are gone: the kernel
 * would, but later, and a restart wants the name at once. Quiet if absent.
 */
void sandbox_link_remove(const struct sandbox_link *l);

#endif
