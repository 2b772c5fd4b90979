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

#include "vmctl/jail/vmm_report.h"
#include "vmctl/jail/cgroup.h"
#include "host/sandbox.h"

/* The guest's vsock context id: each VM has its own vhost-user device, so
 * every sandbox can use the same one. */
#define VMM_GUEST_CID 3u

/*
 * The sandbox's memory limit is its guest memory, plus a 64th of it for the
 * page tables QEMU and the vmm keep over it, plus this for the rest of
 * QEMU (measured under TCG: its translation cache, QEMU_TCG_TB_SIZE_MIB,
 * 40 MiB of heap, 23 MiB of code, 10 MiB of kernel memory) and the vmm
 * (2.5 MiB), with room to spare. MSB_MEMORY_OVERHEAD_MIB overrides it.
 */
#define VMM_MEMORY_OVERHEAD_MIB 192u
#define VMM_MEMORY_PER_GUEST_DIV 64u
/*
 * Its pids limit is this plus one per vCPU: QEMU's block I/O pool grows to
 * 64 threads, it has a few of its own (main loop, RCU, signals), and the vmm
 * two; the rest is headroom, not room for a fork bomb.
 */
#define VMM_PIDS_BASE 96u

struct vmm {
	char name[MSB_NAME_MAX + 1];
	struct sandbox_config cfg;
	char dir[PATH_MAX];
	char image_dir[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX], disk[PATH_MAX];
	char console_log[PATH_MAX], console_old[PATH_MAX], qemu_log[PATH_MAX], qmp_socket[PATH_MAX];
	char vhost_socket[PATH_MAX], vsock_socket[PATH_MAX];
	struct sandbox_status status;
	pid_t qemu_pid;
	int qemu_pidfd;
	struct qmp *qmp;
	bool stopping;        /* a stop was asked for: an exit is not a crash */
	char shutdown_reason[64];  /* from QEMU's SHUTDOWN event */
	int report_fd;        /* to the keeper */
	long ready_ms;
	char kvm_broken[256];  /* why KVM is known to hang here, or "" */
	struct msb_cgroup cg;      /* empty when the limits are off */
	struct msb_cgroup_limits limits;
	char limits_off[256];      /* why they are off */
};

/* The jailed part: boots and supervises; 0 after a run, 1 if the start failed. */
int vmm_run(struct vmm *v);
/* One line to the keeper; the text is the event's reason or message. */
void vmm_report(struct vmm *v, enum vmm_report_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The cgroup limits for a config (overhead from the environment). */
void vmm_limits_of(const struct sandbox_config *c, struct msb_cgroup_limits *lim);
/* Puts the vmm in its sandbox's cgroup, or says in limits_off (and the log) why not. */
void vmm_limits_start(struct vmm *v);

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
