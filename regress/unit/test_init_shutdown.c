/*
 * Runs the real msb_init_shutdown() as PID 1 of a fresh PID and mount
 * namespace, whose root is a private tmpfs, and checks what the kernel
 * reports: reboot() from a namespace's init ends that init with SIGINT
 * (power off) or SIGHUP (restart). One child ignores SIGTERM and leaves an
 * orphan that does too, so the SIGKILL path and the reaping of reparented
 * processes are exercised; the log shows the mounts were undone.
 * Needs root (CAP_SYS_ADMIN, CAP_SYS_BOOT); exits 77 without it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "guest/init/init.h"
#include "unit.h"

/* Exit codes of the namespace init when it never reached shutdown. */
#define SETUP_FAILED 3

/* A process that only dies of SIGKILL; it signals readiness on ready_fd. */
static void
stubborn(int ready_fd)
{
	if (signal(SIGTERM, SIG_IGN) == SIG_ERR ||
	    write(ready_fd, "s", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static pid_t
spawn_children(int stubborn_children, int ready_fd)
{
	pid_t pid;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* The parent dies of SIGTERM; its child is reparented to init. */
		pid_t orphan = fork();
		if (orphan == -1)
			_exit(1);
		if (orphan == 0) {
			if (stubborn_children)
				stubborn(ready_fd);
			if (write(ready_fd, "o", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (write(ready_fd, "p", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (stubborn_children) {
		if ((pid = fork()) == -1)
			return -1;
		if (pid == 0)
			stubborn(ready_fd);
	}
	return 0;
}

/*
 * In a mount namespace of its own (pivot_root would otherwise move the
 * test's root too), makes a tmpfs the whole visible tree, so that
 * unmounting "everything" and remounting / read-only touch nothing outside
 * this namespace.
 */
static int
private_root(const char *dir)
{
	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
	    mount("tmpfs", dir, "tmpfs", 0, "mode=0755") == -1 ||
	    chdir(dir) == -1 || mkdir("old", 0700) == -1 ||
	    mkdir("proc", 0555) == -1 || mkdir("mnt", 0755) == -1 ||
	    syscall(SYS_pivot_root, ".", "old") == -1 || chroot(".") == -1 ||
	    chdir("/") == -1 || umount2("/old", MNT_DETACH) == -1 ||
	    rmdir("/old") == -1 ||
	    mount("proc", "/proc", "proc", 0, NULL) == -1 ||
	    mount("tmpfs", "/mnt", "tmpfs", 0, NULL) == -1) {
		fprintf(stderr, "namespace setup: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static _Noreturn void
namespace_init(const char *dir, int reboot_after, int stubborn_children,
    int log_fd)
{
	int ready[2], expect = stubborn_children ? 3 : 2;
	char c;

	if (getpid() != 1 || dup2(log_fd, STDERR_FILENO) == -1 ||
	    private_root(dir) == -1 || pipe(ready) == -1 ||
	    spawn_children(stubborn_children, ready[1]) == -1)
		_exit(SETUP_FAILED);
	for (int i = 0; i < expect; i++) {
		if (read(ready[0], &c, 1) != 1)
			_exit(SETUP_FAILED);
	}
	msb_log_init("msb-init-test", MSB_LOG_INFO);
	msb_init_shutdown(reboot_after);
}

static void
run_case(const char *name, int reboot_after, int stubborn_children)
{
	char dir[] = "/tmp/msb-test-shutdown.XXXXXX";
	char logpath[sizeof(dir) + 8], log[4096];
	int status, log_fd, expect_sig = reboot_after ? SIGHUP : SIGINT;
	ssize_t n;
	double start, secs;
	pid_t pid;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(logpath, sizeof(logpath), "%s.log", dir);
	if ((log_fd = open(logpath, O_RDWR | O_CREAT | O_TRUNC, 0600)) == -1) {
		perror(logpath);
		exit(1);
	}
	start = (double)msb_now_ms() / 1e3;
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0)
		namespace_init(dir, reboot_after, stubborn_children, log_fd);
	if (waitpid(pid, &status, 0) == -1) {
		perror("waitpid");
		exit(1);
	}
	secs = (double)msb_now_ms() / 1e3 - start;
	n = pread(log_fd, log, sizeof(log) - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	if (close(log_fd) == -1 || unlink(logpath) == -1 || rmdir(dir) == -1)
		perror("cleanup");

	printf("--- %s (%.2fs)\n%s", name, secs, log);
	/* init ended by the signal reboot() sends a namespace's init */
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == expect_sig);
	/* unmounted /mnt and /proc, / read-only */
	CHECK(strstr(log, "unmounted 2 filesystems, / is read-only") != NULL);
	/* nothing left after SIGKILL */
	CHECK(strstr(log, "processes left after SIGKILL") == NULL);
	if (stubborn_children) {
		/* SIGKILL after the grace period */
		CHECK(strstr(log, "sending SIGKILL") != NULL && secs >= 2.9 &&
		    secs < 8);
	} else {
		/* SIGTERM was enough */
		CHECK(strstr(log, "sending SIGKILL") == NULL && secs < 2.5);
	}
}

/* Each case needs its own PID namespace, as its init's death ends it. */
static int
in_namespaces(const char *name, int reboot_after, int stubborn_children)
{
	int status;
	pid_t pid;

	if ((pid = fork()) == -1) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWPID) == -1) {
			printf("skip: unshare(CLONE_NEWPID): %s\n",
			    strerror(errno));
			_exit(77);
		}
		run_case(name, reboot_after, stubborn_children);
		_exit(unit_done());
	}
	if (waitpid(pid, &status, 0) == -1) {
		perror("waitpid");
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
main(void)
{
	int rc;

	if (geteuid() != 0) {
		printf("skip: needs root for PID and mount namespaces\n");
		return 77;
	}
	/* Line buffering: forked processes must not repeat buffered output. */
	if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
		return 1;
	rc = in_namespaces("poweroff, stubborn children", 0, 1);
	if (rc == 77)
		return 77;
	/* Each case's own checks ran in its namespace's first process. */
	CHECK(rc == 0);
	CHECK(in_namespaces("reboot, children that obey SIGTERM", 1, 0) == 0);
	return unit_done();
}
