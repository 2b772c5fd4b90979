/*
 * The network child's one event loop: key exchange, authentication
 * through the monitor, then the channel relay, all non-blocking on one
 * ssh_event with the monitor and mux sockets added to it.
 */
#ifndef MSB_PREAUTH_SERVE_H
#define MSB_PREAUTH_SERVE_H

#include <stdint.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "lib/buf.h"

struct serve_params {
	ssh_session session;   /* accepted on the client socket, not yet read */
	int mon_fd;
	int mux_fd;
	struct msb_buf *mon_in;
	uint32_t idle_timeout_s;  /* 0: none */
};

/* Returns the process exit status: 0 after a normal end, 1 otherwise. */
int preauth_serve(const struct serve_params *p);

#endif
