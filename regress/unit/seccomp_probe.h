/*
 * The seccomp unit programs' shared part: the calls that no confined msb
 * process may make, made raw (syscall(2), so that no libc wrapper turns
 * one into another syscall), and the checks on how a probe child ended.
 * Each program forks a child per probe, loads its role's filter there and
 * runs either the role's allowed work (SC_ALLOWED, its own) or one call.
 */
#ifndef MSB_SECCOMP_PROBE_H
#define MSB_SECCOMP_PROBE_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "unit.h"

enum sc_probe {
	SC_ALLOWED, SC_OPENAT, SC_SOCKET_INET, SC_SOCKET_INET6, SC_EXECVE, SC_FORK, SC_PTRACE,
	SC_KILL, SC_MMAP_EXEC, SC_MPROTECT_EXEC, SC_MADV_REMOVE,
	/* rewriting a file opened O_APPEND (a session recording) */
	SC_FTRUNCATE, SC_LSEEK, SC_PWRITE, SC_FALLOCATE,
};

static const char *const sc_probe_names[] = {
	"allowed", "openat", "socket(AF_INET)", "socket(AF_INET6)", "execve", "fork", "ptrace",
	"kill", "mmap(PROT_EXEC)", "mprotect(PROT_EXEC)", "madvise(MADV_REMOVE)",
	"ftruncate", "lseek", "pwrite64", "fallocate",
};

/* Exit status of a probe child whose forbidden call returned. */
#define SC_RETURNED 20

/*
 * Makes the forbidden call what (SC_KILL: signal kill_sig to kill_pid);
 * returns its result, errno set, if the filter let it return at all.
 */
static inline long
sc_forbidden_call(enum sc_probe what, pid_t kill_pid, int kill_sig)
{
	switch (what) {
	case SC_OPENAT:
		return syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	case SC_SOCKET_INET:
		return syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	case SC_SOCKET_INET6:
		return syscall(SYS_socket, AF_INET6, SOCK_STREAM, 0);
	case SC_EXECVE:
		return syscall(SYS_execve, "/bin/true", (char *[]){ "true", NULL },
		    (char *[]){ NULL });
	case SC_FORK:
		return syscall(SYS_fork);
	case SC_PTRACE:
		return syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
	case SC_KILL:
		return syscall(SYS_kill, kill_pid, kill_sig);
	case SC_MMAP_EXEC:
		return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	case SC_MPROTECT_EXEC:
		return syscall(SYS_mprotect, NULL, 4096, PROT_READ | PROT_EXEC);
	case SC_MADV_REMOVE:
		return syscall(SYS_madvise, NULL, 4096, MADV_REMOVE);
	case SC_FTRUNCATE:
		return syscall(SYS_ftruncate, 2, 0);
	case SC_LSEEK:
		return syscall(SYS_lseek, 2, 0, SEEK_SET);
	case SC_PWRITE:
		return syscall(SYS_pwrite64, 2, "", 0, 0);
	case SC_FALLOCATE:
		return syscall(SYS_fallocate, 2, 0, 0, 1);
	case SC_ALLOWED:
		break;
	}
	return 0;
}

static inline pid_t
sc_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	return pid;
}

static inline int
sc_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fatal("waitpid: %s", strerror(errno));
	return status;
}

/* A probe child that exited with code; role and probe name it otherwise. */
static inline int
sc_check_exit(int status, int code, const char *role, const char *probe)
{
	if (CHECK(WIFEXITED(status) && WEXITSTATUS(status) == code))
		return 1;
	fprintf(stderr, "  %s: %s: status 0x%x\n", role, probe, status);
	return 0;
}

/* A probe child that the filter killed with SIGSYS. */
static inline int
sc_check_killed(int status, const char *role, const char *probe)
{
	if (CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS))
		return 1;
	fprintf(stderr, "  %s: %s: status 0x%x\n", role, probe, status);
	return 0;
}

#endif
