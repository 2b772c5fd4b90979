/*
 * The vmm's resource limits: the sandbox's cgroup (vmctl/jail/cgroup.h),
 * sized from its config, holding the vmm and so the QEMU it forks.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm.h"

void
vmm_limits_of(const struct sandbox_config *c, struct msb_cgroup_limits *lim)
{
	unsigned overhead = msb_cgroup_env_mib("MSB_MEMORY_OVERHEAD_MIB", VMM_MEMORY_OVERHEAD_MIB);

	/* The page tables of QEMU and the vmm over guest memory grow with it. */
	lim->memory_bytes = ((uint64_t)c->memory_mib + c->memory_mib / VMM_MEMORY_PER_GUEST_DIV +
	    overhead) << 20;
	lim->cpus = c->cpus;
	lim->pids = VMM_PIDS_BASE + c->cpus;
}

/*
 * The group's name, unique host-wide: the sandbox's own uid, or without
 * one (msb not root) a hash of its directory's real path.
 */
static int
group_key(const struct vmm *v, char *key, size_t len)
{
	char real[PATH_MAX];
	uint64_t h = 0xcbf29ce484222325ull;    /* FNV-1a */

	if (v->cfg.uid != 0)
		return snprintf(key, len, "sandbox-%lu", (unsigned long)v->cfg.uid) < (int)len ? 0 : -1;
	if (realpath(v->dir, real) == NULL)
		return -1;
	for (const char *p = real; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return snprintf(key, len, "sandbox-path-%016llx", (unsigned long long)h) < (int)len ? 0 : -1;
}

void
vmm_limits_start(struct vmm *v)
{
	struct msb_cgroup_limits *lim = &v->limits;
	char key[64], err[PATH_MAX + 128];

	msb_cgroup_init(&v->cg);
	if (geteuid() != 0) {
		snprintf(v->limits_off, sizeof(v->limits_off), "not running as root");
	} else if (group_key(v, key, sizeof(key)) != 0) {
		snprintf(v->limits_off, sizeof(v->limits_off), "%.160s: %s", v->dir, strerror(errno));
	} else {
		vmm_limits_of(&v->cfg, lim);
		if (msb_cgroup_create(&v->cg, key, lim, err, sizeof(err)) != 0) {
			snprintf(v->limits_off, sizeof(v->limits_off), "%.250s", err);
		} else if (msb_cgroup_enter(&v->cg, getpid()) != 0) {
			snprintf(v->limits_off, sizeof(v->limits_off), "cannot enter %.160s: %s",
			    v->cg.dir[MSB_CG_MEMORY], strerror(errno));
			msb_cgroup_destroy(&v->cg);
		} else {
			info("resource limits: %s, memory %llu MiB, %u cpu%s, %u pids",
			    v->cg.dir[MSB_CG_MEMORY], (unsigned long long)(lim->memory_bytes >> 20),
			    lim->cpus, lim->cpus == 1 ? "" : "s", lim->pids);
			return;
		}
	}
	info("resource limits are off: %s", v->limits_off);
}
