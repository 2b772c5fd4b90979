#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "session_limits.h"

void
session_limits_enter(struct msb_cgroup *cg, pid_t pid)
{
	char key[64], err[PATH_MAX + 128];
	struct msb_cgroup_limits lim = {
		.memory_bytes = (uint64_t)msb_cgroup_env_mib("MSB_SESSION_MEMORY_MIB",
		    SESSION_MEMORY_MIB) << 20,
		.pids = SESSION_PIDS,
	};

	msb_cgroup_init(cg);
	if (geteuid() != 0)
		return;
	/* The monitor's pid: unique while the connection lasts. */
	snprintf(key, sizeof(key), "session-%ld", (long)getpid());
	if (msb_cgroup_create(cg, key, &lim, err, sizeof(err)) != 0) {
		info("the session worker's resource limits are off: %s", err);
		return;
	}
	if (msb_cgroup_enter(cg, pid) != 0) {
		info("the session worker's resource limits are off: cannot enter %s: %s",
		    cg->dir[MSB_CG_MEMORY], strerror(errno));
		msb_cgroup_destroy(cg);
		return;
	}
	debug_f("session worker %ld in %s", (long)pid, cg->dir[MSB_CG_MEMORY]);
}
