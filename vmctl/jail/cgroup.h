/*
 * A cgroup per sandbox: a memory limit without swap, a CPU quota and a pids
 * limit around the vmm and QEMU, on cgroup v2 where the host has its memory
 * controller and on the v1 controllers (memory, cpu, pids) otherwise.
 *
 * Where the group lives:
 *   v2: <cgroup2 mount>/msb/<key>; v2 lets only leaves hold processes, so
 *       msb/ sits at the top, with memory, cpu and pids enabled for it.
 *   v1: <controller mount><creator's own group>/msb/<key> for each of
 *       memory, cpu and pids: nested where the creator already is, so
 *       whatever accounts for the creator (a service's group) still does.
 * The key must be unique host-wide (a sandbox's uid, say): a group of the
 * same name left behind by a vmm that was killed is emptied and replaced.
 *
 * create, enter and destroy need the right to write to the hierarchy (root);
 * oom_killed only reads a file opened at create time, so a process that has
 * since dropped its privileges or left the host's mount namespace can call
 * it. destroy must be called by a process that can still write to the
 * hierarchy; one inside the group moves itself back to where it was created.
 */
#ifndef MSB_JAIL_CGROUP_H
#define MSB_JAIL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum msb_cgroup_version { MSB_CGROUP_NONE, MSB_CGROUP_V1, MSB_CGROUP_V2 };

/* The controllers a sandbox's group uses; v2 has one directory for all. */
enum msb_cgroup_controller { MSB_CG_MEMORY, MSB_CG_CPU, MSB_CG_PIDS, MSB_CG_COUNT };

/* The CFS period the CPU quota is expressed in. */
#define MSB_CGROUP_CPU_PERIOD_US 100000u

struct msb_cgroup_limits {
	uint64_t memory_bytes;   /* hard limit; swap is not allowed on top */
	unsigned cpus;           /* quota of cpus × the period; 0: none */
	unsigned pids;           /* 0: none */
};

struct msb_cgroup {
	enum msb_cgroup_version version;
	char dir[MSB_CG_COUNT][PATH_MAX];    /* v2: dir[MSB_CG_MEMORY] only */
	char home[MSB_CG_COUNT][PATH_MAX];   /* the creator's group, per hierarchy */
	int oom_fd;                          /* memory.events or memory.oom_control */
	uint64_t oom_base;                   /* the oom_kill count at creation */
};

/* An empty handle: destroy and oom_killed do nothing with it. */
void msb_cgroup_init(struct msb_cgroup *cg);
/*
 * Makes the group named key (letters, digits, '-' and '_') with the limits.
 * 0, or -1 with the reason in err and cg left empty: the caller runs
 * without limits then.
 */
int msb_cgroup_create(struct msb_cgroup *cg, const char *key,
    const struct msb_cgroup_limits *lim, char *err, size_t errlen);
/* Moves process pid (every thread of it) into the group; 0 or -1 (errno). */
int msb_cgroup_enter(struct msb_cgroup *cg, pid_t pid);
/* Whether the kernel's OOM killer killed a process in the group since create. */
bool msb_cgroup_oom_killed(struct msb_cgroup *cg);
/* Kills what is left in the group (the caller aside) and removes it. */
void msb_cgroup_destroy(struct msb_cgroup *cg);

/*
 * A number of MiB (up to a sandbox's largest memory) from the environment
 * variable var, or dflt when unset or bad (and said so).
 */
unsigned msb_cgroup_env_mib(const char *var, unsigned dflt);

/*
 * The value of the "KEY N" line in the text of a flat-keyed cgroup file
 * (memory.events, memory.oom_control, memory.stat); 0, or -1 when absent
 * or not a number.
 */
int msb_cgroup_parse_counter(const char *text, const char *key, uint64_t *out);

#endif
