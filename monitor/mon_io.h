/*
 * The monitor's end of one RPC socketpair (lib/monitor_proto.h): frames
 * out with a bounded wait, frames in through a buffer capped at one
 * maximal frame.
 */
#ifndef MSB_MON_IO_H
#define MSB_MON_IO_H

#include "lib/buf.h"
#include "lib/monitor_proto.h"

struct mon_peer {
	int fd;              /* -1 once closed */
	struct msb_buf in;
};

void mon_peer_init(struct mon_peer *p, int fd);
void mon_peer_close(struct mon_peer *p);
/*
 * Encodes m and writes it whole; a peer that does not read for
 * MON_SEND_TIMEOUT_MS is treated as broken. 0 or -1 after logging why.
 */
int mon_send(int fd, const struct msb_mon *m);
/* As mon_send, with passfd attached to the frame's first byte (SCM_RIGHTS). */
int mon_send_fd(int fd, const struct msb_mon *m, int passfd);
/* Reads what the peer sent: 1 got bytes (or none yet), 0 end of stream, -1 error. */
int mon_peer_fill(struct mon_peer *p);

#endif
