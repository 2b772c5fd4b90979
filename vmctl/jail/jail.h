/*
 * The jail a sandbox's vmm and QEMU run in, after Firecracker's jailer: new
 * mount, PID, IPC, UTS (and, unless QEMU's own user network needs the
 * host's, network) namespaces; a root of its own holding only the host
 * paths listed (each at the same path as on the host, so no file name
 * changes inside) plus /usr and the loader's files read-only, a minimal
 * /dev and a /proc of the new PID namespace; rlimits; the sandbox's own
 * uid and gid with no capabilities, NO_NEW_PRIVS and not dumpable.
 *
 * Without root, an unprivileged user namespace gives the same isolation
 * with the caller's own uid, where the kernel allows it.
 */
#ifndef MSB_JAIL_H
#define MSB_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define JAIL_MAX_PATHS 8
/* Descriptors the vmm and QEMU may hold: sockets per vsock stream, QEMU's own. */
#define JAIL_NOFILE 4096

struct jail_spec {
	const char *hostname;
	uid_t uid;              /* root: the sandbox's uid (and gid); else ignored */
	bool userns;            /* not root: map the caller's ids in a user namespace */
	bool net;               /* a network namespace of its own */
	bool kvm;               /* /dev/kvm inside */
	const char *rw[JAIL_MAX_PATHS];  /* directories bound read-write */
	const char *ro[JAIL_MAX_PATHS];  /* files or directories bound read-only */
	/* Filled by jail_clone for the child's ID maps. */
	uid_t outer_uid;
	gid_t outer_gid;
};

/*
 * Forks the jailed child in its new namespaces: returns its pid in the
 * parent, 0 in the child (which then calls jail_enter), -1 with errno.
 */
pid_t jail_clone(struct jail_spec *j);
/* In the child: builds the root, pivots into it, drops privileges. 0, or -1 with err. */
int jail_enter(const struct jail_spec *j, char *err, size_t errlen);

#endif
