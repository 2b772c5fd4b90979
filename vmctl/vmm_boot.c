/*
 * Booting a sandbox: start QEMU, connect QMP, wait for the guest agent, and
 * under --accel auto fall back from a KVM boot that does not come up to TCG.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/agent_client.h"
#include "lib/agent_io.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "qemu_cmd.h"
#include "vmctl/qmp/qmp.h"
#include "lib/safe_file.h"
#include "vmm.h"

/* A KVM guest reaches its agent in about a second; one that hangs (as
 * nested KVM does on some hosts) is given up on after this. */
#define KVM_READY_MS   15000
#define TCG_READY_MS   120000
#define QMP_CONNECT_MS 15000
/* Each readiness attempt; the guest answers at once when it is up. */
#define PROBE_MS       2000

static int
ready_timeout_ms(bool kvm)
{
	const char *env = getenv("MSB_BOOT_TIMEOUT");
	long s;

	if (!kvm && env != NULL && (s = strtol(env, NULL, 10)) > 0 && s < 3600)
		return (int)(s * 1000);
	return kvm ? KVM_READY_MS : TCG_READY_MS;
}

/* True when QEMU has exited (it is reaped and the status kept). */
static bool
qemu_exited(struct vmm *v, int *wstatus)
{
	if (v->qemu_pid <= 0)
		return true;
	pid_t r = waitpid(v->qemu_pid, wstatus, WNOHANG);
	if (r == v->qemu_pid || (r < 0 && errno == ECHILD)) {
		v->qemu_pid = -1;
		if (v->qemu_pidfd >= 0)
			close(v->qemu_pidfd);
		v->qemu_pidfd = -1;
		return true;
	}
	return false;
}

bool
vmm_wait_qemu(struct vmm *v, int timeout_ms, int *wstatus)
{
	int64_t deadline = msb_now_ms() + timeout_ms;

	*wstatus = 0;
	while (!qemu_exited(v, wstatus)) {
		int64_t left = deadline - msb_now_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = v->qemu_pidfd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(left < 100 ? left : 100)) < 0 && errno != EINTR)
			return false;
	}
	return true;
}

/*
 * The last line of a log, for error messages: escaped, as the guest writes
 * the console and can sway what QEMU writes.
 */
static void
qemu_log_tail(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");
	char line[512];

	buf[0] = '\0';
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t n = strcspn(line, "\n");
		if (n > 0)
			msb_log_escape(buf, len, line, n < 200 ? n : 200);
	}
	fclose(fp);
}

/* Where QEMU finds the console's socket (qemu_cmd.c names it). */
#define QEMU_CONSOLE_FD 3

/* Puts fd at want in the child, open across exec. */
static int
inherit_as(int fd, int want)
{
	if (fd == want)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, want) < 0 ? -1 : 0;
}

/* Starts QEMU; 0, or -1 with err set. */
static int
spawn_qemu(struct vmm *v, bool kvm, char *err, size_t errlen)
{
	const char *qemu = getenv("MSB_QEMU");
	struct qemu_launch l = {
		.qemu = qemu != NULL && qemu[0] != '\0' ? qemu : "qemu-system-x86_64",
		.kernel = v->kernel, .initrd = v->initrd, .disk = v->disk,
		.console_fd = QEMU_CONSOLE_FD, .qmp_socket = v->qmp_socket,
		.vhost_user_socket = v->vhost_socket, .hostname = v->name,
		.kvm = kvm, .memory_mib = v->cfg.memory_mib, .cpus = v->cfg.cpus,
		.net = v->cfg.net, .forwards = v->cfg.forwards, .nforwards = v->cfg.nforwards,
		.tsc_khz = kvm ? 0 : qemu_host_tsc_khz(),
	};
	int status[2];

	char **argv = qemu_argv_build(&l);
	if (argv == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A stale QMP socket would make QMP connect to nothing. */
	unlink(v->qmp_socket);
	int console = vmm_console_start(v);
	if (console < 0) {
		snprintf(err, errlen, "cannot set up the console log %s", v->console_log);
		qemu_argv_free(argv);
		return -1;
	}
	if (pipe2(status, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		qemu_argv_free(argv);
		close(console);
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		int e;
		int log = msb_safe_append_path(v->qemu_log, 0600, true);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;
		sigemptyset(&none);
		/* QEMU is useless without the vmm (it serves its vsock device):
		 * it dies with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent ||
		    log < 0 || null < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 ||
		    dup2(log, 2) < 0 || inherit_as(console, QEMU_CONSOLE_FD) != 0 ||
		    sigprocmask(SIG_SETMASK, &none, NULL) != 0)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		(void)!write(status[1], &e, sizeof(e));
		_exit(127);
	}
	int saved = errno;
	qemu_argv_free(argv);
	close(console);
	close(status[1]);
	if (pid < 0) {
		close(status[0]);
		snprintf(err, errlen, "fork: %s", strerror(saved));
		return -1;
	}
	int e;
	ssize_t r = read(status[0], &e, sizeof(e));
	close(status[0]);
	if (r == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "cannot run %s: %s%s", l.qemu, strerror(e),
		    e == ENOENT ? " (apt-get install qemu-system-x86)" : "");
		return -1;
	}
	v->qemu_pid = pid;
	v->qemu_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (v->qemu_pidfd < 0)
		fatal_f("pidfd_open: %s", strerror(errno));
	vmm_report(v, VMM_REPORT_QEMU, "%s", "");
	verbose_f("QEMU pid %d (%s)", (int)pid, kvm ? "kvm" : "tcg");
	return 0;
}

/* Kills QEMU outright and reaps it: used when a boot attempt is abandoned. */
static void
kill_qemu(struct vmm *v)
{
	int ws;

	if (v->qemu_pid > 0)
		kill(v->qemu_pid, SIGKILL);
	vmm_wait_qemu(v, 5000, &ws);
	if (v->qmp != NULL) {
		qmp_free(v->qmp);
		v->qmp = NULL;
	}
}

/* Waits until the agent answers INFO; 0, or -1 with err set. */
static int
wait_agent(struct vmm *v, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = msb_now_ms() + timeout_ms;
	char last[600] = "";
	int ws;

	for (;;) {
		struct msb_agent_client c;
		struct msb_agent_info info;

		if (qemu_exited(v, &ws)) {
			char tail[256];
			vmm_console_stop();
			qemu_log_tail(v->console_log, tail, sizeof(tail));
			snprintf(err, errlen, "QEMU exited during boot (%s %d)%s%s",
			    WIFSIGNALED(ws) ? "signal" : "status",
			    WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws),
			    tail[0] ? "; console: " : "", tail);
			return -1;
		}
		msb_agent_client_init(&c);
		c.timeout_ms = PROBE_MS;
		int rc = msb_agent_client_connect_vsock(&c, v->vsock_socket, MSB_AGENT_VSOCK_PORT);
		if (rc == 0)
			rc = msb_agent_client_info(&c, &info);
		if (rc == 0) {
			char sw[256];
			verbose_f("agent ready: %s, uptime %llu ms",
			    msb_log_escape(sw, sizeof(sw), info.software, strlen(info.software)),
			    (unsigned long long)info.uptime_ms);
			msb_agent_info_free(&info);
			msb_agent_client_close(&c);
			return 0;
		}
		/* The agent's own words, if it answered with an error. */
		msb_log_escape(last, sizeof(last), c.err, strlen(c.err));
		msb_agent_client_close(&c);
		if (msb_now_ms() >= deadline) {
			snprintf(err, errlen, "the guest agent did not answer within %d s (last: %s)",
			    timeout_ms / 1000, last);
			return -1;
		}
		struct pollfd pfd = { .fd = v->qemu_pidfd, .events = POLLIN };
		poll(&pfd, 1, 100);
	}
}

static void
qmp_event(void *arg, const char *name, const struct json_value *data)
{
	struct vmm *v = arg;
	const struct json_value *reason = data != NULL ? json_get(data, "reason") : NULL;
	const char *why = reason != NULL ? json_string(reason) : NULL;
	char esc_name[128], esc_why[sizeof(v->shutdown_reason)];

	/* QEMU runs beside the guest: its words are escaped like the guest's. */
	msb_log_escape(esc_name, sizeof(esc_name), name, strlen(name));
	if (why != NULL)
		msb_log_escape(esc_why, sizeof(esc_why), why, strlen(why));
	info_f("QEMU event %s%s%s", esc_name, why ? ": " : "", why ? esc_why : "");
	if (strcmp(name, "STOP") == 0)
		error("the guest was paused by QEMU (STOP event); see %s", v->qemu_log);
	if (strcmp(name, "SHUTDOWN") == 0 && why != NULL)
		snprintf(v->shutdown_reason, sizeof(v->shutdown_reason), "%s", esc_why);
	else if (strcmp(name, "GUEST_PANICKED") == 0)
		snprintf(v->shutdown_reason, sizeof(v->shutdown_reason), "guest-panic");
}

/* One boot attempt with one accelerator; 0 once the agent answers, or -1. */
static int
boot_once(struct vmm *v, bool kvm, char *err, size_t errlen)
{
	struct qmp_callbacks cb = { .event = qmp_event, .arg = v };

	if (spawn_qemu(v, kvm, err, errlen) != 0)
		return -1;
	v->qmp = qmp_new(&cb);
	if (v->qmp == NULL) {
		snprintf(err, errlen, "out of memory");
		kill_qemu(v);
		return -1;
	}
	int rc = qmp_connect(v->qmp, v->qmp_socket, QMP_CONNECT_MS);
	if (rc != QMP_OK) {
		char tail[256];
		snprintf(v->status.reason, sizeof(v->status.reason), "%s", qmp_error_desc(v->qmp));
		kill_qemu(v);
		qemu_log_tail(v->qemu_log, tail, sizeof(tail));
		snprintf(err, errlen, "QEMU did not start (%s)%s%s", v->status.reason,
		    tail[0] ? ": " : "", tail);
		return -1;
	}
	if (wait_agent(v, ready_timeout_ms(kvm), err, errlen) != 0) {
		kill_qemu(v);
		return -1;
	}
	struct json_value *st = NULL;
	if (qmp_execute(v->qmp, "query-status", NULL, &st, QMP_CONNECT_MS) == QMP_OK) {
		const struct json_value *run = json_get(st, "status");
		const char *status = run != NULL && json_string(run) ? json_string(run) : "?";
		char esc[128];
		verbose_f("QEMU status: %s", msb_log_escape(esc, sizeof(esc), status, strlen(status)));
	} else {
		error_f("query-status: %s", qmp_error_desc(v->qmp));
	}
	json_free(st);
	return 0;
}

long
vmm_boot(struct vmm *v, char *err, size_t errlen)
{
	int64_t start = msb_now_ms();
	bool try_kvm = v->cfg.accel == SANDBOX_ACCEL_KVM;

	v->status.reason[0] = '\0';
	if (v->cfg.accel == SANDBOX_ACCEL_AUTO) {
		int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			snprintf(v->status.reason, sizeof(v->status.reason),
			    "/dev/kvm: %s", strerror(errno));
		else if (v->kvm_broken[0] != '\0')
			snprintf(v->status.reason, sizeof(v->status.reason), "%s", v->kvm_broken);
		else
			try_kvm = true;
		if (fd >= 0)
			close(fd);
	}
	if (try_kvm) {
		if (boot_once(v, true, err, errlen) >= 0) {
			strcpy(v->status.accel, "kvm");
			return (long)(msb_now_ms() - start);
		}
		if (v->cfg.accel == SANDBOX_ACCEL_KVM)
			return -1;
		snprintf(v->status.reason, sizeof(v->status.reason),
		    "KVM boot failed, fell back to TCG: %.180s", err);
		info("%s", v->status.reason);
		vmm_report(v, VMM_REPORT_KVM_HUNG, "%s", err);
	}
	if (boot_once(v, false, err, errlen) < 0)
		return -1;
	strcpy(v->status.accel, "tcg");
	return (long)(msb_now_ms() - start);
}
