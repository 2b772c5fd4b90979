/*
 * The host filter behind every sandbox's user network, an nftables table
 * of msb's own (inet msb). QEMU's user network (slirp) makes the guest's
 * connections with sockets opened by QEMU as the sandbox's own uid.
 *
 * Most sandboxes' QEMU runs in a network namespace of its own, linked to
 * the host (jail/sandbox_link.h): the table refuses that link's traffic to
 * any address of this host and to the other sandboxes' links, and
 * masquerades the rest. A QEMU that stays in the host's namespace (an
 * opted-in sandbox, or one with --forward, whose listeners must be on the
 * host) is filtered by its uid: new connections to any address of this host
 * (its loopback, which slirp's gateway 10.0.2.2 maps to, included) are
 * refused, except for the uids of sandboxes that opted in.
 */
#ifndef MSB_NET_FILTER_H
#define MSB_NET_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "host/sandbox.h"

#define NET_FILTER_TABLE "inet msb"
/* The --forward maps: host address . port, and port alone for 0.0.0.0. */
#define NET_FILTER_FORWARDS     "forwards"
#define NET_FILTER_FORWARDS_ANY "forwards_any"

/* The filtered range's end: one past the sandbox range, never handed out. */
#define NET_UNOWNED_UID (SANDBOX_UID_BASE + SANDBOX_UID_COUNT)

/*
 * Installs the table (replacing its rules, keeping the opted-in uids:
 * safe to run at every start, by many vmms at once) and puts uid in or
 * out of the opted-in set, in one nft transaction. With link (the sandbox
 * gets a namespace of its own), turns the host's IPv4 forwarding on if it
 * is off, and then (until the host reboots) the table forwards nothing but
 * the sandboxes' traffic. Needs root. Returns 0, or -1 with a message in err.
 */
int net_filter_apply(uid_t uid, bool host_access, bool link, char *err, size_t errlen);

/*
 * The nft script net_filter_apply runs, into buf (guard: msb turned
 * forwarding on); 0 or -1 if it does not fit.
 */
int net_filter_script(char *buf, size_t len, uid_t uid, bool host_access, bool guard);

#endif
