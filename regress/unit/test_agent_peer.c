/*
 * The agent's peer check: over vsock only the host (CID 2) is served; a
 * guest process dialling through loopback (CID 1), the guest's own CID or
 * any other is refused, and so is an address too short to carry a CID.
 * Unix-socket peers (the agent on the host, for tests) are served.
 */
#include "config.h"

#include <string.h>
#include <sys/un.h>

#include <linux/vm_sockets.h>

#include "guest/agent_peer.h"
#include "unit.h"

static bool
vsock_peer(unsigned cid, socklen_t len, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	struct sockaddr_vm *svm = (struct sockaddr_vm *)&ss;

	memset(&ss, 0, sizeof(ss));
	svm->svm_family = AF_VSOCK;
	svm->svm_cid = cid;
	svm->svm_port = 49152;
	return agent_peer_allowed(&ss, len, why, whylen);
}

int
main(void)
{
	struct sockaddr_storage ss;
	char why[128] = "";

	CHECK(vsock_peer(VMADDR_CID_HOST, sizeof(struct sockaddr_vm), why, sizeof(why)));
	CHECK(!vsock_peer(VMADDR_CID_LOCAL, sizeof(struct sockaddr_vm), why, sizeof(why)));
	CHECK_STR(why, "vsock CID 1 port 49152 (only the host, CID 2, may connect)");
	CHECK(!vsock_peer(3, sizeof(struct sockaddr_vm), why, sizeof(why)));
	CHECK(strstr(why, "CID 3 ") != NULL);
	CHECK(!vsock_peer(VMADDR_CID_HYPERVISOR, sizeof(struct sockaddr_vm), why, sizeof(why)));
	CHECK(!vsock_peer(VMADDR_CID_ANY, sizeof(struct sockaddr_vm), why, sizeof(why)));
	CHECK(!vsock_peer(VMADDR_CID_HOST, sizeof(sa_family_t), why, sizeof(why)));
	CHECK(strstr(why, "short address") != NULL);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	CHECK(agent_peer_allowed(&ss, sizeof(sa_family_t), why, sizeof(why)));
	ss.ss_family = AF_INET;
	CHECK(!agent_peer_allowed(&ss, sizeof(ss), why, sizeof(why)));
	CHECK_STR(why, "a peer of address family 2");
	return unit_done();
}
