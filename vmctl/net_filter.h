/*
 * The host filter behind every sandbox's user network: QEMU's user network
 * (slirp) makes the guest's connections with sockets of this host, opened
 * by QEMU, which runs as the sandbox's own uid; so an nftables table of
 * msb's own (inet msb) refuses new connections from that uid range to any
 * address of this host (its loopback, which slirp's gateway 10.0.2.2 maps
 * to, included), except for the uids of sandboxes that opted in.
 */
#ifndef MSB_NET_FILTER_H
#define MSB_NET_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandbox.h"

#define NET_FILTER_TABLE "inet msb"

/* The filtered range's end: one past the sandbox range, never handed out. */
#define NET_UNOWNED_UID (SANDBOX_UID_BASE + SANDBOX_UID_COUNT)

/*
 * Installs the table (replacing its rules, keeping the opted-in uids:
 * safe to run at every start, by many vmms at once) and puts uid in or
 * out of the opted-in set, in one nft transaction. Needs root (nft).
 * Returns 0, or -1 with a message in err.
 */
int net_filter_apply(uid_t uid, bool host_access, char *err, size_t errlen);

/* The nft script net_filter_apply runs, into buf; 0 or -1 if it does not fit. */
int net_filter_script(char *buf, size_t len, uid_t uid, bool host_access);

#endif
