/*
 * msb-vmm --name NAME [--ready-fd FD]: one sandbox's supervisor. Started
 * detached by 'msb start', which reads one line from FD: "ok MS ACCEL" once
 * the agent answers, or "error MESSAGE".
 *
 * It comes in two halves. The keeper, this file, holds what needs the
 * caller's privileges: the sandbox's lock, its state file, the ownership of
 * its files. It forks the vmm proper (vmm_run.c) into a jail of its own
 * (vmctl/jail/jail.h), which starts QEMU there and reports each step back
 * over a pipe; the keeper trusts nothing in those reports beyond their
 * syntax. The keeper does no other work and parses no guest data.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmctl/jail/jail.h"
#include "vmctl/jail/sandbox_link.h"
#include "vmctl/jail/sandbox_uid.h"
#include "vmctl/jail/vmm_report.h"
#include "lib/log.h"
#include "lib/mem_trim.h"
#include "net_filter.h"
#include "net_forward.h"
#include "lib/safe_file.h"
#include "lib/signals.h"
#include "vmm.h"

/* A verdict that KVM hangs on this host holds for a day. */
#define KVM_VERDICT_S 86400
/* The jailed child's exit status when the jail itself could not be built. */
#define JAIL_FAILED 99

static int ready_fd = -1;

static void __attribute__((format(printf, 1, 2)))
verdict(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (ready_fd < 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(ready_fd, line, (size_t)n);
	close(ready_fd);
	ready_fd = -1;
}

static struct vmm v = { .qemu_pid = -1, .qemu_pidfd = -1, .report_fd = -1 };
/* Root's user network in a namespace of its own: the link to it (else host_if is empty). */
static struct sandbox_link net_link;
/* Its --forward ports as the host sees them, and the keeper's hold on each. */
static struct sandbox_config host_forwards;
static int forward_fds[SANDBOX_MAX_FORWARDS];
/* What of the jail is off, said with the start's result (not root, no user namespace). */
static char isolation_off[200];

static void
save_state(void)
{
	if (sandbox_state_write(v.name, &v.status) != 0)
		error("cannot write the state of '%s': %s", v.name, strerror(errno));
}

static _Noreturn void __attribute__((format(printf, 1, 2)))
give_up(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	verdict("error %s", msg);
	msb_cgroup_destroy(&v.cg);
	fatal("%s", msg);
}

static void
set_paths(void)
{
	char img[PATH_MAX];
	struct stat st;

	if (sandbox_path(v.dir, sizeof(v.dir), v.name, NULL) != 0 ||
	    msb_home_path(img, sizeof(img), "images/%s", v.cfg.image) != 0)
		give_up("path too long");
	int bad = 0;
	bad |= snprintf(v.image_dir, sizeof(v.image_dir), "%s", img) >= (int)sizeof(v.image_dir);
	bad |= snprintf(v.kernel, sizeof(v.kernel), "%s/vmlinuz", img) >= (int)sizeof(v.kernel);
	bad |= snprintf(v.initrd, sizeof(v.initrd), "%s/initramfs.cpio.gz", img) >= (int)sizeof(v.initrd);
	bad |= snprintf(v.disk, sizeof(v.disk), "%s/disk.img", v.dir) >= (int)sizeof(v.disk);
	bad |= snprintf(v.qemu_log, sizeof(v.qemu_log), "%s/qemu.log", v.dir) >= (int)sizeof(v.qemu_log);
	bad |= snprintf(v.console_log, sizeof(v.console_log), "%s/console.log", v.dir) >= (int)sizeof(v.console_log);
	bad |= snprintf(v.console_old, sizeof(v.console_old), "%s/console.log.1", v.dir) >= (int)sizeof(v.console_old);
	bad |= snprintf(v.qmp_socket, sizeof(v.qmp_socket), "%s/qmp.sock", v.dir) >= (int)sizeof(v.qmp_socket);
	bad |= snprintf(v.vhost_socket, sizeof(v.vhost_socket), "%s/vhost-user.sock", v.dir) >= (int)sizeof(v.vhost_socket);
	bad |= snprintf(v.vsock_socket, sizeof(v.vsock_socket), "%s/vsock.sock", v.dir) >= (int)sizeof(v.vsock_socket);
	/* Unix socket paths are limited to 108 bytes. */
	if (bad || strlen(v.vhost_socket) >= 108)
		give_up("the sandbox directory path is too long for its sockets: %s", v.dir);
	const char *need[][2] = {
		{ v.kernel, "kernel" }, { v.initrd, "initramfs" }, { v.disk, "root disk" },
	};
	for (size_t i = 0; i < 3; i++) {
		if (stat(need[i][0], &st) != 0)
			give_up("the %s is missing: %s: %s%s", need[i][1], need[i][0], strerror(errno),
			    i < 2 ? " (rebuild the image: msb image build --force)" : "");
	}
}

/*
 * The jail binds host paths at the same paths inside, through a root where
 * a symlink would point nowhere: MSB_HOME, from which every path derives,
 * is made canonical first.
 */
static void
canonical_home(void)
{
	const char *home = msb_home();
	char real[PATH_MAX];

	if (home == NULL || realpath(home, real) == NULL)
		give_up("cannot resolve MSB_HOME: %s", strerror(errno));
	if (setenv("MSB_HOME", real, 1) != 0)
		give_up("setenv: %s", strerror(errno));
}

/* Whether an earlier boot found KVM hanging on this host (and when). */
static void
read_kvm_verdict(void)
{
	char path[PATH_MAX];
	long long when = 0;

	if (msb_home_path(path, sizeof(path), "kvm-hangs") != 0)
		return;
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return;
	int n = fscanf(fp, "%lld", &when);
	fclose(fp);
	if (n == 1 && (long long)time(NULL) - when <= KVM_VERDICT_S)
		snprintf(v.kvm_broken, sizeof(v.kvm_broken),
		    "KVM hung at an earlier boot on this host (%.150s; remove it to retry)", path);
}

static void
write_kvm_verdict(const char *why)
{
	char path[PATH_MAX];

	if (msb_home_path(path, sizeof(path), "kvm-hangs") != 0)
		return;
	char line[512];
	int n = snprintf(line, sizeof(line), "%lld %s\n", (long long)time(NULL), why);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    msb_safe_publish_path(path, line, (size_t)n, 0644, true) != 0)
		error("cannot write %s: %s", path, strerror(errno));
}

/* Gives the file to the sandbox's uid, creating it empty if missing. */
static void
give_file(const char *path, int extra_flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | extra_flags, 0600);

	if (fd < 0 || fchown(fd, v.cfg.uid, (gid_t)v.cfg.uid) != 0 || fchmod(fd, 0600) != 0)
		give_up("cannot hand %s to the sandbox's uid: %s", path, strerror(errno));
	close(fd);
}

/*
 * Root runs each sandbox as a uid of its own. The directory stays root's
 * (its config is read by root), group-owned by the sandbox and sticky, so
 * that the sandbox can create its sockets and logs in it but not replace
 * what root put there; its disk and logs are the sandbox's.
 */
static void
prepare_sandbox_uid(void)
{
	char cfgpath[PATH_MAX], err[512];

	if (v.cfg.uid == 0) {
		if (sandbox_path(cfgpath, sizeof(cfgpath), v.name, "config") != 0)
			give_up("path too long");
		v.cfg.uid = sandbox_uid_alloc(v.dir, err, sizeof(err));
		if (v.cfg.uid == 0)
			give_up("%s", err);
		if (sandbox_config_write(cfgpath, &v.cfg) != 0)
			give_up("cannot record the sandbox's uid in %s: %s", cfgpath, strerror(errno));
		info("sandbox %s runs as uid %lu", v.name, (unsigned long)v.cfg.uid);
	}
	if (chown(v.dir, 0, (gid_t)v.cfg.uid) != 0 || chmod(v.dir, 01770) != 0)
		give_up("cannot set the owner of %s: %s", v.dir, strerror(errno));
	give_file(v.disk, 0);
	give_file(v.console_log, O_APPEND);
	give_file(v.console_old, O_APPEND);
	give_file(v.qemu_log, O_APPEND);
	/* A run as another uid (or an older msb) may have left root's sockets. */
	const char *socks[] = { v.qmp_socket, v.vhost_socket, v.vsock_socket };
	for (size_t i = 0; i < 3; i++) {
		if (unlink(socks[i]) != 0 && errno != ENOENT)
			give_up("cannot remove %s: %s", socks[i], strerror(errno));
	}
}

/*
 * A user network's connections are QEMU's own sockets, made as the
 * sandbox's uid. QEMU runs in a network namespace of its own, linked to
 * the host, unless the sandbox opted in to the host's loopback; the host
 * filter keeps both kinds off this host's addresses unless the sandbox
 * opted in. Without it the guest would reach every service on the host's
 * loopback, so no filter means no start. In a namespace, QEMU listens for
 * --forward on the link's address: the host's ports are mapped there.
 */
static void
plan_user_net(void)
{
	char err[256];
	bool host_access = sandbox_net_host_access(v.cfg.net);

	if (!host_access && sandbox_link_plan(v.cfg.uid, &net_link) != 0)
		give_up("uid %lu is not a sandbox's", (unsigned long)v.cfg.uid);
	if (net_filter_apply(v.cfg.uid, host_access, net_link.host_if[0] != '\0', err,
	    sizeof(err)) != 0)
		give_up("cannot keep the guest's network off this host: %s", err);
	if (net_link.host_if[0] == '\0') {
		info("network: the host's namespace (host-loopback), filtered by uid");
		return;
	}
	if (net_forward_reserve(&v.cfg, forward_fds, err, sizeof(err)) != 0)
		give_up("%s", err);
	host_forwards = v.cfg;
	for (unsigned i = 0; i < v.cfg.nforwards; i++)
		snprintf(v.cfg.forwards[i].host_addr, sizeof(v.cfg.forwards[i].host_addr), "%s",
		    net_link.addr);
	info("network: a namespace of its own, %s over %s", net_link.addr, net_link.host_if);
}

static void
jail_spec_fill(struct jail_spec *j, bool as_root)
{
	const char *qemu = getenv("MSB_QEMU");
	size_t ro = 0;

	*j = (struct jail_spec){
		.hostname = v.name, .uid = v.cfg.uid, .userns = !as_root,
		/* QEMU's user network lives in QEMU: it needs a link out. */
		.net = !sandbox_net_user(v.cfg.net) || net_link.host_if[0] != '\0',
		.kvm = v.cfg.accel != SANDBOX_ACCEL_TCG,
	};
	j->rw[0] = v.dir;
	j->ro[ro++] = v.image_dir;
	/* A QEMU that is not there fails at its exec, which names the package. */
	if (qemu != NULL && qemu[0] == '/' && access(qemu, F_OK) == 0)
		j->ro[ro++] = qemu;
}

/*
 * In the child: into the jail (unless jail is NULL), then the vmm proper;
 * with go_fd, once the keeper has said its network is there.
 */
static _Noreturn void
run_child(const struct jail_spec *j, int report_fd, int go_fd)
{
	char err[512], go;

	/* Nothing of the vmm's runs without its keeper. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		_exit(1);
	struct pollfd pfd = { .fd = report_fd, .events = POLLOUT };
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
		_exit(1);
	if (ready_fd >= 0)
		close(ready_fd);
	ready_fd = -1;
	for (unsigned i = 0; i < host_forwards.nforwards; i++)
		close(forward_fds[i]);
	v.report_fd = report_fd;
	if (go_fd >= 0) {
		ssize_t n;
		while ((n = read(go_fd, &go, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			_exit(JAIL_FAILED);
		close(go_fd);
	}
	if (j != NULL && jail_enter(j, err, sizeof(err)) != 0) {
		vmm_report(&v, VMM_REPORT_ERROR, "%s", err);
		error("%s", err);
		_exit(JAIL_FAILED);
	}
	/* exit, not _exit: a sanitizer build checks the vmm for leaks at exit. */
	exit(vmm_run(&v));
}

/* QEMU's pid as the host sees it: the child of the vmm's main thread. */
static pid_t
qemu_host_pid(pid_t vmm)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)vmm, (int)vmm);
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return 0;
	long pid = 0;
	if (fgets(buf, sizeof(buf), fp) != NULL)
		pid = strtol(buf, NULL, 10);
	fclose(fp);
	return pid > 0 && pid < INT32_MAX ? (pid_t)pid : 0;
}

struct keeper {
	pid_t child;
	int pidfd;
	int reports;            /* read end of the report pipe */
	char buf[VMM_REPORT_MAX_LINE + 1];
	size_t got;
	bool exit_reported;
	bool failed;            /* an error report came */
	char error[256];
};

static void
on_report(struct keeper *k, const struct vmm_report *r)
{
	switch (r->kind) {
	case VMM_REPORT_QEMU:
		v.status.qemu_pid = qemu_host_pid(k->child);
		save_state();
		break;
	case VMM_REPORT_READY:
		v.status.state = SANDBOX_RUNNING;
		v.status.started_at = (int64_t)time(NULL);
		snprintf(v.status.accel, sizeof(v.status.accel), "%s", r->accel);
		snprintf(v.status.reason, sizeof(v.status.reason), "%.120s%s%.120s", r->text,
		    r->text[0] != '\0' && isolation_off[0] != '\0' ? "; " : "", isolation_off);
		if (v.limits_off[0] != '\0') {
			size_t n = strlen(v.status.reason);
			snprintf(v.status.reason + n, sizeof(v.status.reason) - n,
			    "%sresource limits are off: %.100s", n > 0 ? "; " : "", v.limits_off);
		}
		if (v.status.qemu_pid == 0)
			v.status.qemu_pid = qemu_host_pid(k->child);
		save_state();
		verdict("ok %ld %s", r->ms, r->accel);
		break;
	case VMM_REPORT_KVM_HUNG:
		write_kvm_verdict(r->text);
		break;
	case VMM_REPORT_ERROR:
		k->failed = true;
		snprintf(k->error, sizeof(k->error), "%s", r->text);
		break;
	case VMM_REPORT_EXIT:
		k->exit_reported = true;
		v.status.state = r->crashed ? SANDBOX_CRASHED : SANDBOX_STOPPED;
		snprintf(v.status.reason, sizeof(v.status.reason), "%s", r->text);
		break;
	}
}

/* Reads what the child said; a line that is not a report is logged and dropped. */
static void
read_reports(struct keeper *k)
{
	ssize_t n = read(k->reports, k->buf + k->got, sizeof(k->buf) - 1 - k->got);

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(k->reports);
			k->reports = -1;
		}
		return;
	}
	k->got += (size_t)n;
	char *nl;
	while ((nl = memchr(k->buf, '\n', k->got)) != NULL) {
		struct vmm_report r;
		size_t len = (size_t)(nl - k->buf);
		if (vmm_report_parse(k->buf, len, &r) == 0)
			on_report(k, &r);
		else
			error("the vmm sent a malformed report (%zu bytes); ignored", len);
		memmove(k->buf, nl + 1, k->got - len - 1);
		k->got -= len + 1;
	}
	if (k->got == sizeof(k->buf) - 1) {
		error("the vmm sent an overlong report; ignored");
		k->got = 0;
	}
}

/* Builds the link into the child's new network namespace, then lets it go on. */
static void
link_child(pid_t pid, int go_fd)
{
	char err[512];

	if (sandbox_link_build(pid, &net_link, err, sizeof(err)) != 0) {
		kill(pid, SIGKILL);
		give_up("cannot link the sandbox's network namespace to the host: %s", err);
	}
	if (net_forward_apply(&host_forwards, &net_link, true, err, sizeof(err)) != 0) {
		kill(pid, SIGKILL);
		sandbox_link_remove(&net_link);
		give_up("cannot map the forwarded ports: %s", err);
	}
	if (write(go_fd, "g", 1) != 1)
		give_up("cannot start the vmm: %s", strerror(errno));
	close(go_fd);
}

static pid_t
start_child(struct keeper *k, const struct jail_spec *j)
{
	int p[2], go[2] = { -1, -1 };
	bool link = j != NULL && net_link.host_if[0] != '\0';

	if (pipe2(p, O_CLOEXEC) != 0 || (link && pipe2(go, O_CLOEXEC) != 0))
		give_up("pipe: %s", strerror(errno));
	struct jail_spec spec;
	if (j != NULL)
		spec = *j;
	pid_t pid = j != NULL ? jail_clone(&spec) : fork();
	if (pid == 0) {
		close(p[0]);
		if (link)
			close(go[1]);
		run_child(j != NULL ? &spec : NULL, p[1], go[0]);
	}
	int saved = errno;
	close(p[1]);
	if (link)
		close(go[0]);
	if (pid < 0) {
		close(p[0]);
		if (link)
			close(go[1]);
		errno = saved;
		return -1;
	}
	if (link)
		link_child(pid, go[1]);
	*k = (struct keeper){ .child = pid, .reports = p[0] };
	k->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (k->pidfd < 0)
		give_up("pidfd_open: %s", strerror(errno));
	return pid;
}

/* Until the child exits: reports in, stop signals passed on. Returns its wait status. */
static int
keep(struct keeper *k, int sfd)
{
	int ws = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = k->pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = k->reports, .events = POLLIN },
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal_f("poll: %s", strerror(errno));
		}
		if (pfd[2].revents)
			read_reports(k);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (kill(k->child, (int)si.ssi_signo) != 0 && errno != ESRCH)
					error("cannot pass signal %u on: %s", si.ssi_signo, strerror(errno));
			}
		}
		if ((pfd[0].revents & POLLIN) && k->reports < 0) {
			while (waitpid(k->child, &ws, 0) < 0 && errno == EINTR)
				;
			close(k->pidfd);
			return ws;
		}
		/* The child is gone: what it wrote last is still to be read. */
		if ((pfd[0].revents & POLLIN) && k->reports >= 0 && !(pfd[2].revents & POLLIN)) {
			close(k->reports);
			k->reports = -1;
		}
	}
}

static void
record_child_exit(const struct keeper *k, int ws)
{
	v.status.vmm_pid = 0;
	v.status.qemu_pid = 0;
	/* The kernel's word, not the vmm's: the group's OOM-kill counter. */
	bool oom = msb_cgroup_oom_killed(&v.cg);
	if (k->failed) {
		v.status.state = SANDBOX_STOPPED;
		snprintf(v.status.reason, sizeof(v.status.reason), "start failed: %s%.200s",
		    oom ? "out of memory: " : "", k->error);
		return;
	}
	if (oom && (!k->exit_reported || v.status.state == SANDBOX_CRASHED)) {
		v.status.state = SANDBOX_CRASHED;
		snprintf(v.status.reason, sizeof(v.status.reason), "out of memory: killed at the "
		    "sandbox's limit of %llu MiB (guest memory and overhead: MSB_MEMORY_OVERHEAD_MIB)",
		    (unsigned long long)(v.limits.memory_bytes >> 20));
		return;
	}
	if (k->exit_reported)
		return;
	v.status.state = SANDBOX_CRASHED;
	if (WIFSIGNALED(ws))
		snprintf(v.status.reason, sizeof(v.status.reason), "the vmm was killed by signal %d",
		    WTERMSIG(ws));
	else
		snprintf(v.status.reason, sizeof(v.status.reason), "the vmm exited with status %d",
		    WEXITSTATUS(ws));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *why;
	char path[PATH_MAX];
	int c;

	msb_log_init("msb-vmm", MSB_LOG_INFO);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'r':
			ready_fd = atoi(optarg);
			break;
		case 'L':
			msb_log_level_option(optarg);
			break;
		default:
			fatal("usage: msb-vmm --name NAME [--ready-fd FD] [--log-level LEVEL]");
		}
	}
	if (name == NULL || optind != argc)
		fatal("usage: msb-vmm --name NAME [--ready-fd FD] [--log-level LEVEL]");
	if (msb_name_check(name, &why) != 0)
		give_up("invalid sandbox name '%s': %s", name, why);
	strcpy(v.name, name);
	canonical_home();
	if (sandbox_path(path, sizeof(path), name, "config") != 0 ||
	    sandbox_config_read(path, &v.cfg) != 0)
		give_up("cannot read the config of sandbox '%s'", name);
	set_paths();
	int lock = sandbox_lock(name);
	if (lock < 0)
		give_up(errno == EWOULDBLOCK ? "sandbox '%s' is already running" :
		    "cannot lock sandbox '%s'", name);

	static const int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0 };
	int sfd = msb_signalfd(stops, NULL);
	signal(SIGPIPE, SIG_IGN);
	bool as_root = geteuid() == 0;
	if (as_root)
		prepare_sandbox_uid();
	if (as_root && sandbox_net_user(v.cfg.net))
		plan_user_net();
	/* Before the jailed vmm and QEMU exist: they inherit the group. */
	vmm_limits_start(&v);
	read_kvm_verdict();

	v.status = (struct sandbox_status){ .state = SANDBOX_STARTING };
	struct jail_spec jail;
	jail_spec_fill(&jail, as_root);
	struct keeper k;
	pid_t pid = start_child(&k, &jail);
	if (pid < 0 && as_root)
		give_up("cannot build the jail: %s", strerror(errno));
	if (pid < 0)
		snprintf(isolation_off, sizeof(isolation_off),
		    "isolation off: no user namespace for an unprivileged jail (%s)", strerror(errno));
	if (pid > 0) {
		v.status.vmm_pid = pid;
		save_state();
	}
	msb_mem_trim();
	int ws = pid > 0 ? keep(&k, sfd) : 0;
	if (!as_root && (pid < 0 || (k.failed && WIFEXITED(ws) && WEXITSTATUS(ws) == JAIL_FAILED))) {
		if (pid > 0)
			snprintf(isolation_off, sizeof(isolation_off), "isolation off: %.150s", k.error);
		info("%s", isolation_off);
		pid = start_child(&k, NULL);
		if (pid < 0)
			give_up("fork: %s", strerror(errno));
		v.status.vmm_pid = pid;
		save_state();
		ws = keep(&k, sfd);
	}
	record_child_exit(&k, ws);
	if (net_link.host_if[0] != '\0') {
		char err[256];
		if (net_forward_apply(&host_forwards, &net_link, false, err, sizeof(err)) != 0)
			error("cannot unmap the forwarded ports: %s", err);
		sandbox_link_remove(&net_link);
	}
	if (k.failed)
		verdict("error %s", k.error);
	else
		verdict("error the vmm exited without a word; see %s/vmm.log", v.dir);
	msb_cgroup_destroy(&v.cg);
	save_state();
	close(lock);
	return 0;
}
