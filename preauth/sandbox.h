/*
 * The network child's confinement: everything that must be in place
 * before the first byte from the client is parsed.
 */
#ifndef MSB_PREAUTH_SANDBOX_H
#define MSB_PREAUTH_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

struct preauth_identity {
	const char *chroot_dir;  /* empty root-owned directory */
	uid_t uid;
	gid_t gid;
};

/*
 * As root: chroot into id->chroot_dir, become id->uid/id->gid with no
 * supplementary groups, drop every capability. Always: no new privileges,
 * not dumpable, rlimits that forbid new files, processes and file writes,
 * then the seccomp allow-list. Any failure is fatal: the child must never
 * read from the network half-confined.
 */
void preauth_sandbox(const struct preauth_identity *id);

/*
 * Installs the seccomp allow-list alone (default action: kill the
 * process). Exposed so a unit test can prove the filter is enforced.
 * Returns 0, or -1 with the reason logged.
 */
int preauth_seccomp_install(void);

#endif
