/*
 * The network child's seccomp filter is enforced: in a forked child with
 * the filter installed, the syscalls the child needs still work and the
 * ones it must never make (open, socket, exec, fork, ptrace, madvise
 * other than MADV_DONTNEED) kill it with SIGSYS. The quiet trim
 * (mem_trim.h) runs under the filter, and code runs on after it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/mem_trim.h"
#include "preauth/sandbox.h"
#include "seccomp_probe.h"
#include "unit.h"

/* What the network child must never do (a sanitizer runtime gets madvise whole). */
static const enum sc_probe forbidden[] = {
	SC_OPENAT, SC_SOCKET_INET, SC_EXECVE, SC_FORK, SC_PTRACE, SC_MMAP_EXEC,
#ifndef MSB_SANITIZERS
	SC_MADV_REMOVE,
#endif
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

static _Noreturn void
run_probe(enum sc_probe what, int fd)
{
	if (preauth_seccomp_install() != 0)
		_exit(10);
	if (what == SC_ALLOWED)
		_exit(allowed_work(fd));
	sc_forbidden_call(what, 0, 0);
	_exit(SC_RETURNED);
}

static int
probe_status(enum sc_probe what, char *got, size_t gotlen)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		fatal("socketpair: %s", strerror(errno));
	pid_t pid = sc_fork();
	if (pid == 0) {
		close(sv[0]);
		run_probe(what, sv[1]);
	}
	close(sv[1]);
	int status = sc_wait(pid);
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
	int st = probe_status(SC_ALLOWED, got, sizeof(got));
	sc_check_exit(st, 0, "network child", "allowed work");
	CHECK_STR(got, "ok!");
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		st = probe_status(forbidden[i], got, sizeof(got));
		sc_check_killed(st, "network child", sc_probe_names[forbidden[i]]);
	}
	return unit_done();
}
