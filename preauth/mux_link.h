/*
 * The network child's end of the channel mux (lib/mux_proto.h): a
 * non-blocking socket with one bounded buffer each way.
 */
#ifndef MSB_PREAUTH_MUX_LINK_H
#define MSB_PREAUTH_MUX_LINK_H

#include <stdbool.h>

#include "lib/buf.h"
#include "lib/mux_proto.h"

struct mux_link {
	int fd;
	struct msb_buf in;
	struct msb_buf out;
	bool eof;       /* the worker closed its end */
};

void mux_link_init(struct mux_link *l, int fd);
void mux_link_free(struct mux_link *l);
/* Queues one frame. 0, or -1 when it does not fit (logged). */
int mux_link_send(struct mux_link *l, const struct msb_mux *m);
/* Writes what the socket takes now. 0, or -1 on a write error (logged). */
int mux_link_flush(struct mux_link *l);
/* Reads what the socket has now, up to the buffer's room. 0, or -1 on error. */
int mux_link_fill(struct mux_link *l);
static inline bool mux_link_want_write(const struct mux_link *l) { return msb_buf_avail(&l->out) > 0; }

#endif
