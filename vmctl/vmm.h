/*
 * msb-vmm: the supervisor of one running sandbox. It owns QEMU (which dies
 * with it, by PR_SET_PDEATHSIG), runs the vhost-user-vsock backend in a
 * thread of its own, speaks QMP, checks the guest agent's readiness,
 * chooses the accelerator, and records the sandbox's state.
 */
#ifndef MSB_VMM_H
#define MSB_VMM_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

/* The guest's vsock context id: each VM has its own vhost-user device, so
 * every sandbox can use the same one. */
#define VMM_GUEST_CID 3u

struct vmm {
	char name[MSB_NAME_MAX + 1];
	struct sandbox_config cfg;
	char dir[PATH_MAX];
	char kernel[PATH_MAX], initrd[PATH_MAX], disk[PATH_MAX];
	char console_log[PATH_MAX], qemu_log[PATH_MAX], qmp_socket[PATH_MAX];
	char vhost_socket[PATH_MAX], vsock_socket[PATH_MAX];
	struct sandbox_status status;
	pid_t qemu_pid;
	int qemu_pidfd;
	struct qmp *qmp;
	bool stopping;        /* a stop was asked for: an exit is not a crash */
	char shutdown_reason[64];  /* from QEMU's SHUTDOWN event */
};

/*
 * The console thread: QEMU's serial port is a pipe it reads into
 * console.log, which moves to console.log.1 when it would pass
 * MSB_CONSOLE_LOG_MAX bytes (default 4 MiB). start empties both logs and
 * returns the pipe's write end for QEMU (close it once QEMU has it), or -1 after
 * logging why; stop waits for the thread, once QEMU has exited.
 */
#define VMM_CONSOLE_LOG_MAX_DEFAULT (4 * 1024 * 1024)
int vmm_console_start(struct vmm *v);
void vmm_console_stop(void);

/* The vsock backend thread. */
int vmm_vsock_start(struct vmm *v);
void vmm_vsock_stop(void);

/*
 * Boots QEMU with the accelerator the config asks for (falling back from
 * KVM to TCG under auto) and waits for the agent. Fills v->status (accel,
 * and in reason why TCG was chosen). Returns the milliseconds from the
 * start to readiness, all attempts included, or -1 with a message in err.
 */
long vmm_boot(struct vmm *v, char *err, size_t errlen);
/* Asks the guest to power off, then QEMU to quit, then kills it. */
void vmm_shutdown(struct vmm *v, bool force);
/* Waits for QEMU to exit (up to timeout_ms) and reaps it; true if it did. */
bool vmm_wait_qemu(struct vmm *v, int timeout_ms, int *wstatus);

#endif
