#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "lib/env_number.h"
#include "lib/log.h"
#include "host/sandbox.h"

/* A killed process leaves its group within milliseconds; this is plenty. */
#define EMPTY_WAIT_MS 3000
#define KEY_MAX       64

static const char *const controller_name[MSB_CG_COUNT] = { "memory", "cpu", "pids" };

/* What a setting writes, computed from the limits. */
enum cg_value { VAL_UNLIMITED, VAL_MEMORY, VAL_NONE, VAL_PERIOD, VAL_QUOTA, VAL_CPU_MAX, VAL_PIDS };

struct cg_setting {
	enum msb_cgroup_controller ctl;
	const char *file;
	enum cg_value value;
	bool optional;      /* absent where the kernel does not account swap */
};

/* Written in this order; a failure of any but an absent optional file fails the group. */
static const struct cg_setting v1_settings[] = {
	/* memsw may never be below the memory limit: lifted first, set last. */
	{ MSB_CG_MEMORY, "memory.memsw.limit_in_bytes", VAL_UNLIMITED, true },
	{ MSB_CG_MEMORY, "memory.limit_in_bytes", VAL_MEMORY, false },
	{ MSB_CG_MEMORY, "memory.memsw.limit_in_bytes", VAL_MEMORY, true },
	{ MSB_CG_CPU, "cpu.cfs_period_us", VAL_PERIOD, false },
	{ MSB_CG_CPU, "cpu.cfs_quota_us", VAL_QUOTA, false },
	{ MSB_CG_PIDS, "pids.max", VAL_PIDS, false },
};

static const struct cg_setting v2_settings[] = {
	{ MSB_CG_MEMORY, "memory.max", VAL_MEMORY, false },
	{ MSB_CG_MEMORY, "memory.swap.max", VAL_NONE, true },
	{ MSB_CG_CPU, "cpu.max", VAL_CPU_MAX, false },
	{ MSB_CG_PIDS, "pids.max", VAL_PIDS, false },
};

/* Where the kernel counts OOM kills, and the counter's name there. */
static const char *const oom_file[] = {
	[MSB_CGROUP_V1] = "memory.oom_control", [MSB_CGROUP_V2] = "memory.events",
};

static void
format_value(char *buf, size_t len, enum cg_value v, enum msb_cgroup_version ver,
    const struct msb_cgroup_limits *lim)
{
	const char *unlimited = ver == MSB_CGROUP_V1 ? "-1" : "max";
	uint64_t quota = (uint64_t)lim->cpus * MSB_CGROUP_CPU_PERIOD_US;

	switch (v) {
	case VAL_UNLIMITED:
		snprintf(buf, len, "%s", unlimited);
		break;
	case VAL_MEMORY:
		if (lim->memory_bytes > 0)
			snprintf(buf, len, "%" PRIu64, lim->memory_bytes);
		else
			snprintf(buf, len, "%s", unlimited);
		break;
	case VAL_NONE:
		snprintf(buf, len, "0");
		break;
	case VAL_PERIOD:
		snprintf(buf, len, "%u", MSB_CGROUP_CPU_PERIOD_US);
		break;
	case VAL_QUOTA:
		if (quota > 0)
			snprintf(buf, len, "%" PRIu64, quota);
		else
			snprintf(buf, len, "%s", unlimited);
		break;
	case VAL_CPU_MAX:
		if (quota > 0)
			snprintf(buf, len, "%" PRIu64 " %u", quota, MSB_CGROUP_CPU_PERIOD_US);
		else
			snprintf(buf, len, "max %u", MSB_CGROUP_CPU_PERIOD_US);
		break;
	case VAL_PIDS:
		if (lim->pids > 0)
			snprintf(buf, len, "%u", lim->pids);
		else
			snprintf(buf, len, "%s", unlimited);
		break;
	}
}

/* Writes value to dir/file in one write; 0, or -1 with errno. */
static int
write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	int saved = errno;
	if (close(fd) != 0 && w >= 0)
		return -1;
	errno = saved;
	if (w < 0)
		return -1;
	if ((size_t)w != n) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
msb_cgroup_parse_counter(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *end = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			const char *num = line + klen + 1;
			char *stop;
			if (*num < '0' || *num > '9')
				return -1;
			errno = 0;
			unsigned long long v = strtoull(num, &stop, 10);
			if (errno != 0 || (*stop != '\n' && *stop != '\0'))
				return -1;
			*out = (uint64_t)v;
			return 0;
		}
		line = end != NULL ? end + 1 : NULL;
	}
	return -1;
}

/* The OOM kill count from the file opened at create time; 0 or -1. */
static int
read_oom_count(const struct msb_cgroup *cg, uint64_t *out)
{
	char text[1024];

	/* cgroup files are generated afresh on every read from offset 0. */
	ssize_t n = pread(cg->oom_fd, text, sizeof(text) - 1, 0);
	if (n < 0)
		return -1;
	text[n] = '\0';
	return msb_cgroup_parse_counter(text, "oom_kill", out);
}

/* Whether list, words separated by any of seps, holds word. */
static bool
list_has(const char *list, const char *word, const char *seps)
{
	size_t wlen = strlen(word);

	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, seps);
		if (n == wlen && strncmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

/* Whether the cgroup2 hierarchy at dir offers the memory controller. */
static bool
v2_has_memory(const char *dir)
{
	char path[PATH_MAX], line[512];

	if (snprintf(path, sizeof(path), "%s/cgroup.controllers", dir) >= (int)sizeof(path))
		return false;
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return false;
	bool has = fgets(line, sizeof(line), fp) != NULL && list_has(line, "memory", " \n");
	fclose(fp);
	return has;
}

/*
 * Finds the hierarchies from the mount table: a cgroup2 mount with the
 * memory controller, else the v1 mounts of memory, cpu and pids.
 */
static int
find_mounts(enum msb_cgroup_version *ver, char mnt[MSB_CG_COUNT][PATH_MAX], char *err, size_t errlen)
{
	char v1[MSB_CG_COUNT][PATH_MAX] = { "", "", "" };
	struct mntent ent;
	char buf[4096];
	bool v2_seen = false;

	FILE *fp = setmntent("/proc/self/mounts", "re");
	if (fp == NULL)
		return msb_errf(err, errlen, "/proc/self/mounts: %s", strerror(errno));
	while (getmntent_r(fp, &ent, buf, sizeof(buf)) != NULL) {
		if (strcmp(ent.mnt_type, "cgroup2") == 0) {
			v2_seen = true;
			if (v2_has_memory(ent.mnt_dir) && strlen(ent.mnt_dir) < PATH_MAX) {
				strcpy(mnt[MSB_CG_MEMORY], ent.mnt_dir);
				endmntent(fp);
				*ver = MSB_CGROUP_V2;
				return 0;
			}
		} else if (strcmp(ent.mnt_type, "cgroup") == 0) {
			for (int c = 0; c < MSB_CG_COUNT; c++) {
				if (v1[c][0] == '\0' && hasmntopt(&ent, controller_name[c]) != NULL &&
				    strlen(ent.mnt_dir) < PATH_MAX)
					strcpy(v1[c], ent.mnt_dir);
			}
		}
	}
	endmntent(fp);
	for (int c = 0; c < MSB_CG_COUNT; c++) {
		if (v1[c][0] == '\0')
			return msb_errf(err, errlen, "no cgroup %s controller is mounted%s",
			    controller_name[c], v2_seen ? " (and cgroup2 has no memory controller)" : "");
		strcpy(mnt[c], v1[c]);
	}
	*ver = MSB_CGROUP_V1;
	return 0;
}

/*
 * The caller's own group in each hierarchy, from /proc/self/cgroup: the
 * path under the mount ("" for the top).
 */
static int
find_home(enum msb_cgroup_version ver, char home[MSB_CG_COUNT][PATH_MAX], char *err, size_t errlen)
{
	char line[PATH_MAX + 256];
	bool found[MSB_CG_COUNT] = { false };

	FILE *fp = fopen("/proc/self/cgroup", "re");
	if (fp == NULL)
		return msb_errf(err, errlen, "/proc/self/cgroup: %s", strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		char *ctls = strchr(line, ':');
		char *path = ctls != NULL ? strchr(ctls + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*ctls++ = '\0';
		*path++ = '\0';
		if (strcmp(path, "/") == 0)
			path[0] = '\0';
		for (int c = 0; c < MSB_CG_COUNT; c++) {
			bool mine = ver == MSB_CGROUP_V2 ? ctls[0] == '\0' : list_has(ctls, controller_name[c], ",");
			if (mine && !found[c]) {
				snprintf(home[c], PATH_MAX, "%s", path);
				found[c] = true;
			}
		}
	}
	fclose(fp);
	for (int c = 0; c < MSB_CG_COUNT; c++) {
		if (!found[c])
			return msb_errf(err, errlen, "/proc/self/cgroup names no %s group",
			    controller_name[c]);
	}
	return 0;
}

/* The directories that hold the group: one under v2, three under v1. */
static int
ndirs(const struct msb_cgroup *cg)
{
	return cg->version == MSB_CGROUP_V2 ? 1 : cg->version == MSB_CGROUP_V1 ? MSB_CG_COUNT : 0;
}

/* The directory a setting for controller c goes to. */
static const char *
ctl_dir(const struct msb_cgroup *cg, enum msb_cgroup_controller c)
{
	return cg->dir[cg->version == MSB_CGROUP_V2 ? MSB_CG_MEMORY : c];
}

/* Whether the group at dir holds process pid. */
static bool
holds(const char *dir, pid_t pid)
{
	char path[PATH_MAX];
	int p;
	bool found = false;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return false;
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return false;
	while (!found && fscanf(fp, "%d", &p) == 1)
		found = p == pid;
	fclose(fp);
	return found;
}

/* SIGKILLs every process in the group but the caller. */
static void
kill_members(const char *dir)
{
	char path[PATH_MAX];
	int p;

	/* cgroup2 since Linux 5.14 kills the whole group, forks in flight included. */
	if (write_file(dir, "cgroup.kill", "1") == 0)
		return;
	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return;
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return;
	while (fscanf(fp, "%d", &p) == 1) {
		if (p != getpid() && kill(p, SIGKILL) != 0 && errno != ESRCH)
			error_f("kill %d: %s", p, strerror(errno));
	}
	fclose(fp);
}

/* Empties the group at dir and removes it; 0, or -1 with errno. */
static int
remove_group(const char *dir)
{
	for (int waited = 0;; waited += 20) {
		kill_members(dir);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= EMPTY_WAIT_MS)
			return -1;
		poll(NULL, 0, 20);
	}
}

/* Enables memory, cpu and pids for the children of the cgroup2 group at dir. */
static int
v2_delegate(const char *dir, char *err, size_t errlen)
{
	for (int c = 0; c < MSB_CG_COUNT; c++) {
		char word[16];
		snprintf(word, sizeof(word), "+%s", controller_name[c]);
		if (write_file(dir, "cgroup.subtree_control", word) != 0)
			return msb_errf(err, errlen, "cannot enable the %s controller in %s: %s",
			    controller_name[c], dir, strerror(errno));
	}
	return 0;
}

/*
 * Makes the parent msb/ group in each hierarchy and sets the paths of the
 * group and of the caller's home, given relative to the mounts.
 */
static int
make_parents(struct msb_cgroup *cg, char mnt[MSB_CG_COUNT][PATH_MAX],
    char home[MSB_CG_COUNT][PATH_MAX], const char *key, char *err, size_t errlen)
{
	for (int c = 0; c < ndirs(cg); c++) {
		char parent[PATH_MAX];
		/* v2: at the top, the only place where a group with processes may have children. */
		const char *under = cg->version == MSB_CGROUP_V2 ? "" : home[c];
		if (snprintf(parent, sizeof(parent), "%s%s/msb", mnt[c], under) >= (int)sizeof(parent) ||
		    snprintf(cg->dir[c], sizeof(cg->dir[c]), "%s/%s", parent, key) >= (int)sizeof(cg->dir[c]) ||
		    snprintf(cg->home[c], sizeof(cg->home[c]), "%s%s", mnt[c], home[c]) >= (int)sizeof(cg->home[c]))
			return msb_errf(err, errlen, "cgroup path too long under %s", mnt[c]);
		if (cg->version == MSB_CGROUP_V2 && v2_delegate(mnt[c], err, errlen) != 0)
			return -1;
		if (mkdir(parent, 0755) != 0 && errno != EEXIST)
			return msb_errf(err, errlen, "cannot create %s: %s", parent,
			    strerror(errno));
		if (cg->version == MSB_CGROUP_V2 && v2_delegate(parent, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int
apply_limits(struct msb_cgroup *cg, const struct msb_cgroup_limits *lim, char *err, size_t errlen)
{
	const struct cg_setting *set = cg->version == MSB_CGROUP_V2 ? v2_settings : v1_settings;
	size_t n = cg->version == MSB_CGROUP_V2 ? sizeof(v2_settings) / sizeof(v2_settings[0]) :
	    sizeof(v1_settings) / sizeof(v1_settings[0]);

	for (size_t i = 0; i < n; i++) {
		char value[64];
		format_value(value, sizeof(value), set[i].value, cg->version, lim);
		if (write_file(ctl_dir(cg, set[i].ctl), set[i].file, value) == 0)
			continue;
		if (set[i].optional && errno == ENOENT)
			continue;
		return msb_errf(err, errlen, "cannot set %s/%s to %s: %s", ctl_dir(cg, set[i].ctl),
		    set[i].file, value, strerror(errno));
	}
	return 0;
}

void
msb_cgroup_init(struct msb_cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->version = MSB_CGROUP_NONE;
	cg->oom_fd = -1;
}

static bool
key_ok(const char *key)
{
	size_t n = strlen(key);

	return n > 0 && n <= KEY_MAX &&
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

int
msb_cgroup_create(struct msb_cgroup *cg, const char *key, const struct msb_cgroup_limits *lim,
    char *err, size_t errlen)
{
	char mnt[MSB_CG_COUNT][PATH_MAX], home[MSB_CG_COUNT][PATH_MAX];
	int made = 0;

	msb_cgroup_init(cg);
	if (!key_ok(key))
		return msb_errf(err, errlen, "invalid cgroup name '%s'", key);
	if (find_mounts(&cg->version, mnt, err, errlen) != 0 ||
	    find_home(cg->version, home, err, errlen) != 0 ||
	    make_parents(cg, mnt, home, key, err, errlen) != 0)
		goto bad;
	for (; made < ndirs(cg); made++) {
		/* A vmm killed outright leaves its group: empty it and start afresh. */
		if (remove_group(cg->dir[made]) != 0) {
			msb_errf(err, errlen, "cannot remove the stale group %s: %s", cg->dir[made],
			    strerror(errno));
			goto bad;
		}
		if (mkdir(cg->dir[made], 0755) != 0) {
			msb_errf(err, errlen, "cannot create %s: %s", cg->dir[made],
			    strerror(errno));
			goto bad;
		}
	}
	if (apply_limits(cg, lim, err, errlen) != 0)
		goto bad;
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", cg->dir[MSB_CG_MEMORY],
	    oom_file[cg->version]) >= (int)sizeof(path) ||
	    (cg->oom_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		msb_errf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto bad;
	}
	if (read_oom_count(cg, &cg->oom_base) != 0) {
		msb_errf(err, errlen, "%s has no oom_kill counter (Linux 4.13 or later has it)",
		    path);
		goto bad;
	}
	return 0;
bad:
	for (int c = 0; c < made; c++) {
		if (rmdir(cg->dir[c]) != 0)
			error_f("rmdir %s: %s", cg->dir[c], strerror(errno));
	}
	if (cg->oom_fd >= 0)
		close(cg->oom_fd);
	msb_cgroup_init(cg);
	return -1;
}

int
msb_cgroup_enter(struct msb_cgroup *cg, pid_t pid)
{
	char value[32];

	if (cg->version == MSB_CGROUP_NONE) {
		errno = EINVAL;
		return -1;
	}
	snprintf(value, sizeof(value), "%d", (int)pid);
	for (int c = 0; c < ndirs(cg); c++) {
		if (write_file(cg->dir[c], "cgroup.procs", value) != 0)
			return -1;
	}
	return 0;
}

bool
msb_cgroup_oom_killed(struct msb_cgroup *cg)
{
	uint64_t n;

	if (cg->version == MSB_CGROUP_NONE || read_oom_count(cg, &n) != 0)
		return false;
	return n > cg->oom_base;
}

void
msb_cgroup_destroy(struct msb_cgroup *cg)
{
	char self[32];

	if (cg->version == MSB_CGROUP_NONE)
		return;
	snprintf(self, sizeof(self), "%d", (int)getpid());
	for (int c = 0; c < ndirs(cg); c++) {
		/* A group holding its remover cannot go: back where it came from. */
		if (holds(cg->dir[c], getpid()) && write_file(cg->home[c], "cgroup.procs", self) != 0)
			error_f("cannot leave %s for %s: %s", cg->dir[c], cg->home[c], strerror(errno));
		if (remove_group(cg->dir[c]) != 0)
			error_f("cannot remove %s: %s", cg->dir[c], strerror(errno));
	}
	close(cg->oom_fd);
	msb_cgroup_init(cg);
}

unsigned
msb_cgroup_env_mib(const char *var, unsigned dflt)
{
	return (unsigned)msb_env_number(var, dflt, 0, SANDBOX_MAX_MEMORY);
}
