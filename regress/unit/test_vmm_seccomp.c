/*
 * msb-vmm's seccomp allow-lists are enforced, per thread: in a forked
 * child, a thread under a role's filter does what that role does all day
 * (the vsock backend: epoll, fds passed over a Unix socket, guest memory
 * mapped shared, eventfds, accepted clients, an arena grown and shrunk;
 * the supervisor: QMP and agent dials over AF_UNIX, a report to the keeper,
 * the QMP socket's unlink, SIGKILL and reap of QEMU; the console thread: the
 * serial pipe read into a log that is rotated), and each forbidden syscall
 * kills the whole process with SIGSYS, but for the backend's openat, which
 * fails with EACCES (and the console's, which it needs). The main thread of the child, not
 * filtered, can still open files: the filter is the thread's alone, so
 * QEMU (exec'd by the main thread) never inherits the backend's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmctl/jail/vmm_seccomp.h"
#include "lib/fd_send.h"
#include "lib/log.h"
#include "seccomp_probe.h"
#include "unit.h"

/* What no thread of the vmm may do (openat: see OPENAT_DENIED). */
static const enum sc_probe forbidden[] = {
	SC_EXECVE, SC_PTRACE, SC_SOCKET_INET, SC_SOCKET_INET6, SC_FORK, SC_MMAP_EXEC,
	SC_MPROTECT_EXEC, SC_OPENAT, SC_KILL,
};

/* Everything a probe thread needs, made before its filter is loaded. */
struct fixture {
	enum vmm_seccomp_role role;
	enum sc_probe probe;
	char dir[64];
	struct sockaddr_un listen_addr;
	int listen_fd;      /* a Unix listener with one client already queued */
	int client;         /* that client */
	int pair[2];        /* a Unix socketpair: vhost-user messages with fds */
	int epfd, evfd, memfd;
	pid_t victim;       /* a child standing in for QEMU */
	int result;
};

/* vsock backend: what vmctl/vsock/ does with QEMU, the guest and clients. */
static int
vsock_work(struct fixture *f)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	uint64_t one = 1, got;
	char buf[64], cbuf[CMSG_SPACE(sizeof(int))];

	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->evfd, &ev) != 0 ||
	    write(f->evfd, &one, sizeof(one)) != sizeof(one) ||
	    epoll_wait(f->epfd, out, 4, 1000) != 1 ||
	    read(f->evfd, &got, sizeof(got)) != sizeof(got))
		return 2;
	/* A memory-table message: an fd in SCM_RIGHTS, then mapped shared. */
	if (msb_send_fd(f->pair[0], "m", 1, f->memfd, MSG_NOSIGNAL) != 1)
		return 3;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
	    .msg_controllen = sizeof(cbuf) };
	if (recvmsg(f->pair[1], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return 4;
	int mem;
	memcpy(&mem, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	if (p == MAP_FAILED)
		return 5;
	memset(p, 7, 65536);
	if (munmap(p, 65536) != 0 || close(mem) != 0)
		return 6;
	/* Enough small blocks to grow this thread's malloc arena past its
	 * first heap (glibc grows it with mprotect). */
	void *blocks[64];
	for (size_t i = 0; i < 64; i++) {
		if ((blocks[i] = malloc(100 * 1024)) == NULL)
			return 8;
		memset(blocks[i], 1, 100 * 1024);
	}
	for (size_t i = 0; i < 64; i++)
		free(blocks[i]);
	/* A hybrid-vsock client: accepted, read, answered, half-closed. */
	int conn = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (conn < 0 || recv(conn, buf, sizeof(buf), MSG_DONTWAIT) != 10 ||
	    send(conn, "OK 1\n", 5, MSG_NOSIGNAL) != 5 || shutdown(conn, SHUT_WR) != 0 ||
	    close(conn) != 0)
		return 7;
	return 0;
}

/* Supervisor: QMP/agent dials, a report, the QMP socket's unlink, stopping QEMU. */
static int
supervisor_work(struct fixture *f)
{
	char path[128], buf[16];
	int ws;

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&f->listen_addr, sizeof(f->listen_addr)) != 0 ||
	    send(fd, "{}", 2, MSG_NOSIGNAL) != 2 || close(fd) != 0)
		return 2;
	struct pollfd pfd = { .fd = f->pair[1], .events = POLLIN };
	if (write(f->pair[0], "x", 1) != 1 || poll(&pfd, 1, 1000) != 1 ||
	    recv(f->pair[1], buf, sizeof(buf), 0) != 1)
		return 3;
	snprintf(path, sizeof(path), "%s/qmp.sock", f->dir);
	if (write(f->pair[0], "exit stopped by request\n", 24) != 24 || unlink(path) != 0)
		return 4;
	if (kill(f->victim, SIGKILL) != 0 || waitpid(f->victim, &ws, 0) != f->victim ||
	    !WIFSIGNALED(ws))
		return 5;
	void *big = malloc(1 << 20);
	struct timespec ts;
	if (big == NULL || clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 6;
	memset(big, 1, 1 << 20);
	free(big);
	return 0;
}

/* Console: the serial pipe into a log, rotated once (openat, renameat), with a pause. */
static int
console_work(struct fixture *f)
{
	char log[128], old[128], buf[16];
	static const struct timespec pause = { 0, 1000000 };

	snprintf(log, sizeof(log), "%s/console.log", f->dir);
	snprintf(old, sizeof(old), "%s/console.log.1", f->dir);
	if (write(f->pair[0], "x", 1) != 1 || read(f->pair[1], buf, sizeof(buf)) != 1)
		return 2;
	int fd = openat(AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, O_APPEND) != 0 ||
	    write(fd, buf, 1) != 1 || close(fd) != 0)
		return 3;
	if (renameat(AT_FDCWD, log, AT_FDCWD, old) != 0 || nanosleep(&pause, NULL) != 0)
		return 4;
	return 0;
}

/* The backend thread's openat fails with EACCES instead of killing (glibc's
 * malloc probes a /proc file when an arena shrinks); the supervisor opens
 * nothing, and the console needs it (its log). */
#define OPENAT_DENIED 30

static void *
probe_thread(void *arg)
{
	struct fixture *f = arg;

	if (vmm_seccomp_install(f->role) != 0) {
		f->result = 10;
		return NULL;
	}
	if (f->probe == SC_ALLOWED) {
		f->result = f->role == VMM_SECCOMP_VSOCK ? vsock_work(f) :
		    f->role == VMM_SECCOMP_CONSOLE ? console_work(f) : supervisor_work(f);
		return NULL;
	}
	/* SIGTERM: the supervisor may only SIGKILL QEMU. */
	long rc = sc_forbidden_call(f->probe, f->victim, SIGTERM);
	if (f->probe == SC_OPENAT && rc < 0 && errno == EACCES)
		_exit(OPENAT_DENIED);
	f->result = SC_RETURNED;
	return NULL;
}

static void
fixture_setup(struct fixture *f)
{
	f->listen_addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_vmm_seccomp.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	snprintf(f->listen_addr.sun_path, sizeof(f->listen_addr.sun_path), "%s/l.sock", f->dir);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->listen_fd < 0 ||
	    bind(f->listen_fd, (struct sockaddr *)&f->listen_addr, sizeof(f->listen_addr)) != 0 ||
	    listen(f->listen_fd, 4) != 0)
		fatal("listener: %s", strerror(errno));
	f->client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->client < 0 ||
	    connect(f->client, (struct sockaddr *)&f->listen_addr, sizeof(f->listen_addr)) != 0 ||
	    write(f->client, "CONNECT 1\n", 10) != 10)
		fatal("client: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->pair) != 0 ||
	    (f->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (f->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (f->memfd = memfd_create("guest", MFD_CLOEXEC)) < 0 ||
	    ftruncate(f->memfd, 65536) != 0)
		fatal("fixture: %s", strerror(errno));
	/* The supervisor unlinks the QMP socket at the end. */
	char qmp[128];
	snprintf(qmp, sizeof(qmp), "%s/qmp.sock", f->dir);
	int fd = open(qmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd) != 0)
		fatal("%s: %s", qmp, strerror(errno));
}

static void
fixture_teardown(struct fixture *f)
{
	char path[128];
	int fds[] = { f->listen_fd, f->client, f->pair[0], f->pair[1], f->epfd, f->evfd, f->memfd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (close(fds[i]) != 0)
			fatal("close: %s", strerror(errno));
	}
	static const char *const made[] = { "qmp.sock", "console.log", "console.log.1" };
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, made[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			fatal("cleaning %s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/l.sock", f->dir);
	if (unlink(path) != 0 || rmdir(f->dir) != 0)
		fatal("cleaning %s: %s", f->dir, strerror(errno));
}

/* In the child: the probe in its own thread, then proof that the main thread is free. */
static _Noreturn void
run_probe(struct fixture *f)
{
	pthread_t t;

	/* QEMU's stand-in is this process's child, as QEMU is the vmm's. */
	pid_t parent = getpid();
	f->victim = fork();
	if (f->victim < 0)
		_exit(13);
	if (f->victim == 0) {
		/* A probe killed before the death signal was asked for would
		 * leave it pausing forever, holding the test's output open. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent)
			pause();
		_exit(0);
	}
	if (pthread_create(&t, NULL, probe_thread, f) != 0 || pthread_join(t, NULL) != 0)
		_exit(11);
	if (f->result == 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || close(fd) != 0)
			_exit(12);
	}
	_exit(f->result);
}

static int
probe_status(enum vmm_seccomp_role role, enum sc_probe what)
{
	struct fixture f = { .role = role, .probe = what };

	fixture_setup(&f);
	pid_t pid = sc_fork();
	if (pid == 0)
		run_probe(&f);
	int status = sc_wait(pid);
	fixture_teardown(&f);
	return status;
}

static void
check_role(enum vmm_seccomp_role role, const char *name)
{
	sc_check_exit(probe_status(role, SC_ALLOWED), 0, name, "allowed work");
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		enum sc_probe p = forbidden[i];
		if (role == VMM_SECCOMP_CONSOLE && p == SC_OPENAT)
			continue;
		int st = probe_status(role, p);
		if (p == SC_OPENAT && role == VMM_SECCOMP_VSOCK)
			sc_check_exit(st, OPENAT_DENIED, name, sc_probe_names[p]);
		else
			sc_check_killed(st, name, sc_probe_names[p]);
	}
}

int
main(void)
{
	msb_log_init("test_vmm_seccomp", MSB_LOG_INFO);
	check_role(VMM_SECCOMP_VSOCK, "vsock backend");
	check_role(VMM_SECCOMP_SUPERVISOR, "supervisor");
	check_role(VMM_SECCOMP_CONSOLE, "console");
	return unit_done();
}
