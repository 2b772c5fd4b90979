/*
 * The jailed half of msb-vmm: starts the vsock backend and QEMU, waits for
 * the guest, supervises it until QEMU exits, and tells the keeper each step
 * (vmctl/jail/vmm_report.h). It can reach nothing outside its jail: what it
 * knows of the sandbox's state goes to the keeper, which writes it.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/agent_client.h"
#include "vmctl/jail/vmm_seccomp.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "vmctl/qmp/qmp.h"
#include "vmm.h"

#define GUEST_POWEROFF_MS 20000
#define QMP_QUIT_MS       5000

void
vmm_report(struct vmm *v, enum vmm_report_kind kind, const char *fmt, ...)
{
	struct vmm_report r = { .kind = kind };
	char line[VMM_REPORT_MAX_LINE + 1];
	va_list ap;

	if (v->report_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(r.text, sizeof(r.text), fmt, ap);
	va_end(ap);
	if (kind == VMM_REPORT_READY) {
		r.ms = v->ready_ms;
		snprintf(r.accel, sizeof(r.accel), "%.3s", v->status.accel);
	}
	r.crashed = v->status.state == SANDBOX_CRASHED;
	int n = vmm_report_format(line, sizeof(line), &r);
	if (n > 0 && write(v->report_fd, line, (size_t)n) != n)
		error_f("the keeper is gone: %s", strerror(errno));
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
			char why[600];
			info("guest agent did not take the shutdown (%s); quitting QEMU",
			    msb_log_escape(why, sizeof(why), c.err, strlen(c.err)));
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
	if (clean)
		snprintf(st->reason, sizeof(st->reason), "%s",
		    v->stopping ? "stopped by request" : "the guest powered off");
	else if (WIFSIGNALED(ws))
		snprintf(st->reason, sizeof(st->reason), "QEMU was killed by signal %d", WTERMSIG(ws));
	else
		snprintf(st->reason, sizeof(st->reason), "QEMU exited with status %d%s%s",
		    WEXITSTATUS(ws), v->shutdown_reason[0] ? ", guest: " : "", v->shutdown_reason);
	info("sandbox %s: %s (%s)", v->name, sandbox_state_name(st->state), st->reason);
	vmm_report(v, VMM_REPORT_EXIT, "%s", st->reason);
}

int
vmm_run(struct vmm *v)
{
	static const int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, 0 };
	char err[1024];
	int sfd = msb_signalfd(stops, NULL);

	info("starting sandbox %s", v->name);
	if (vmm_vsock_start(v) != 0) {
		vmm_report(v, VMM_REPORT_ERROR, "the vsock backend did not start (see %s/vmm.log)", v->dir);
		return 1;
	}
	v->ready_ms = vmm_boot(v, err, sizeof(err));
	/* QEMU is running and will not be started again: what is left is
	 * supervising it, under the supervisor's allow-list. */
	if (v->ready_ms >= 0 && vmm_seccomp_install(VMM_SECCOMP_SUPERVISOR) != 0) {
		vmm_shutdown(v, true);
		snprintf(err, sizeof(err), "cannot load the supervisor's seccomp filter");
		v->ready_ms = -1;
	}
	if (v->ready_ms < 0) {
		vmm_vsock_stop();
		unlink(v->qmp_socket);
		vmm_report(v, VMM_REPORT_ERROR, "%s", err);
		error("%s", err);
		return 1;
	}
	info("sandbox %s ready in %ld ms (%s)%s%s", v->name, v->ready_ms, v->status.accel,
	    v->status.reason[0] ? "; " : "", v->status.reason);
	vmm_report(v, VMM_REPORT_READY, "%s", v->status.reason);

	int ws = supervise(v, sfd);
	record_exit(v, ws);
	vmm_console_stop();
	if (v->qmp != NULL)
		qmp_free(v->qmp);
	vmm_vsock_stop();
	unlink(v->qmp_socket);
	return 0;
}
