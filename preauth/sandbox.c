#include "config.h"

#ifdef MSB_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/rlimit.h"
#include "sandbox.h"
#include "lib/seccomp_table.h"

/*
 * Exactly what the network child was seen to need once confined (strace of
 * OpenSSH clients doing auth, exec, shell with a pty, sftp, -L, -R, rekeys
 * every MiB and 200 MB transfers), plus the kernel's fallbacks for them:
 *   read         the monitor's answers (fd 4)
 *   write        log lines on stderr
 *   recvfrom, sendto  libssh on the client socket, the mux (recv/send)
 *   poll         the one event loop (fds 3, 4, 5)
 *   close        libssh closing the client socket at disconnect
 *   brk, mmap, munmap, mremap  malloc; mmap never with PROT_EXEC
 *   madvise      MADV_DONTNEED only: malloc_trim and the quiet trim of
 *                read-only mappings (mem_trim.h)
 *   futex        glibc and OpenSSL locks
 *   getpid       OpenSSL's fork check before each use of its RNG
 *   getrandom    OpenSSL reseeding its DRBG during long connections
 *   clock_gettime, gettimeofday  vDSO calls that fall back to the
 *                syscall when the clock source has no vDSO support
 *   restart_syscall  a poll resumed after SIGSTOP/SIGCONT
 *   exit_group   the end
 * Everything else -- open, socket, connect, exec, fork, kill, ptrace,
 * mprotect -- kills the process.
 */
static const struct msb_seccomp_rule preauth_rules[] = {
	MSB_SC_ALLOW(read), MSB_SC_ALLOW(write), MSB_SC_ALLOW(recvfrom), MSB_SC_ALLOW(sendto),
	MSB_SC_ALLOW(poll), MSB_SC_ALLOW(close),
	MSB_SC_ALLOW(brk), MSB_SC_ALLOW(munmap), MSB_SC_ALLOW(mremap),
	/* Memory may be mapped, never executable: no injected code runs. */
	MSB_SC_ARG_MASKED(mmap, 2, PROT_EXEC, 0),
	/* Pages may be given back, with no other advice. */
	MSB_SC_ARG_EQ(madvise, 2, MADV_DONTNEED),
	MSB_SC_ALLOW(futex), MSB_SC_ALLOW(getpid), MSB_SC_ALLOW(getrandom),
	MSB_SC_ALLOW(clock_gettime), MSB_SC_ALLOW(gettimeofday),
	MSB_SC_ALLOW(restart_syscall), MSB_SC_ALLOW(exit_group),
#ifdef MSB_SANITIZERS
	/* A sanitizer (test) build only: ASan's runtime drops its alternate
	 * signal stack at exit, returns shadow memory to the kernel and asks
	 * for its thread id. */
	MSB_SC_ALLOW(sigaltstack), MSB_SC_ALLOW(madvise), MSB_SC_ALLOW(gettid),
#endif
};

int
preauth_seccomp_install(void)
{
#ifdef MSB_SANITIZERS
	/* As in preauth_sandbox(), for callers that only want the filter. */
	__lsan_do_leak_check();
#endif
	return msb_seccomp_load("preauth", preauth_rules,
	    sizeof(preauth_rules) / sizeof(preauth_rules[0]));
}

/* The highest descriptor open now: the child keeps exactly these. */
static int
highest_open_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int highest = 2;

	if (d == NULL)
		fatal_f("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end == '\0' && end != e->d_name && fd != dirfd(d) && fd > highest)
			highest = (int)fd;
	}
	if (closedir(d) != 0)
		fatal_f("closedir: %s", strerror(errno));
	return highest;
}

static void
drop_bounding_and_ambient(void)
{
	/* Clearing the bounding set needs CAP_SETPCAP, so it happens while
	 * still root; setresuid below then empties permitted and effective. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (cap_drop_bound(c) != 0 && errno != EINVAL)
			fatal_f("cap_drop_bound %d: %s", (int)c, strerror(errno));
	}
	if (cap_reset_ambient() != 0)
		fatal_f("cap_reset_ambient: %s", strerror(errno));
}

static void
drop_capabilities(void)
{
	cap_t none = cap_init();

	if (none == NULL)
		fatal_f("cap_init: %s", strerror(errno));
	if (cap_set_proc(none) != 0)
		fatal_f("cap_set_proc: %s", strerror(errno));
	if (cap_free(none) != 0)
		fatal_f("cap_free: %s", strerror(errno));
}

static void
become_unprivileged(const struct preauth_identity *id)
{
	if (id->chroot_dir == NULL)
		fatal_f("running as root without --chroot");
	if (id->uid == 0 || id->gid == 0)
		fatal_f("refusing to run the network child as uid/gid 0");
	if (chroot(id->chroot_dir) != 0)
		fatal_f("chroot %s: %s", id->chroot_dir, strerror(errno));
	if (chdir("/") != 0)
		fatal_f("chdir /: %s", strerror(errno));
	drop_bounding_and_ambient();
	if (setgroups(0, NULL) != 0)
		fatal_f("setgroups: %s", strerror(errno));
	if (setresgid(id->gid, id->gid, id->gid) != 0)
		fatal_f("setresgid %u: %s", (unsigned)id->gid, strerror(errno));
	if (setresuid(id->uid, id->uid, id->uid) != 0)
		fatal_f("setresuid %u: %s", (unsigned)id->uid, strerror(errno));
	drop_capabilities();
	/* Paranoia: a process that can become root again is not confined. */
	if (setuid(0) == 0 || geteuid() == 0)
		fatal_f("could regain root after dropping privileges");
}

void
preauth_sandbox(const struct preauth_identity *id)
{
	int highest = highest_open_fd();

#ifdef MSB_SANITIZERS
	/* LeakSanitizer stops the world with ptrace at exit, which nothing
	 * below leaves possible: check now (this also cancels that one). */
	__lsan_do_leak_check();
#endif

	if (getuid() == 0)
		become_unprivileged(id);
	else
		info("running unprivileged: chroot and uid separation are off");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal_f("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal_f("PR_SET_DUMPABLE: %s", strerror(errno));
	msb_set_rlimit(RLIMIT_NOFILE, "NOFILE", (rlim_t)highest + 1);
	msb_set_rlimit(RLIMIT_NPROC, "NPROC", 0);
	if (msb_stderr_is_file())
		verbose_f("stderr is a file: RLIMIT_FSIZE stays so the log can grow");
	else
		msb_set_rlimit(RLIMIT_FSIZE, "FSIZE", 0);
	msb_set_rlimit(RLIMIT_CORE, "CORE", 0);
	if (preauth_seccomp_install() != 0)
		fatal_f("cannot install the seccomp filter");
	verbose_f("sandboxed: fds 0..%d, seccomp allow-list loaded", highest);
}
