/*
 * The session worker's seccomp allow-list is enforced: in a forked child
 * under the filter, what the worker does all day works (a non-blocking
 * dial of the agent's Unix socket with its SO_ERROR check, poll, reads and
 * writes, a half-close, fcntl, malloc and the quiet trim), and what it must
 * never do (an AF_INET or AF_INET6 socket, open, exec, fork, ptrace, kill,
 * an executable mapping, anything that rewrites a recording rather than
 * appending to it: ftruncate, lseek, pwrite, fallocate) kills it with SIGSYS.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/mem_trim.h"
#include "session/session.h"
#include "seccomp_probe.h"
#include "unit.h"

/* What the session worker must never do. */
static const enum sc_probe forbidden[] = {
	SC_SOCKET_INET, SC_SOCKET_INET6, SC_OPENAT, SC_EXECVE, SC_FORK, SC_PTRACE, SC_KILL,
	SC_MMAP_EXEC, SC_FTRUNCATE, SC_LSEEK, SC_PWRITE, SC_FALLOCATE,
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
run_probe(enum sc_probe what, const struct sockaddr_un *agent)
{
	if (session_seccomp_install() != 0)
		_exit(10);
	if (what == SC_ALLOWED)
		_exit(allowed_work(agent));
	/* Signal 0 to the parent: harmless should the filter let it through. */
	sc_forbidden_call(what, getppid(), 0);
	_exit(SC_RETURNED);
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
probe_status(enum sc_probe what)
{
	struct sockaddr_un agent = { .sun_family = AF_UNIX };
	char dir[64] = "/tmp/test_session_seccomp.XXXXXX";

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	snprintf(agent.sun_path, sizeof(agent.sun_path), "%s/agent.sock", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&agent, sizeof(agent)) != 0 ||
	    listen(lfd, 4) != 0)
		fatal("listener: %s", strerror(errno));
	pid_t pid = sc_fork();
	if (pid == 0)
		run_probe(what, &agent);
	if (what == SC_ALLOWED)
		serve_one(lfd);
	int status = sc_wait(pid);
	if (close(lfd) != 0 || unlink(agent.sun_path) != 0 || rmdir(dir) != 0)
		fatal("cleaning %s: %s", dir, strerror(errno));
	return status;
}

int
main(void)
{
	msb_log_init("test_session_seccomp", MSB_LOG_INFO);
	sc_check_exit(probe_status(SC_ALLOWED), 0, "session worker", "allowed work");
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		sc_check_killed(probe_status(forbidden[i]), "session worker",
		    sc_probe_names[forbidden[i]]);
	return unit_done();
}
