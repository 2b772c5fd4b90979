/*
 * --forward for a sandbox whose QEMU is in a network namespace of its own
 * (jail/sandbox_link.h). QEMU's hostfwd listeners are then in that
 * namespace, on the link's address at the same port numbers; the host
 * filter's forward maps (net_filter.h) carry the host's address and port
 * there, and the keeper holds each host address and port bound (never
 * listening) for the sandbox's life, so that a port in use fails the
 * start as QEMU's own bind did and nothing else takes it meanwhile.
 */
#ifndef MSB_NET_FORWARD_H
#define MSB_NET_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "vmctl/jail/sandbox_link.h"
#include "host/sandbox.h"

/* Binds each forward's host address and port into fds[i]; 0, or -1 with err (none left bound). */
int net_forward_reserve(const struct sandbox_config *c, int fds[SANDBOX_MAX_FORWARDS],
    char *err, size_t errlen);

/*
 * Maps (add) or unmaps each forward's host address and port to the link,
 * and lets the link carry the host's loopback traffic (masqueraded by the
 * filter). 0, or -1 with err.
 */
int net_forward_apply(const struct sandbox_config *c, const struct sandbox_link *l, bool add,
    char *err, size_t errlen);

/* The nft script of net_forward_apply, into buf; 0, or -1 if it does not fit. */
int net_forward_script(char *buf, size_t len, const struct sandbox_config *c,
    const struct sandbox_link *l, bool add);

#endif
