/*
 * The host side of hybrid vsock, as Firecracker defined it: a host process
 * connects to the backend's Unix socket and writes "CONNECT <port>\n"; once
 * the guest accepts, the backend answers "OK <host port>\n" and the socket
 * carries the stream. When the guest refuses (RST) or does not answer, the
 * backend closes the socket without writing anything.
 */
#ifndef MSB_VSOCK_HYBRID_H
#define MSB_VSOCK_HYBRID_H

#include <stddef.h>
#include <stdint.h>

/* "CONNECT 4294967294\n" is 19 bytes; anything longer is not a request. */
#define HYBRID_LINE_MAX 32

/*
 * Parses one request line of len bytes, the last of which must be its only
 * newline. Returns 0 with the guest port, or -1.
 */
int hybrid_parse_connect(const char *line, size_t len, uint32_t *port);
/* Writes "OK <port>\n" into out (HYBRID_LINE_MAX bytes); returns its length. */
size_t hybrid_format_ok(char *out, uint32_t host_port);

#endif
