/*
 * Host side of the agent protocol: dial, hello, one request, its reply.
 * What follows the reply (exec streams, raw SFTP or TCP bytes) belongs to
 * the caller.
 */
#ifndef MSB_AGENT_CLIENT_H
#define MSB_AGENT_CLIENT_H

#include "agent_proto.h"

#define MSB_AGENT_CLIENT_TIMEOUT_MS 15000

struct msb_agent_client {
	int fd;
	int timeout_ms;      /* for each reply; MSB_AGENT_CLIENT_TIMEOUT_MS by default */
	struct msb_buf in, out;
	uint32_t err_code;   /* the agent's ERROR code after a refused request */
	char err[512];       /* what went wrong, for the user */
};

void msb_agent_client_init(struct msb_agent_client *c);
/* Connects to an agent listening on a Unix socket and exchanges hellos. */
int msb_agent_client_connect_unix(struct msb_agent_client *c, const char *path);
/*
 * Reaches an agent through a hybrid-vsock Unix socket (the sandbox's
 * vsock.sock): writes "CONNECT <port>\n", expects "OK <host port>\n", then
 * exchanges hellos. The backend closes without answering when nothing
 * listens on the guest port.
 */
int msb_agent_client_connect_vsock(struct msb_agent_client *c, const char *uds_path,
    uint32_t port);
/* Exchanges hellos over an already connected stream (takes ownership of fd). */
int msb_agent_client_hello(struct msb_agent_client *c, int fd);
/*
 * Sends the request encoded in c->out and waits for its reply. Returns 0 on
 * OK, or -1 with c->err (and c->err_code for an ERROR reply).
 */
int msb_agent_client_request(struct msb_agent_client *c);
/* INFO request; the reply is decoded into info (free with msb_agent_info_free). */
int msb_agent_client_info(struct msb_agent_client *c, struct msb_agent_info *info);
void msb_agent_client_close(struct msb_agent_client *c);

#endif
