/*
 * The network child's seccomp filter is enforced: in a forked child with
 * the filter installed, the syscalls the child needs still work and the
 * ones it must never make (open, socket, exec, fork, ptrace, madvise
 * other than MADV_DONTNEED) kill it with SIGSYS. The quiet trim
 * (mem_trim.h) runs under the filter, and code runs on after it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem_trim.h"
#include "sandbox.h"
#include "unit.h"

enum probe { P_ALLOWED, P_OPENAT, P_SOCKET, P_EXECVE, P_CLONE, P_PTRACE, P_MMAP_EXEC, P_MADV_OTHER };

static const char *const probe_names[] = {
	"allowed", "openat", "socket", "execve", "clone", "ptrace", "mmap(PROT_EXEC)",
	"madvise(MADV_REMOVE)",
};

/* The allowed path: what the network child does all day, reported to the parent. */
static int
allowed_work(int fd)
{
	char buf[4096];
	void *p = malloc(1 << 20);   /* mmap for a large block */
	struct timespec ts;

	if (p == NULL || clock_gettime(CLOCK_MONOTONIC, &ts) != 0 ||
	    getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return 2;
	memset(p, 1, 1 << 20);
	free(p);
	msb_mem_trim();
	if (send(fd, "ok", 2, MSG_NOSIGNAL) != 2 || write(fd, "!", 1) != 1)
		return 3;
	return 0;
}

static void
run_probe(enum probe what, int fd)
{
	if (preauth_seccomp_install() != 0)
		_exit(10);
	switch (what) {
	case P_ALLOWED:
		_exit(allowed_work(fd));
	case P_OPENAT:
		syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
		break;
	case P_SOCKET:
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		break;
	case P_EXECVE:
		syscall(SYS_execve, "/bin/true", (char *[]){ "true", NULL }, (char *[]){ NULL });
		break;
	case P_CLONE:
		syscall(SYS_fork);
		break;
	case P_PTRACE:
		syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
		break;
	case P_MMAP_EXEC:
		syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case P_MADV_OTHER:
		syscall(SYS_madvise, NULL, 4096, MADV_REMOVE);
		break;
	}
	_exit(20);  /* the syscall returned: the filter let it through */
}

static int
probe_status(enum probe what, char *got, size_t gotlen)
{
	int sv[2];
	int status;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		fatal("socketpair: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		run_probe(what, sv[1]);
	}
	close(sv[1]);
	if (waitpid(pid, &status, 0) != pid)
		fatal("waitpid: %s", strerror(errno));
	ssize_t n = read(sv[0], got, gotlen - 1);
	got[n > 0 ? n : 0] = '\0';
	close(sv[0]);
	return status;
}

int
main(void)
{
	char got[16];

	msb_log_init("test_preauth_seccomp", MSB_LOG_INFO);
	int st = probe_status(P_ALLOWED, got, sizeof(got));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_STR(got, "ok!");
#ifdef MSB_SANITIZERS
	enum probe last = P_MMAP_EXEC;  /* the sanitizer runtime gets madvise whole */
#else
	enum probe last = P_MADV_OTHER;
#endif
	for (enum probe p = P_OPENAT; p <= last; p++) {
		st = probe_status(p, got, sizeof(got));
		if (!CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS))
			fprintf(stderr, "  %s: status 0x%x\n", probe_names[p], st);
	}
	return unit_done();
}
