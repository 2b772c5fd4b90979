/*
 * msb-vmm --name NAME [--ready-fd FD]: supervises one sandbox until its
 * QEMU exits. Started detached by 'msb start', which reads one line from
 * FD: "ok MS ACCEL" once the agent answers, or "error MESSAGE".
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "log.h"
#include "signals.h"
#include "qmp/qmp.h"
#include "vmm.h"

#define GUEST_POWEROFF_MS 20000
#define QMP_QUIT_MS       5000

static int ready_fd = -1;

static void __attribute__((format(printf, 1, 2)))
report(const char *fmt, ...)
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

static _Noreturn void __attribute__((format(printf, 1, 2)))
give_up(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report("error %s", msg);
	fatal("%s", msg);
}

static void
set_paths(struct vmm *v)
{
	char img[PATH_MAX];
	struct stat st;

	if (sandbox_path(v->dir, sizeof(v->dir), v->name, NULL) != 0 ||
	    msb_home_path(img, sizeof(img), "images/%s", v->cfg.image) != 0)
		give_up("path too long");
	int bad = 0;
	bad |= snprintf(v->kernel, sizeof(v->kernel), "%s/vmlinuz", img) >= (int)sizeof(v->kernel);
	bad |= snprintf(v->initrd, sizeof(v->initrd), "%s/initramfs.cpio.gz", img) >= (int)sizeof(v->initrd);
	bad |= snprintf(v->disk, sizeof(v->disk), "%s/disk.img", v->dir) >= (int)sizeof(v->disk);
	bad |= snprintf(v->qemu_log, sizeof(v->qemu_log), "%s/qemu.log", v->dir) >= (int)sizeof(v->qemu_log);
	bad |= snprintf(v->console_log, sizeof(v->console_log), "%s/console.log", v->dir) >= (int)sizeof(v->console_log);
	bad |= snprintf(v->qmp_socket, sizeof(v->qmp_socket), "%s/qmp.sock", v->dir) >= (int)sizeof(v->qmp_socket);
	bad |= snprintf(v->vhost_socket, sizeof(v->vhost_socket), "%s/vhost-user.sock", v->dir) >= (int)sizeof(v->vhost_socket);
	bad |= snprintf(v->vsock_socket, sizeof(v->vsock_socket), "%s/vsock.sock", v->dir) >= (int)sizeof(v->vsock_socket);
	/* Unix socket paths are limited to 108 bytes. */
	if (bad || strlen(v->vhost_socket) >= 108)
		give_up("the sandbox directory path is too long for its sockets: %s", v->dir);
	const char *need[][2] = {
		{ v->kernel, "kernel" }, { v->initrd, "initramfs" }, { v->disk, "root disk" },
	};
	for (size_t i = 0; i < 3; i++) {
		if (stat(need[i][0], &st) != 0)
			give_up("the %s is missing: %s: %s%s", need[i][1], need[i][0], strerror(errno),
			    i < 2 ? " (rebuild the image: msb image build --force)" : "");
	}
}

/*
 * A clean stop: ask the agent to power the guest off (it syncs and
 * unmounts), then QEMU to quit, then kill it.
 */
void
vmm_shutdown(struct vmm *v, bool force)
{
	int ws;

	v->stopping = true;
	if (!force) {
		struct msb_agent_client c;
		msb_agent_client_init(&c);
		c.timeout_ms = 5000;
		if (msb_agent_client_connect_vsock(&c, v->vsock_socket, MSB_AGENT_VSOCK_PORT) == 0 &&
		    msb_agent_put_shutdown(&c.out, MSB_SHUTDOWN_POWEROFF) == 0 &&
		    msb_agent_client_request(&c) == 0) {
			info("guest powering off");
		} else {
			info("guest agent did not take the shutdown (%s); quitting QEMU", c.err);
		}
		msb_agent_client_close(&c);
		if (vmm_wait_qemu(v, GUEST_POWEROFF_MS, &ws))
			return;
	}
	/* The ACPI power button: a guest that handles it gets a last chance. */
	if (!force && v->qmp != NULL &&
	    qmp_execute(v->qmp, "system_powerdown", NULL, NULL, QMP_QUIT_MS) == QMP_OK &&
	    vmm_wait_qemu(v, QMP_QUIT_MS, &ws))
		return;
	if (v->qmp != NULL && qmp_execute(v->qmp, "quit", NULL, NULL, QMP_QUIT_MS) == QMP_OK &&
	    vmm_wait_qemu(v, QMP_QUIT_MS, &ws))
		return;
	if (v->qemu_pid > 0)
		kill(v->qemu_pid, SIGKILL);
	vmm_wait_qemu(v, QMP_QUIT_MS, &ws);
}

/* Supervises the running sandbox until QEMU exits; returns its wait status. */
static int
supervise(struct vmm *v, int sfd)
{
	int ws = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = v->qemu_pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = v->qmp != NULL ? qmp_fd(v->qmp) : -1, .events = POLLIN },
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal_f("poll: %s", strerror(errno));
		}
		if (pfd[2].revents && qmp_on_readable(v->qmp) != QMP_OK) {
			/* QEMU closed QMP: it is exiting; the pidfd tells when. */
			qmp_free(v->qmp);
			v->qmp = NULL;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				info("signal %u: stopping%s", si.ssi_signo,
				    si.ssi_signo == SIGUSR1 ? " (forced)" : "");
				vmm_shutdown(v, si.ssi_signo == SIGUSR1);
			}
		}
		if (v->qemu_pid <= 0 || vmm_wait_qemu(v, 0, &ws))
			return ws;
	}
}

static void
record_exit(struct vmm *v, int ws)
{
	struct sandbox_status *st = &v->status;
	bool clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
	    (v->stopping || strcmp(v->shutdown_reason, "guest-shutdown") == 0);

	st->state = clean ? SANDBOX_STOPPED : SANDBOX_CRASHED;
	st->vmm_pid = 0;
	st->qemu_pid = 0;
	if (clean)
		snprintf(st->reason, sizeof(st->reason), "%s",
		    v->stopping ? "stopped by request" : "the guest powered off");
	else if (WIFSIGNALED(ws))
		snprintf(st->reason, sizeof(st->reason), "QEMU was killed by signal %d", WTERMSIG(ws));
	else
		snprintf(st->reason, sizeof(st->reason), "QEMU exited with status %d%s%s",
		    WEXITSTATUS(ws), v->shutdown_reason[0] ? ", guest: " : "", v->shutdown_reason);
	info("sandbox %s: %s (%s)", v->name, sandbox_state_name(st->state), st->reason);
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
	static struct vmm v = { .qemu_pid = -1, .qemu_pidfd = -1 };
	enum msb_log_level level = MSB_LOG_INFO;
	const char *name = NULL, *why;
	char path[PATH_MAX], err[1024];
	int c;

	msb_log_init("msb-vmm", level);
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
	if (sandbox_path(path, sizeof(path), name, "config") != 0 ||
	    sandbox_config_read(path, &v.cfg) != 0)
		give_up("cannot read the config of sandbox '%s'", name);
	set_paths(&v);
	int lock = sandbox_lock(name);
	if (lock < 0)
		give_up(errno == EWOULDBLOCK ? "sandbox '%s' is already running" :
		    "cannot lock sandbox '%s'", name);

	static const int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0 };
	int sfd = msb_signalfd(stops, NULL);
	signal(SIGPIPE, SIG_IGN);

	v.status = (struct sandbox_status){ .state = SANDBOX_STARTING, .vmm_pid = getpid() };
	if (sandbox_state_write(name, &v.status) != 0)
		give_up("cannot write the state of '%s': %s", name, strerror(errno));
	info("starting sandbox %s", name);
	if (vmm_vsock_start(&v) != 0) {
		v.status.state = SANDBOX_STOPPED;
		snprintf(v.status.reason, sizeof(v.status.reason), "the vsock backend did not start");
		sandbox_state_write(name, &v.status);
		give_up("the vsock backend did not start (see %s/vmm.log)", v.dir);
	}
	long ms = vmm_boot(&v, err, sizeof(err));
	if (ms < 0) {
		vmm_vsock_stop();
		unlink(v.qmp_socket);
		v.status.state = SANDBOX_STOPPED;
		v.status.vmm_pid = 0;
		snprintf(v.status.reason, sizeof(v.status.reason), "start failed: %.200s", err);
		sandbox_state_write(name, &v.status);
		give_up("%s", err);
	}
	v.status.state = SANDBOX_RUNNING;
	v.status.qemu_pid = v.qemu_pid;
	v.status.started_at = (int64_t)time(NULL);
	if (sandbox_state_write(name, &v.status) != 0)
		error("cannot write the state of '%s': %s", name, strerror(errno));
	info("sandbox %s ready in %ld ms (%s)%s%s", name, ms, v.status.accel,
	    v.status.reason[0] ? "; " : "", v.status.reason);
	report("ok %ld %s", ms, v.status.accel);

	int ws = supervise(&v, sfd);
	record_exit(&v, ws);
	vmm_console_stop();
	if (v.qmp != NULL)
		qmp_free(v.qmp);
	vmm_vsock_stop();
	unlink(v.qmp_socket);
	if (sandbox_state_write(name, &v.status) != 0)
		error("cannot write the state of '%s': %s", name, strerror(errno));
	close(lock);
	return 0;
}
