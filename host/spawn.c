#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "spawn.h"

#define SPAWN_MAX_FDS 8

/* In the child, between fork and exec: only async-signal-safe calls, and _exit on failure. */
static _Noreturn void
child_fail(const char *what, const char *path)
{
	dprintf(2, "msb: cannot run %s: %s: %s\n", path, what, strerror(errno));
	_exit(127);
}

static void
drop_caps(const char *path)
{
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) != 0)
		child_fail("securebits", path);
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			child_fail("capability bounding set", path);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		child_fail("ambient capabilities", path);
}

static void
set_creds(const struct msb_spawn_creds *c, const char *path)
{
	if (getuid() == 0 && c->no_caps)
		drop_caps(path);
	if (getuid() == 0 && (setgroups(1, &c->gid) != 0 || setgid(c->gid) != 0))
		child_fail("setgid", path);
	if (getuid() == 0 && setuid(c->uid) != 0)
		child_fail("setuid", path);
	if (getuid() != c->uid || geteuid() != c->uid || getgid() != c->gid)
		child_fail("credentials", path);
	if (c->no_caps && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail("no_new_privs", path);
}

pid_t
msb_spawn(const char *path, char *const argv[], const int *fds, size_t nfds,
    const struct msb_spawn_creds *creds, const sigset_t *mask, unsigned flags)
{
	if (nfds > SPAWN_MAX_FDS) {
		error_f("too many descriptors");
		return -1;
	}
	/* Opened with the caller's rights: a child that becomes another uid
	 * runs its program through this descriptor, so the directories on
	 * its path (a build tree under /root, say) need not be open to it. */
	int exe = open(path, O_PATH | O_CLOEXEC);
	if (exe < 0) {
		error("cannot run %s: %s", path, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		error_f("fork: %s", strerror(errno));
		close(exe);
		return -1;
	}
	if (pid > 0) {
		close(exe);
		return pid;
	}

	/* Lift every source (and the program's descriptor) above the target
	 * range first, so that no dup2 overwrites one still to be used. */
	if ((exe = fcntl(exe, F_DUPFD_CLOEXEC, 3 + SPAWN_MAX_FDS)) < 0)
		child_fail("dup", path);
	int high[SPAWN_MAX_FDS];
	for (size_t i = 0; i < nfds; i++) {
		if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + SPAWN_MAX_FDS)) < 0)
			child_fail("dup", path);
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) != 0 || dup2(null, 1) != 1)
		child_fail("/dev/null", path);
	/* stderr is the child's log, inherited. A host program may keep its
	 * own stdio close-on-exec (Node.js does): the flag goes, and a closed
	 * stderr becomes /dev/null rather than whatever the child opens next. */
	int fl = fcntl(2, F_GETFD);
	if (fl < 0 ? dup2(null, 2) != 2 :
	    (fl & FD_CLOEXEC) != 0 && fcntl(2, F_SETFD, fl & ~FD_CLOEXEC) != 0)
		child_fail("stderr", path);
	for (size_t i = 0; i < nfds; i++) {
		if (dup2(high[i], 3 + (int)i) != 3 + (int)i)
			child_fail("dup2", path);
	}
	for (int fd = 3 + (int)nfds; fd < 3 + SPAWN_MAX_FDS; fd++)
		close(fd);
	if (close_range(3 + SPAWN_MAX_FDS, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
		child_fail("close_range", path);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP && signal(sig, SIG_DFL) == SIG_ERR && errno != EINVAL)
			child_fail("signal", path);
	}
	if (sigprocmask(SIG_SETMASK, mask, NULL) != 0)
		child_fail("sigprocmask", path);
	if ((flags & MSB_SPAWN_SETSID) != 0 && setsid() < 0)
		child_fail("setsid", path);
	if (creds != NULL)
		set_creds(creds, path);
	syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
	/* A script cannot run from a close-on-exec descriptor: by its path. */
	execv(path, argv);
	child_fail("exec", path);
}
