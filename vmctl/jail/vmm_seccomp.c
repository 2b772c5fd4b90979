#include "config.h"

#ifdef MSB_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/seccomp_table.h"
#include "vmm_seccomp.h"

/* Memory: malloc (a thread's arena grows with mprotect), and pages given
 * back; never an executable mapping. */
#define MEMORY_RULES \
	MSB_SC_ALLOW(brk), MSB_SC_ALLOW(munmap), MSB_SC_ALLOW(mremap), \
	MSB_SC_ARG_MASKED(mmap, 2, PROT_EXEC, 0), \
	MSB_SC_ARG_MASKED(mprotect, 2, PROT_EXEC, 0), \
	MSB_SC_ARG_EQ(madvise, 2, MADV_DONTNEED)

/* What any thread needs to wait, tell the time, log and end (glibc blocks
 * signals while a thread exits: rt_sigprocmask). */
#define COMMON_RULES \
	MSB_SC_ALLOW(read), MSB_SC_ALLOW(write), MSB_SC_ALLOW(close), \
	MSB_SC_ALLOW(futex), MSB_SC_ALLOW(clock_gettime), MSB_SC_ALLOW(gettimeofday), \
	MSB_SC_ALLOW(restart_syscall), MSB_SC_ALLOW(rt_sigprocmask), \
	MSB_SC_ALLOW(exit), MSB_SC_ALLOW(exit_group)

#ifdef MSB_SANITIZERS
/* A sanitizer (test) build only: ASan's runtime at thread and process
 * exit (its alternate signal stack, shadow memory, its thread registry). */
#define SANITIZER_RULES \
	MSB_SC_ALLOW(sigaltstack), MSB_SC_ALLOW(madvise), MSB_SC_ALLOW(gettid), \
	MSB_SC_ALLOW(getpid), MSB_SC_ALLOW(sched_yield), MSB_SC_ALLOW(getrandom),
#else
#define SANITIZER_RULES
#endif

/*
 * The vsock backend thread (vmctl/vsock/): its epoll loop, QEMU's
 * vhost-user connection (messages carrying fds: recvmsg), the guest's
 * memory mapped from those fds, kick and call eventfds, and host clients
 * on the hybrid-vsock socket (accept4, recv/send, recvmsg/sendmsg for
 * the relayed bytes, shutdown for a half-close). Nothing opens a file,
 * makes a socket or starts a process. openat fails with EACCES rather
 * than killing: glibc's malloc, shrinking this thread's arena, reads
 * /proc/sys/vm/overcommit_memory once, and copes with not being able to.
 */
static const struct msb_seccomp_rule vsock_rules[] = {
	COMMON_RULES, MEMORY_RULES, SANITIZER_RULES
	MSB_SC_FAIL(openat, EACCES),
	MSB_SC_ALLOW(epoll_wait), MSB_SC_ALLOW(epoll_pwait), MSB_SC_ALLOW(epoll_ctl),
	MSB_SC_ALLOW(accept4), MSB_SC_ALLOW(recvmsg), MSB_SC_ALLOW(sendmsg),
	MSB_SC_ALLOW(recvfrom), MSB_SC_ALLOW(sendto), MSB_SC_ALLOW(shutdown),
};

/*
 * The main thread once boot is over: poll on QEMU's pidfd, the signalfd
 * and QMP; a stop dials the agent through the hybrid-vsock socket
 * (socket(AF_UNIX), connect) and may SIGKILL QEMU and reap it (wait4);
 * what happens goes to the keeper as a line on a pipe (write); at the end
 * the backend and console threads are joined and the QMP socket unlinked.
 * The state file is the keeper's: no file is opened. No exec, no fork, no
 * network socket, no ptrace.
 */
static const struct msb_seccomp_rule supervisor_rules[] = {
	COMMON_RULES, MEMORY_RULES, SANITIZER_RULES
	MSB_SC_ALLOW(poll), MSB_SC_ALLOW(ppoll),
	MSB_SC_ARG_EQ(socket, 0, AF_UNIX), MSB_SC_ALLOW(connect),
	MSB_SC_ALLOW(recvfrom), MSB_SC_ALLOW(sendto),
	MSB_SC_ARG_EQ(kill, 1, SIGKILL), MSB_SC_ALLOW(wait4),
	MSB_SC_ALLOW(unlink),
};

/*
 * The console thread: reads QEMU's serial pipe, pauses between short
 * reads (nanosleep), appends to console.log and, at the cap, renames it to
 * console.log.1 and opens a new one in the sandbox directory (openat with
 * O_NOFOLLOW, fstat, fcntl). No socket, no exec, no signal.
 */
static const struct msb_seccomp_rule console_rules[] = {
	COMMON_RULES, MEMORY_RULES, SANITIZER_RULES
	MSB_SC_ALLOW(nanosleep), MSB_SC_ALLOW(clock_nanosleep),
	MSB_SC_ALLOW(openat), MSB_SC_ALLOW(fstat), MSB_SC_ALLOW(newfstatat),
	MSB_SC_ALLOW(fcntl), MSB_SC_ALLOW(renameat), MSB_SC_ALLOW(renameat2),
};

static const struct {
	const char *name;
	const struct msb_seccomp_rule *rules;
	size_t n;
} roles[] = {
	[VMM_SECCOMP_VSOCK] = { "vsock backend", vsock_rules,
	    sizeof(vsock_rules) / sizeof(vsock_rules[0]) },
	[VMM_SECCOMP_SUPERVISOR] = { "supervisor", supervisor_rules,
	    sizeof(supervisor_rules) / sizeof(supervisor_rules[0]) },
	[VMM_SECCOMP_CONSOLE] = { "console", console_rules,
	    sizeof(console_rules) / sizeof(console_rules[0]) },
};

int
vmm_seccomp_install(enum vmm_seccomp_role role)
{
#ifdef MSB_SANITIZERS
	/* LeakSanitizer stops the world with ptrace at exit, which the
	 * supervisor's filter forbids: check now (this cancels that one). */
	if (role == VMM_SECCOMP_SUPERVISOR)
		__lsan_do_leak_check();
#endif
	if (msb_seccomp_load(roles[role].name, roles[role].rules, roles[role].n) != 0)
		return -1;
	verbose_f("%s: seccomp allow-list loaded", roles[role].name);
	return 0;
}
