/*
 * The sandbox cgroup module: the counter parser, and as root the real
 * thing on this host's hierarchy (v1 or v2): limits written, a process
 * entered, an OOM kill counted, a stale group replaced, the group removed
 * by a process inside it.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmctl/jail/cgroup.h"
#include "unit.h"

static void
test_parse(void)
{
	uint64_t n = 7;

	CHECK(msb_cgroup_parse_counter("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n",
	    "oom_kill", &n) == 0);
	CHECK_EQ_U64(n, 2);
	CHECK(msb_cgroup_parse_counter("oom_kill_disable 0\nunder_oom 0\noom_kill 18446744073709551615\n",
	    "oom_kill", &n) == 0);
	CHECK_EQ_U64(n, UINT64_MAX);
	/* The key is the whole first word: oom_kill_disable is not oom_kill. */
	CHECK(msb_cgroup_parse_counter("oom_kill_disable 1\nunder_oom 0\n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("oom_kill 5", "oom_kill", &n) == 0);
	CHECK_EQ_U64(n, 5);
	CHECK(msb_cgroup_parse_counter("oom 4\n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("oom_kill -1\n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("oom_kill 3x\n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("oom_kill \n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("oom_kill 99999999999999999999\n", "oom_kill", &n) != 0);
	CHECK(msb_cgroup_parse_counter("max 1\noom_kill 9\n", "max", &n) == 0);
	CHECK_EQ_U64(n, 1);
}

static char *
slurp(const char *dir, const char *file)
{
	static char buf[256];
	char path[PATH_MAX];
	FILE *fp;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "re")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static bool
in_group(const char *dir, pid_t pid)
{
	char path[PATH_MAX];
	int p;
	bool found = false;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *fp = fopen(path, "re");
	while (fp != NULL && !found && fscanf(fp, "%d", &p) == 1)
		found = p == pid;
	if (fp != NULL)
		fclose(fp);
	return found;
}

static bool
gone(const char *dir)
{
	struct stat st;

	return stat(dir, &st) != 0 && errno == ENOENT;
}

/* A child that waits for a byte on fd, then touches bytes of memory and exits 0. */
static pid_t
hog(int fd, size_t bytes)
{
	pid_t pid = fork();
	char c;

	if (pid != 0)
		return pid;
	if (read(fd, &c, 1) != 1)
		_exit(2);
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
	_exit(0);
}

static void
test_real(void)
{
	struct msb_cgroup cg, again;
	const struct msb_cgroup_limits lim = { .memory_bytes = 32u << 20, .cpus = 2, .pids = 20 };
	char key[64], err[512], dir[PATH_MAX];
	int go[2], ws;

	snprintf(key, sizeof(key), "msb-unit-%d", (int)getpid());
	if (!CHECK(msb_cgroup_create(&cg, key, &lim, err, sizeof(err)) == 0)) {
		fprintf(stderr, "create: %s\n", err);
		return;
	}
	const char *mem = cg.dir[MSB_CG_MEMORY];
	bool v2 = cg.version == MSB_CGROUP_V2;
	printf("cgroup v%d: %s\n", v2 ? 2 : 1, mem);
	CHECK(strstr(mem, "/msb/") != NULL);
	CHECK_STR(slurp(mem, v2 ? "memory.max" : "memory.limit_in_bytes"), "33554432");
	if (v2) {
		CHECK_STR(slurp(mem, "cpu.max"), "200000 100000");
		CHECK_STR(slurp(mem, "pids.max"), "20");
	} else {
		CHECK_STR(slurp(cg.dir[MSB_CG_CPU], "cpu.cfs_quota_us"), "200000");
		CHECK_STR(slurp(cg.dir[MSB_CG_CPU], "cpu.cfs_period_us"), "100000");
		CHECK_STR(slurp(cg.dir[MSB_CG_PIDS], "pids.max"), "20");
	}
	CHECK(!msb_cgroup_oom_killed(&cg));

	/* Entered from outside, as a jailer would; the hog is killed for memory. */
	CHECK(pipe(go) == 0);
	pid_t pid = hog(go[0], 128u << 20);
	CHECK(msb_cgroup_enter(&cg, pid) == 0);
	CHECK(in_group(mem, pid));
	CHECK(write(go[1], "x", 1) == 1);
	CHECK(waitpid(pid, &ws, 0) == pid);
	CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	CHECK(msb_cgroup_oom_killed(&cg));

	/* One within the limit is not an OOM kill: the count stays where it was. */
	snprintf(dir, sizeof(dir), "%s", mem);
	pid = hog(go[0], 1u << 20);
	CHECK(msb_cgroup_enter(&cg, pid) == 0);
	CHECK(write(go[1], "x", 1) == 1);
	CHECK(waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);

	/* A vmm killed outright leaves its group with a process in it: a new
	 * group of the same name kills that and starts with a clean count. */
	pid = hog(go[0], 1u << 20);
	CHECK(msb_cgroup_enter(&cg, pid) == 0);
	close(cg.oom_fd);
	if (CHECK(msb_cgroup_create(&again, key, &lim, err, sizeof(err)) == 0)) {
		CHECK(waitpid(pid, &ws, 0) == pid && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
		CHECK(!msb_cgroup_oom_killed(&again));
		/* Removed by a process inside it, which goes back where it was. */
		CHECK(msb_cgroup_enter(&again, getpid()) == 0);
		CHECK(in_group(dir, getpid()));
		msb_cgroup_destroy(&again);
		CHECK(gone(dir));
		CHECK_EQ_U64(again.version, MSB_CGROUP_NONE);
		CHECK(!msb_cgroup_oom_killed(&again));
	} else {
		fprintf(stderr, "create again: %s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
	}
	close(go[0]);
	close(go[1]);

	CHECK(msb_cgroup_create(&cg, "../escape", &lim, err, sizeof(err)) != 0);
	CHECK(strstr(err, "invalid") != NULL);
}

int
main(void)
{
	test_parse();
	if (geteuid() == 0)
		test_real();
	else
		printf("not root: the cgroup itself is not tested\n");
	return unit_done();
}
