#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/vm_sockets.h>

#include "agent_peer.h"

bool
agent_peer_allowed(const struct sockaddr_storage *peer, socklen_t len,
    char *why, size_t whylen)
{
	const struct sockaddr_vm *svm = (const struct sockaddr_vm *)peer;

	switch (peer->ss_family) {
	case AF_UNIX:
		return true;
	case AF_VSOCK:
		if (len < (socklen_t)sizeof(*svm)) {
			snprintf(why, whylen, "a vsock peer with a short address (%u bytes)",
			    (unsigned)len);
			return false;
		}
		if (svm->svm_cid == VMADDR_CID_HOST)
			return true;
		snprintf(why, whylen, "vsock CID %u port %u (only the host, CID %u, may connect)",
		    svm->svm_cid, svm->svm_port, (unsigned)VMADDR_CID_HOST);
		return false;
	default:
		snprintf(why, whylen, "a peer of address family %u", (unsigned)peer->ss_family);
		return false;
	}
}
