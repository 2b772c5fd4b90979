/*
 * The session worker's resource limits: as root, each connection's
 * msb-session runs in a cgroup of its own (vmctl/jail/cgroup.h), with a
 * memory limit (every channel's full window buffered, and room besides:
 * MSB_SESSION_MEMORY_MIB) and a pids limit (it forks nothing), made when
 * it starts and removed when the connection ends.
 */
#ifndef MSB_SESSION_LIMITS_H
#define MSB_SESSION_LIMITS_H

#include <sys/types.h>

#include "vmctl/jail/cgroup.h"

#define SESSION_MEMORY_MIB 320u
#define SESSION_PIDS       4u

/*
 * Puts session worker pid in a new group cg; without root, or on failure
 * (said), nothing. msb_cgroup_destroy removes it.
 */
void session_limits_enter(struct msb_cgroup *cg, pid_t pid);

#endif
