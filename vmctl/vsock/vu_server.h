/*
 * The backend end of one vhost-user connection from QEMU: reads messages
 * with their file descriptors, applies them to the vsock device and answers.
 * A message that breaks the protocol ends the connection; the device then
 * drops the guest's streams and waits for QEMU to connect again.
 */
#ifndef MSB_VSOCK_VU_SERVER_H
#define MSB_VSOCK_VU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vsock_dev.h"
#include "vu_msg.h"

/* What we offer: virtio 1.0 and vhost-user protocol features, nothing else. */
#define VU_OFFERED_FEATURES ((1ull << 32) | (1ull << VU_F_PROTOCOL_FEATURES))
#define VU_OFFERED_PROTOCOL ((1ull << VU_PROTOCOL_F_REPLY_ACK) | (1ull << VU_PROTOCOL_F_CONFIG))
#define VU_REPLY_MAX (VU_HDR_LEN + VU_MAX_PAYLOAD)

struct vu_server {
	int fd;                        /* QEMU's connection, -1 when none */
	struct vsock_dev *dev;
	uint8_t in[VU_HDR_LEN + VU_MAX_PAYLOAD];
	size_t have;
	int fds[VU_MAX_FDS];
	unsigned nfds;
	uint64_t features, protocol_features;
};

void vu_server_init(struct vu_server *s, struct vsock_dev *dev);
/* Reads and handles what QEMU sent; -1 when the connection must be dropped. */
int vu_server_readable(struct vu_server *s);
/*
 * Applies one decoded message; takes ownership of fds. Writes any reply to
 * reply (VU_REPLY_MAX bytes) and its length to *reply_len (0: none).
 * Returns -1 when the message is refused.
 */
int vu_server_handle(struct vu_server *s, const struct vu_msg *m, int *fds,
    unsigned nfds, uint8_t *reply, size_t *reply_len);
/* Closes QEMU's connection and resets the device to its pristine state. */
void vu_server_disconnect(struct vu_server *s);

#endif
