/*
 * msb-vmm's seccomp allow-lists, one per thread role. QEMU is forked and
 * exec'd by the main thread during boot, and a filter is inherited across
 * exec, so no filter is process-wide: each thread loads its own once it
 * has nothing left to start.
 */
#ifndef MSB_VMM_SECCOMP_H
#define MSB_VMM_SECCOMP_H

enum vmm_seccomp_role {
	/* The vhost-user-vsock backend thread, before its first message:
	 * it parses guest-controlled rings. */
	VMM_SECCOMP_VSOCK,
	/* The main thread once QEMU is up: QMP, the agent's shutdown,
	 * reaping QEMU, reports to the keeper. */
	VMM_SECCOMP_SUPERVISOR,
	/* The console thread, before its first read: copies the guest's
	 * serial output into the capped console.log. */
	VMM_SECCOMP_CONSOLE,
};

/*
 * Loads the role's allow-list into the calling thread (default action:
 * kill the process). Returns 0, or -1 with the reason logged.
 */
int vmm_seccomp_install(enum vmm_seccomp_role role);

#endif
