/*
 * Blocking helpers shared by the agent and its host-side clients, for the
 * short handshake phase before a connection switches to its relay loop.
 */
#ifndef MSB_AGENT_IO_H
#define MSB_AGENT_IO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

int msb_set_nonblock(int fd, int on);
/* Writes all of p, waiting for POLLOUT on non-blocking fds; 0 or -1 (errno). */
int msb_write_all(int fd, const void *p, size_t n);
/* Writes and consumes all of b; 0 or -1. */
int msb_flush_buf(int fd, struct msb_buf *b);
/*
 * Reads until one whole agent frame is in `in` (see agent_proto.h), waiting
 * at most timeout_ms in total (-1: forever). Returns 1 with the frame peeked
 * (consume it with msb_agent_frame_consume), 0 on EOF before a frame, -1 on
 * error with errno (ETIMEDOUT, EPROTO for a bad frame length, or I/O).
 */
int msb_read_frame(int fd, struct msb_buf *in, int timeout_ms, uint8_t *type,
    const uint8_t **body, size_t *len);

#endif
