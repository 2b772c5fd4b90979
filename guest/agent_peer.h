/*
 * Who may talk to the agent: over vsock, the host alone. A guest process
 * reaching the agent's port through vsock loopback (CID 1) or the guest's
 * own CID would otherwise run commands as any guest user.
 */
#ifndef MSB_AGENT_PEER_H
#define MSB_AGENT_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * Whether the peer accept() returned may be served: an AF_VSOCK peer only
 * from VMADDR_CID_HOST; an AF_UNIX one (the agent on the host, for tests,
 * behind its socket's file permissions) always. When not, why says who it
 * was, for the log.
 */
bool agent_peer_allowed(const struct sockaddr_storage *peer, socklen_t len,
    char *why, size_t whylen);

#endif
