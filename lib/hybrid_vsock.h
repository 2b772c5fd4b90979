/*
 * Hybrid vsock, as Firecracker defined it: a host process connects to the
 * vsock backend's Unix socket and writes "CONNECT <port>\n"; once the
 * guest accepts, the backend answers "OK <host port>\n" and the socket
 * carries the stream. When the guest refuses (RST) or does not answer, the
 * backend closes the socket without writing anything. Both lines, for the
 * backend (vmctl/vsock/) and its clients (the agent client, the session
 * worker).
 */
#ifndef MSB_HYBRID_VSOCK_H
#define MSB_HYBRID_VSOCK_H

#include <stddef.h>
#include <stdint.h>

/* "CONNECT 4294967294\n" is 19 bytes; anything longer is not a request. */
#define MSB_HYBRID_LINE_MAX 32

/* Writes "CONNECT <port>\n" into out (MSB_HYBRID_LINE_MAX bytes); returns its length. */
size_t msb_hybrid_format_connect(char *out, uint32_t port);
/*
 * Parses one request line of len bytes, the last of which must be its only
 * newline. Returns 0 with the guest port, or -1.
 */
int msb_hybrid_parse_connect(const char *line, size_t len, uint32_t *port);
/* Writes "OK <port>\n" into out (MSB_HYBRID_LINE_MAX bytes); returns its length. */
size_t msb_hybrid_format_ok(char *out, uint32_t host_port);
/* Parses the backend's answer as parse_connect parses a request. */
int msb_hybrid_parse_ok(const char *line, size_t len, uint32_t *host_port);

#endif
