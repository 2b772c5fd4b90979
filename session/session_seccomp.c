/*
 * The session worker's confinement, loaded once SESSION is read and before
 * the first byte from the network child or the agent is parsed: rlimits,
 * then a seccomp allow-list.
 */
#include "config.h"

#ifdef MSB_SANITIZERS
#include <sanitizer/lsan_interface.h>
#endif
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/rlimit.h"
#include "lib/seccomp_table.h"
#include "session.h"

/* The worker's own descriptors (stdio, monitor, mux, signalfd) and spares. */
#define SESSION_FIXED_FDS 16

/*
 * What the worker does once serving (strace of sessions with exec, pty,
 * sftp, -L/-W forwards and big transfers):
 *   poll, read, write   the one event loop over the monitor, the mux and
 *                       the agent streams; log lines on stderr; events
 *                       appended to a recording (opened O_APPEND by the
 *                       monitor: with no lseek, pwrite, ftruncate or
 *                       fallocate here, nothing written can be rewritten)
 *   recvmsg             RECORD_FILE and its descriptor from the monitor
 *   socket(AF_UNIX), connect, getsockopt(SO_ERROR)  a non-blocking dial
 *                       of the agent's socket per channel; never a
 *                       network socket
 *   shutdown            a half-close towards the agent
 *   fcntl               the monitor fd made blocking for the last audit
 *   close               a channel's stream
 *   brk, mmap, munmap, mremap, madvise(MADV_DONTNEED)  malloc and the
 *                       quiet trim (mem_trim.h); no executable mapping
 *   clock_gettime, gettimeofday, futex, restart_syscall, exit_group
 * Everything else -- open, exec, fork, kill, ptrace, an AF_INET socket --
 * kills the process.
 */
static const struct msb_seccomp_rule session_rules[] = {
	MSB_SC_ALLOW(poll), MSB_SC_ALLOW(ppoll), MSB_SC_ALLOW(read), MSB_SC_ALLOW(write),
	MSB_SC_ALLOW(recvmsg),
	MSB_SC_ARG_EQ(socket, 0, AF_UNIX), MSB_SC_ALLOW(connect),
	MSB_SC_ARG_EQ(getsockopt, 2, SO_ERROR), MSB_SC_ALLOW(shutdown),
	MSB_SC_ALLOW(fcntl), MSB_SC_ALLOW(close),
	MSB_SC_ALLOW(brk), MSB_SC_ALLOW(munmap), MSB_SC_ALLOW(mremap),
	MSB_SC_ARG_MASKED(mmap, 2, PROT_EXEC, 0),
	MSB_SC_ARG_EQ(madvise, 2, MADV_DONTNEED),
	MSB_SC_ALLOW(clock_gettime), MSB_SC_ALLOW(gettimeofday), MSB_SC_ALLOW(futex),
	MSB_SC_ALLOW(restart_syscall), MSB_SC_ALLOW(exit_group),
#ifdef MSB_SANITIZERS
	/* A sanitizer (test) build only: ASan's runtime at exit, and its
	 * allocator seeding itself. */
	MSB_SC_ALLOW(sigaltstack), MSB_SC_ALLOW(madvise), MSB_SC_ALLOW(gettid),
	MSB_SC_ALLOW(getpid), MSB_SC_ALLOW(getrandom),
#endif
};

int
session_seccomp_install(void)
{
	return msb_seccomp_load("session", session_rules,
	    sizeof(session_rules) / sizeof(session_rules[0]));
}

void
session_confine(uint64_t record_max)
{
#ifdef MSB_SANITIZERS
	/* LeakSanitizer stops the world with ptrace at exit, which the
	 * filter forbids: check now (this cancels that one). */
	__lsan_do_leak_check();
#endif
	msb_set_rlimit(RLIMIT_CORE, "CORE", 0);
	/* With recording, a channel may hold its recording beside its stream. */
	msb_set_rlimit(RLIMIT_NOFILE, "NOFILE",
	    MSB_MUX_MAX_CHANS * (record_max > 0 ? 2 : 1) + SESSION_FIXED_FDS);
	/* No file writes but the recordings, each within the cap (a log file
	 * on stderr keeps the worker's stderr unlimited, as before). */
	if (!msb_stderr_is_file())
		msb_set_rlimit(RLIMIT_FSIZE, "FSIZE", (rlim_t)record_max);
	if (session_seccomp_install() != 0)
		fatal("cannot load the session worker's seccomp filter");
	verbose_f("confined: rlimits and the seccomp allow-list loaded");
}
