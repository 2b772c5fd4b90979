/*
 * The session worker's seccomp allow-list is enforced: in a forked child
 * under the filter, what the worker does all day works (a non-blocking
 * dial of the agent's Unix socket with its SO_ERROR check, poll, reads and
 * writes, a half-close, fcntl, malloc and the quiet trim), and what it must
 * never do (an AF_INET or AF_INET6 socket, open, exec, fork, ptrace, kill,
 * an executable mapping) kills it with SIGSYS.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem_trim.h"
#include "../../session/session.h"
#include "unit.h"

enum probe {
	P_ALLOWED, P_INET, P_INET6, P_OPENAT, P_EXECVE, P_CLONE, P_PTRACE, P_KILL, P_MMAP_EXEC,
	P_COUNT,
};

static const char *const probe_names[] = {
	"allowed", "socket(AF_INET)", "socket(AF_INET6)", "openat", "execve", "fork", "ptrace",
	"kill", "mmap(PROT_EXEC)",
};

/* A channel's life, against a listener standing in for the agent. */
static int
allowed_work(const struct sockaddr_un *agent)
{
	int err = -1;
	socklen_t len = sizeof(err);
	char buf[8];

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (const struct sockaddr *)agent, sizeof(*agent)) != 0 &&
	    errno != EINPROGRESS))
		return 2;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, 1000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
	    err != 0)
		return 3;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
		return 4;
	if (write(fd, "hello", 5) != 5 || shutdown(fd, SHUT_WR) != 0 ||
	    read(fd, buf, sizeof(buf)) != 2 || close(fd) != 0)
		return 5;
	void *p = malloc(1 << 20);
	struct timespec ts;
	if (p == NULL || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 6;
	memset(p, 1, 1 << 20);
	free(p);
	msb_mem_trim();
	return 0;
}

static _Noreturn void
run_probe(enum probe what, const struct sockaddr_un *agent)
{
	if (session_seccomp_install() != 0)
		_exit(10);
	switch (what) {
	case P_ALLOWED:
		_exit(allowed_work(agent));
	case P_INET:
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		break;
	case P_INET6:
		syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0);
		break;
	case P_OPENAT:
		syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
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
	case P_KILL:
		syscall(SYS_kill, getppid(), 0);
		break;
	case P_MMAP_EXEC:
		syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case P_COUNT:
		break;
	}
	_exit(20);  /* the syscall returned: the filter let it through */
}

/* The agent's stand-in: takes one connection, reads to EOF, answers "ok". */
static void
serve_one(int lfd)
{
	char buf[64];
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	(void)!write(fd, "ok", 2);
	close(fd);
}

static int
probe_status(enum probe what)
{
	struct sockaddr_un agent = { .sun_family = AF_UNIX };
	char dir[64] = "/tmp/test_session_seccomp.XXXXXX";
	int status;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	snprintf(agent.sun_path, sizeof(agent.sun_path), "%s/agent.sock", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&agent, sizeof(agent)) != 0 ||
	    listen(lfd, 4) != 0)
		fatal("listener: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0)
		run_probe(what, &agent);
	if (what == P_ALLOWED)
		serve_one(lfd);
	if (waitpid(pid, &status, 0) != pid)
		fatal("waitpid: %s", strerror(errno));
	if (close(lfd) != 0 || unlink(agent.sun_path) != 0 || rmdir(dir) != 0)
		fatal("cleaning %s: %s", dir, strerror(errno));
	return status;
}

int
main(void)
{
	msb_log_init("test_session_seccomp", MSB_LOG_INFO);
	int st = probe_status(P_ALLOWED);
	if (!CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "  allowed work: status 0x%x\n", st);
	for (enum probe p = P_INET; p < P_COUNT; p++) {
		st = probe_status(p);
		if (!CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS))
			fprintf(stderr, "  %s: status 0x%x\n", probe_names[p], st);
	}
	return unit_done();
}
