/*
 * The Unix-socket half of each connection: the CONNECT handshake, moving
 * payload between descriptor chains and the socket, half-close and reset.
 */
#ifndef MSB_VSOCK_HOST_H
#define MSB_VSOCK_HOST_H

#include <sys/types.h>

#include "lib/hybrid_vsock.h"
#include "vsock_dev.h"

/*
 * Aborts c: closes the Unix side and, when the guest knows the stream,
 * queues an RST for it; otherwise frees c at once.
 */
void vsock_conn_reset(struct vsock_dev *d, struct vsock_conn *c, const char *why);
/* Sends len payload bytes (after the header in ch) towards the Unix socket. */
void vsock_host_deliver(struct vsock_dev *d, struct vsock_conn *c,
    const struct virtq_chain *ch, uint32_t len);
/* After guest data drained or a guest SHUTDOWN: half-close, finish, credit. */
void vsock_host_progress(struct vsock_dev *d, struct vsock_conn *c);
/*
 * Reads up to want bytes from the Unix socket into ch after the header.
 * Returns the count; 0 at end of file (PEND_SHUTDOWN set) or after an
 * error (c reset, PEND_RST set); -1 when nothing is there now.
 */
ssize_t vsock_host_read(struct vsock_dev *d, struct vsock_conn *c,
    const struct virtq_chain *ch, size_t want);

#endif
