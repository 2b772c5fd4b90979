/*
 * The QEMU command line of a sandbox: one place that decides every device
 * and option, so the vmm and its tests agree on what a sandbox is.
 */
#ifndef MSB_QEMU_CMD_H
#define MSB_QEMU_CMD_H

#include <stdbool.h>

#include "host/sandbox.h"

/*
 * TCG's translation cache in MiB. QEMU 7.2 sizes it at 1 GiB (an eighth of
 * a small host's memory) and fills it: a busy guest grows QEMU by that much
 * within a minute, all of it counted in the sandbox's memory limit. A boot
 * translates about 46 MiB; 64 holds it, and the cache is flushed and
 * refilled when it is full.
 */
#define QEMU_TCG_TB_SIZE_MIB 64u

struct qemu_launch {
	const char *qemu;          /* binary: $MSB_QEMU, else qemu-system-x86_64 */
	const char *kernel;
	const char *initrd;
	const char *disk;
	int console_fd;            /* the serial console's pipe, in QEMU's fd table */
	const char *qmp_socket;
	const char *vhost_user_socket;
	const char *hostname;
	bool kvm;                  /* else TCG */
	unsigned memory_mib;
	unsigned cpus;
	enum sandbox_net net;
	const struct sandbox_forward *forwards;  /* with net user */
	unsigned nforwards;
	unsigned long tsc_khz;     /* TCG: the host TSC rate, 0 if unknown */
};

/* A NULL-terminated argv, or NULL on allocation failure. Free with qemu_argv_free. */
char **qemu_argv_build(const struct qemu_launch *l);
void qemu_argv_free(char **argv);
/* The host TSC rate in kHz from /proc/cpuinfo, 0 if unknown. */
unsigned long qemu_host_tsc_khz(void);

#endif
