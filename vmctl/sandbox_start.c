/*
 * Starts a sandbox's vmm detached and waits for its one-line verdict on a
 * pipe: "ok MS ACCEL" or "error MESSAGE".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "lib/clock.h"
#include "host/helpers.h"
#include "lib/log.h"
#include "host/sandbox.h"
#include "lib/safe_file.h"
#include "sandbox_start.h"

/*
 * The vmm outlives its caller (a command, or a per-connection monitor): a
 * session of its own, no terminal, nothing inherited but the log and the
 * verdict pipe, and a second fork so that init, not the caller, reaps it.
 */
static void __attribute__((noreturn))
exec_vmm(const char *vmm, const char *name, const char *logpath, int verdict)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR);
	int log = msb_safe_append_path(logpath, 0600, false);

	if (setsid() < 0 || null < 0 || log < 0 || dup2(null, 0) < 0 ||
	    dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(verdict, 3) < 0)
		_exit(127);
	/* A monitor calls this with signals blocked and handlers set. */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (sigemptyset(&none) != 0 || sigprocmask(SIG_SETMASK, &none, NULL) != 0 ||
	    close_range(4, ~0u, 0) != 0)
		_exit(127);
	pid_t vpid = fork();
	if (vpid != 0)
		_exit(vpid < 0 ? 127 : 0);
	execl(vmm, "msb-vmm", "--name", name, "--ready-fd", "3", (char *)NULL);
	dprintf(2, "msb: cannot run %s: %s\n", vmm, strerror(errno));
	_exit(127);
}

/* Reads the vmm's verdict line, up to the start timeout. */
static int
read_verdict(const char *name, int fd, char *line, size_t len)
{
	struct sandbox_status st;
	int64_t deadline = msb_now_ms() + SANDBOX_START_TIMEOUT_MS;
	size_t n = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - msb_now_ms();
		if (left <= 0) {
			if (sandbox_status_read(name, &st) == 0 && st.vmm_pid > 0)
				kill(st.vmm_pid, SIGTERM);
			return -1;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		ssize_t r = read(fd, line + n, len - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0 || (n += (size_t)r) == len - 1 || memchr(line, '\n', n))
			break;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	return 0;
}

static int
boot(const char *name, struct sandbox_started *out, char *err, size_t errlen)
{
	char vmm[PATH_MAX], logpath[PATH_MAX], console[PATH_MAX], cant[MSB_HELPER_WHY_LEN];
	char line[1024];
	int p[2], status;

	/* Said here: once detached, the vmm's exec failure reaches only its log. */
	if (msb_helper_find(vmm, sizeof(vmm), "msb-vmm", cant, sizeof(cant)) != 0)
		return msb_errf(err, errlen, "cannot start '%s': %s", name, cant);
	if (sandbox_path(logpath, sizeof(logpath), name, "vmm.log") != 0 ||
	    sandbox_path(console, sizeof(console), name, "console.log") != 0)
		return msb_errf(err, errlen, "path too long");
	if (pipe2(p, O_CLOEXEC) != 0)
		return msb_errf(err, errlen, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return msb_errf(err, errlen, "fork: %s", strerror(errno));
	}
	if (pid == 0)
		exec_vmm(vmm, name, logpath, p[1]);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			close(p[0]);
			return msb_errf(err, errlen, "waitpid: %s", strerror(errno));
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		close(p[0]);
		return msb_errf(err, errlen, "cannot start the vmm for '%s'; see %s", name,
		    logpath);
	}
	int rc = read_verdict(name, p[0], line, sizeof(line));
	close(p[0]);
	if (rc != 0)
		return msb_errf(err, errlen,
		    "sandbox '%s' did not start within %d s; see %s and %s", name,
		    SANDBOX_START_TIMEOUT_MS / 1000, console, logpath);
	if (sscanf(line, "ok %ld %7s", &out->ms, out->accel) == 2)
		return 0;
	if (strncmp(line, "error ", 6) == 0)
		return msb_errf(err, errlen, "cannot start '%s': %s (see %s)", name, line + 6,
		    console);
	return msb_errf(err, errlen,
	    "cannot start '%s': the vmm exited without a word; see %s and %s", name,
	    logpath, console);
}

/* Another starter (an older msb, say) left it booting: wait for the verdict in its state. */
static int
wait_booting(const char *name, char *err, size_t errlen)
{
	struct sandbox_status st;
	int64_t deadline = msb_now_ms() + SANDBOX_START_TIMEOUT_MS;

	while (msb_now_ms() < deadline) {
		if (sandbox_status_read(name, &st) != 0)
			return msb_errf(err, errlen, "cannot read the state of '%s'", name);
		if (st.state == SANDBOX_RUNNING)
			return 0;
		if (st.state != SANDBOX_STARTING)
			return msb_errf(err, errlen, "sandbox '%s' failed to start: %s", name,
			    st.reason[0] != '\0' ? st.reason : sandbox_state_name(st.state));
		poll(NULL, 0, 50);
	}
	return msb_errf(err, errlen, "sandbox '%s' did not start within %d s", name,
	    SANDBOX_START_TIMEOUT_MS / 1000);
}

int
sandbox_boot(const char *name, struct sandbox_started *out, char *err, size_t errlen)
{
	struct sandbox_status st;
	char path[PATH_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	if (sandbox_path(path, sizeof(path), name, "start.lock") != 0)
		return msb_errf(err, errlen, "path too long");
	int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return msb_errf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	while ((rc = flock(lock, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		close(lock);
		return msb_errf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
	}
	if (sandbox_status_read(name, &st) != 0) {
		rc = msb_errf(err, errlen, "cannot read the state of '%s'", name);
	} else if (st.state == SANDBOX_RUNNING) {
		out->already = true;
		rc = 0;
	} else if (st.state == SANDBOX_STARTING) {
		out->already = true;
		rc = wait_booting(name, err, errlen);
	} else {
		rc = boot(name, out, err, errlen);
		if (rc == 0 && sandbox_status_read(name, &st) == 0)
			snprintf(out->reason, sizeof(out->reason), "%s", st.reason);
	}
	close(lock);
	return rc;
}
