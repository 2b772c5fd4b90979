/*
 * The guest agent's request handlers. Each runs in its own process, forked
 * per connection by the accept loop, and owns the connection fd.
 */
#ifndef MSB_AGENT_H
#define MSB_AGENT_H

#include <stdbool.h>

#include "lib/agent_proto.h"

#define AGENT_SOFTWARE "msb-agent " PACKAGE_VERSION
/* How long a connection may take to send its hello and request. */
#define AGENT_HANDSHAKE_MS 10000

struct agent_ctx {
	bool pid1;          /* running as init inside the VM */
	int64_t start_ms;   /* for INFO uptime */
};

/* Runs one connection to completion; returns the process exit status. */
int agent_serve_conn(const struct agent_ctx *ctx, int fd);

/* Request handlers: each replies OK or ERROR itself and returns an exit status. */
int agent_exec(int fd, struct msb_buf *out, const struct msb_agent_exec *req);
int agent_connect(int fd, struct msb_buf *out, const struct msb_agent_connect *req);

/* Queues and sends an ERROR reply, logging it; returns 1 for use as exit status. */
int agent_reply_error(int fd, struct msb_buf *out, uint32_t code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
