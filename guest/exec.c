/*
 * EXEC: start a command as a guest user, with pipes or a PTY, and relay its
 * streams over the agent protocol until it exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "lib/agent_io.h"
#include "lib/clock.h"
#include "guest_user.h"
#include "lib/log.h"

/* sshd's _PATH_BSHELL: the shell when passwd names none that exists. */
#define BSHELL "/bin/sh"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Output is read only while this much room is left for one more frame, so
 * the agent's memory stays bounded whatever the command writes. */
#define OUT_MAX (4 * MSB_AGENT_MAX_DATA + 64)
/* After exit, how long a PTY may stay quiet before its output is deemed
 * complete when something else still holds the terminal open. */
#define PTY_SETTLE_MS 100

struct child_fds {
	int in;        /* command's stdin (the PTY master with a PTY) */
	int out;       /* command's stdout (the PTY master with a PTY) */
	int err;       /* command's stderr, -1 with a PTY */
};

/* What the child reports through the status pipe when it cannot exec. */
struct spawn_failure {
	uint32_t code;
	int err;
};

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Builds the environment: login variables first, then the request's own. */
static char **
build_env(const struct msb_agent_exec *req, const struct guest_user *u)
{
	size_t n = 0, cap = (size_t)req->envc + 8;
	char **env = calloc(cap, sizeof(*env));

	if (env == NULL)
		return NULL;
	const char *fixed[][2] = {
		{ "PATH", u->uid == 0 ? DEFAULT_PATH : "/usr/local/bin:/usr/bin:/bin" },
		{ "HOME", u->home },
		{ "USER", u->name },
		{ "LOGNAME", u->name },
		{ "SHELL", u->shell },
		{ "TERM", (req->flags & MSB_EXEC_PTY) ? req->term : NULL },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (fixed[i][1] == NULL || fixed[i][1][0] == '\0')
			continue;
		if (asprintf(&env[n], "%s=%s", fixed[i][0], fixed[i][1]) < 0)
			goto fail;
		n++;
	}
	for (uint32_t i = 0; i < req->envc; i++) {
		size_t klen = (size_t)(strchr(req->env[i], '=') - req->env[i]) + 1;
		size_t j;
		/* A requested variable replaces a login default of the same name. */
		for (j = 0; j < n; j++) {
			if (strncmp(env[j], req->env[i], klen) == 0)
				break;
		}
		char *dup = strdup(req->env[i]);
		if (dup == NULL)
			goto fail;
		if (j < n)
			free(env[j]);
		else
			n++;
		env[j] = dup;
	}
	return env;
fail:
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void
free_env(char **env)
{
	for (size_t i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

static int
open_pty(int *master, char *slave, size_t slave_len, const struct msb_agent_exec *req)
{
	struct winsize ws = {
		.ws_col = (unsigned short)(req->cols ? req->cols : 80),
		.ws_row = (unsigned short)(req->rows ? req->rows : 24),
	};
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return -1;
	if (grantpt(m) != 0 || unlockpt(m) != 0 ||
	    ptsname_r(m, slave, slave_len) != 0 ||
	    ioctl(m, TIOCSWINSZ, &ws) != 0) {
		close(m);
		return -1;
	}
	*master = m;
	return 0;
}

static _Noreturn void
child_fail(int status_fd, uint32_t code)
{
	struct spawn_failure f = { .code = code, .err = errno };

	(void)!write(status_fd, &f, sizeof(f));
	_exit(127);
}

/*
 * As sshd runs a session: the user's shell from passwd, as a login shell
 * ("-bash") without a command, else "bash -c COMMAND" under its own name,
 * so what users type behaves as it does over any SSH server. Returns only
 * when the shell cannot be executed.
 */
static void
exec_shell(const char *shell, const char *command, char **env)
{
	const char *base = strrchr(shell, '/');
	char argv0[GUEST_USER_SHELL_MAX + 1];

	snprintf(argv0, sizeof(argv0), "%s%s", command[0] == '\0' ? "-" : "",
	    base != NULL ? base + 1 : shell);
	char *const login[] = { argv0, NULL };
	char *const cmd[] = { argv0, "-c", (char *)command, NULL };
	execve(shell, command[0] == '\0' ? login : cmd, env);
	/* A shell named in passwd but absent from the root (a trimmed or
	 * foreign image) still leaves the user a working sandbox. */
	if (errno == ENOENT && strcmp(shell, BSHELL) != 0)
		exec_shell(BSHELL, command, env);
}

/* In the child: becomes the command. Never returns. */
static _Noreturn void
child_exec(const struct msb_agent_exec *req, const struct guest_user *u,
    const char *cwd, char **env, int fds[3], const char *slave, int status_fd)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	/* A session of its own: signals go to its process group, and a PTY
	 * becomes its controlling terminal. */
	if (setsid() < 0)
		child_fail(status_fd, MSB_AGENT_E_INTERNAL);
	if (slave != NULL) {
		int s = open(slave, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
			child_fail(status_fd, MSB_AGENT_E_INTERNAL);
		fds[0] = fds[1] = fds[2] = s;
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			child_fail(status_fd, MSB_AGENT_E_INTERNAL);
	}
	for (int i = 0; i < 3; i++) {
		if (fds[i] > 2)
			close(fds[i]);
	}
	if (guest_user_become(u) != 0)
		child_fail(status_fd, MSB_AGENT_E_PERMISSION);
	if (chdir(cwd) != 0)
		child_fail(status_fd, MSB_AGENT_E_CWD);
	if (req->flags & MSB_EXEC_ARGV) {
		/* execvpe searches the PATH of the caller: use the command's. */
		environ = env;
		execvp(req->argv[0], req->argv);
	} else {
		exec_shell(u->shell, req->command, env);
	}
	child_fail(status_fd, MSB_AGENT_E_EXEC);
}

static const char *
choose_cwd(const struct msb_agent_exec *req, const struct guest_user *u)
{
	struct stat st;

	if (req->cwd[0] != '\0')
		return req->cwd;
	if (u->home[0] != '\0' && stat(u->home, &st) == 0 && S_ISDIR(st.st_mode))
		return u->home;
	return "/";
}

/*
 * Forks the command. Returns its pid, or -1 after replying ERROR. Waits for
 * the exec (status pipe closes on success) so that a command that cannot
 * start is an ERROR reply rather than a mysterious exit 127.
 */
static pid_t
spawn(int fd, struct msb_buf *out, const struct msb_agent_exec *req,
    struct child_fds *cf)
{
	const char *name = req->user[0] != '\0' ? req->user : "root";
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int status[2] = { -1, -1 };
	char slave[128];
	struct guest_user u;
	pid_t pid = -1;

	if (guest_user_lookup(name, &u) != 0) {
		if (errno == ENOENT)
			agent_reply_error(fd, out, MSB_AGENT_E_NO_USER,
			    "unknown user '%s'", name);
		else
			agent_reply_error(fd, out, MSB_AGENT_E_INTERNAL,
			    "cannot read the user database: %s", strerror(errno));
		return -1;
	}
	const char *cwd = choose_cwd(req, &u);
	char **env = build_env(req, &u);
	if (env == NULL) {
		agent_reply_error(fd, out, MSB_AGENT_E_INTERNAL, "out of memory");
		return -1;
	}
	*cf = (struct child_fds){ -1, -1, -1 };
	int ok = pipe2(status, O_CLOEXEC) == 0;
	if (ok && (req->flags & MSB_EXEC_PTY)) {
		ok = open_pty(&cf->in, slave, sizeof(slave), req) == 0 &&
		    (cf->out = fcntl(cf->in, F_DUPFD_CLOEXEC, 3)) >= 0;
	} else if (ok) {
		ok = pipe2(pin, O_CLOEXEC) == 0 && pipe2(pout, O_CLOEXEC) == 0 &&
		    pipe2(perr, O_CLOEXEC) == 0;
	}
	if (ok)
		pid = fork();
	if (pid == 0) {
		int fds[3] = { pin[0], pout[1], perr[1] };
		close(status[0]);
		child_exec(req, &u, cwd, env, fds,
		    (req->flags & MSB_EXEC_PTY) ? slave : NULL, status[1]);
	}
	int saved = errno;
	free_env(env);
	close_fd(&status[1]);
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	if (!(req->flags & MSB_EXEC_PTY)) {
		cf->in = pin[1];
		cf->out = pout[0];
		cf->err = perr[0];
	}
	if (pid < 0) {
		close_fd(&status[0]);
		close_fd(&cf->in);
		close_fd(&cf->out);
		close_fd(&cf->err);
		agent_reply_error(fd, out, MSB_AGENT_E_INTERNAL,
		    "cannot start the command: %s", strerror(saved));
		return -1;
	}

	struct spawn_failure f;
	ssize_t r;
	while ((r = read(status[0], &f, sizeof(f))) < 0 && errno == EINTR)
		;
	close_fd(&status[0]);
	if (r == (ssize_t)sizeof(f)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		close_fd(&cf->in);
		close_fd(&cf->out);
		close_fd(&cf->err);
		const char *what = f.code == MSB_AGENT_E_CWD ? cwd :
		    f.code == MSB_AGENT_E_EXEC ? ((req->flags & MSB_EXEC_ARGV) ?
		    req->argv[0] : "the shell") : name;
		agent_reply_error(fd, out, f.code, "%s: %s", what, strerror(f.err));
		return -1;
	}
	return pid;
}

/* Relay state for one running command. */
struct relay {
	int conn;
	struct child_fds cf;
	bool pty;
	pid_t pid;
	int pidfd;
	pid_t pgid;
	struct msb_buf in, out, stdin_q;
	uint32_t credit_given;      /* stdin bytes the host may still send */
	uint32_t credit_pending;    /* written to the command, not yet re-granted */
	bool stdin_eof;             /* host sent STDIN_EOF */
	bool conn_eof;
	bool exited;
	int wstatus;
	int64_t exit_ms;
	/* Without a PTY: bytes in the stdout and stderr pipes when the
	 * process exited, all of which go out before EXIT. */
	size_t backlog[2];
};

static int
queue_window(struct relay *r, uint32_t n)
{
	r->credit_given += n;
	return msb_agent_put_u32_msg(&r->out, MSB_AGENT_WINDOW, n);
}

static void
signal_command(struct relay *r, int sig)
{
	pid_t target = -r->pgid;

	/* With a PTY the foreground job is the one a terminal's ^C reaches. */
	if (r->pty) {
		pid_t fg = tcgetpgrp(r->cf.out);
		if (fg > 0)
			target = -fg;
	}
	if (kill(target, sig) != 0 && errno != ESRCH)
		verbose_f("kill %d: %s", (int)target, strerror(errno));
}

/* Handles one frame from the host; -1 ends the connection. */
static int
handle_frame(struct relay *r, uint8_t type, const uint8_t *body, size_t len)
{
	uint32_t a, b;

	switch (type) {
	case MSB_AGENT_STDIN:
		if (r->stdin_eof || len > r->credit_given) {
			error_f("host sent %zu stdin bytes beyond its window", len);
			return -1;
		}
		r->credit_given -= (uint32_t)len;
		if (r->cf.in < 0) {
			/* The command closed its stdin: discard, but keep the
			 * window open so the host is never stuck. */
			r->credit_pending += (uint32_t)len;
			return 0;
		}
		return msb_buf_put(&r->stdin_q, body, len);
	case MSB_AGENT_STDIN_EOF:
		if (len != 0)
			return -1;
		r->stdin_eof = true;
		return 0;
	case MSB_AGENT_RESIZE:
		if (msb_agent_get_resize(body, len, &a, &b) != 0)
			return -1;
		if (r->pty) {
			struct winsize ws = { .ws_col = (unsigned short)a, .ws_row = (unsigned short)b };
			if (ioctl(r->cf.out, TIOCSWINSZ, &ws) != 0)
				verbose_f("TIOCSWINSZ: %s", strerror(errno));
		}
		return 0;
	case MSB_AGENT_SIGNAL:
		if (msb_agent_get_u32_msg(body, len, &a) != 0 || a == 0 || a >= (uint32_t)NSIG)
			return -1;
		if (!r->exited)
			signal_command(r, (int)a);
		return 0;
	default:
		error_f("unexpected %s during exec", msb_agent_msg_name(type));
		return -1;
	}
}

static int
read_conn(struct relay *r)
{
	uint8_t *dst = msb_buf_reserve(&r->in, 64 * 1024);

	if (dst == NULL)
		dst = msb_buf_reserve(&r->in, msb_buf_room(&r->in));
	if (dst == NULL)
		return -1;
	ssize_t n = read(r->conn, dst, r->in.cap - r->in.len);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		r->conn_eof = true;
		return 0;
	}
	msb_buf_commit(&r->in, (size_t)n);
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		int rc = msb_agent_frame_peek(&r->in, &type, &body, &len);
		if (rc == 0)
			return 0;
		if (rc < 0 || handle_frame(r, type, body, len) != 0)
			return -1;
		msb_agent_frame_consume(&r->in, len);
	}
}

static void
write_stdin(struct relay *r)
{
	ssize_t n = write(r->cf.in, msb_buf_ptr(&r->stdin_q), msb_buf_avail(&r->stdin_q));

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* The command stopped reading (EPIPE): drop what is queued. */
		r->credit_pending += (uint32_t)msb_buf_avail(&r->stdin_q);
		msb_buf_reset(&r->stdin_q);
		if (!r->pty)
			close_fd(&r->cf.in);
		return;
	}
	msb_buf_consume(&r->stdin_q, (size_t)n);
	r->credit_pending += (uint32_t)n;
}

/*
 * Reads one chunk of output into an outgoing frame. Returns bytes read,
 * 0 at EOF (EIO on a PTY whose other side is gone), -1 with EAGAIN when
 * nothing is there, -1 with another errno on error.
 */
static ssize_t
read_output(struct relay *r, int fd, uint8_t type)
{
	size_t start;

	if (msb_agent_frame_begin(&r->out, type, &start) != 0) {
		errno = ENOBUFS;
		return -1;
	}
	uint8_t *dst = msb_buf_reserve(&r->out, MSB_AGENT_MAX_DATA);
	ssize_t n = dst == NULL ? -1 : read(fd, dst, MSB_AGENT_MAX_DATA);
	if (n <= 0) {
		int saved = errno;
		msb_agent_frame_abort(&r->out, start);
		if (n < 0 && saved == EIO && r->pty)
			return 0;
		errno = saved;
		return n;
	}
	msb_buf_commit(&r->out, (size_t)n);
	msb_agent_frame_end(&r->out, start);
	return n;
}

static int
out_has_room(const struct relay *r)
{
	return msb_buf_room(&r->out) >= MSB_AGENT_MAX_DATA + 16;
}

/* Returns 0 to go on, 1 when the stream is closed, -1 on error. */
static int
pump_output(struct relay *r, int *fd, uint8_t type)
{
	if (*fd < 0 || !out_has_room(r))
		return 0;
	size_t *backlog = &r->backlog[type == MSB_AGENT_STDERR];
	ssize_t n = read_output(r, *fd, type);
	if (n > 0) {
		*backlog -= (size_t)n < *backlog ? (size_t)n : *backlog;
		return 0;
	}
	*backlog = 0;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		verbose_f("read output: %s", strerror(errno));
	if (*fd == r->cf.out && r->pty) {
		close_fd(&r->cf.out);
		close_fd(&r->cf.in);
	} else {
		close_fd(fd);
	}
	return 1;
}

static size_t
pipe_bytes(int fd)
{
	int avail = 0;

	if (fd < 0 || ioctl(fd, FIONREAD, &avail) != 0 || avail < 0)
		return 0;
	return (size_t)avail;
}

/*
 * Whether what the command wrote before it exited has all been read. A pipe
 * is first in, first out: that is what was in it at the exit, whatever a
 * background job writes after. A PTY hands output over asynchronously, so
 * it gets a short quiet period instead, unless it reports that its other
 * side is gone (EIO), which is definitive.
 */
static bool
output_drained(struct relay *r)
{
	if (!r->pty)
		return r->backlog[0] == 0 && r->backlog[1] == 0;
	if (r->cf.out < 0)
		return true;
	if (pipe_bytes(r->cf.out) > 0)
		return false;
	return msb_now_ms() - r->exit_ms >= PTY_SETTLE_MS;
}

static void
note_exit(struct relay *r)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)r->pid, &si, WEXITED | WNOHANG) != 0 || si.si_pid == 0)
		return;
	r->exited = true;
	r->exit_ms = msb_now_ms();
	if (!r->pty) {
		r->backlog[0] = pipe_bytes(r->cf.out);
		r->backlog[1] = pipe_bytes(r->cf.err);
	}
	r->wstatus = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 :
	    (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
	close_fd(&r->pidfd);
}

static int
queue_exit(struct relay *r)
{
	struct msb_agent_exit e = { .kind = MSB_EXIT_CODE };

	if (WIFSIGNALED(r->wstatus)) {
		e.kind = MSB_EXIT_SIGNAL;
		e.value = (uint32_t)WTERMSIG(r->wstatus);
		e.core_dumped = WCOREDUMP(r->wstatus);
	} else {
		e.value = (uint32_t)WEXITSTATUS(r->wstatus);
	}
	verbose_f("pid %d exited: %s %u", (int)r->pid,
	    e.kind == MSB_EXIT_CODE ? "code" : "signal", e.value);
	return msb_agent_put_exit(&r->out, &e);
}

static int
flush_out(struct relay *r)
{
	ssize_t n = write(r->conn, msb_buf_ptr(&r->out), msb_buf_avail(&r->out));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	msb_buf_consume(&r->out, (size_t)n);
	return 0;
}

static int
relay_loop(struct relay *r)
{
	bool exit_queued = false;

	for (;;) {
		if (r->credit_pending >= MSB_AGENT_STDIN_WINDOW / 4 &&
		    msb_buf_room(&r->out) >= 16) {
			if (queue_window(r, r->credit_pending) != 0)
				return -1;
			r->credit_pending = 0;
		}
		if (r->stdin_eof && msb_buf_avail(&r->stdin_q) == 0 && !r->pty)
			close_fd(&r->cf.in);
		if (r->exited && !exit_queued && msb_buf_room(&r->out) >= 64 &&
		    output_drained(r)) {
			if (queue_exit(r) != 0)
				return -1;
			exit_queued = true;
			/* As sshd: input ends with the command, even when
			 * something it left behind holds the pipe. */
			if (!r->pty) {
				r->credit_pending += (uint32_t)msb_buf_avail(&r->stdin_q);
				msb_buf_reset(&r->stdin_q);
				close_fd(&r->cf.in);
			}
		}
		/* A PTY session ends with its command, as sshd ends it. Pipes
		 * go on until whatever the command left behind closes them. */
		if (exit_queued && msb_buf_avail(&r->out) == 0 &&
		    (r->pty || (r->cf.out < 0 && r->cf.err < 0)))
			return 0;

		struct pollfd pfd[5];
		for (int i = 0; i < 5; i++)
			pfd[i] = (struct pollfd){ .fd = -1 };
		short conn_ev = 0;
		if (!r->conn_eof)
			conn_ev |= POLLIN;
		if (msb_buf_avail(&r->out) > 0)
			conn_ev |= POLLOUT;
		pfd[0] = (struct pollfd){ .fd = r->conn, .events = conn_ev };
		if (r->pidfd >= 0)
			pfd[1] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
		if (r->cf.in >= 0 && msb_buf_avail(&r->stdin_q) > 0)
			pfd[2] = (struct pollfd){ .fd = r->cf.in, .events = POLLOUT };
		if ((!exit_queued || !r->pty) && out_has_room(r)) {
			if (r->cf.out >= 0)
				pfd[3] = (struct pollfd){ .fd = r->cf.out, .events = POLLIN };
			if (r->cf.err >= 0)
				pfd[4] = (struct pollfd){ .fd = r->cf.err, .events = POLLIN };
		}
		/* After exit, wake up to finish the PTY's quiet period. */
		int timeout = r->exited && !exit_queued ? PTY_SETTLE_MS / 4 : -1;
		if (poll(pfd, 5, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[0].revents & POLLOUT) {
			if (flush_out(r) != 0)
				return -1;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (read_conn(r) != 0)
				return -1;
			/* Once the exit is reported, a host that hangs up
			 * just does not want the rest of the output. */
			if (r->conn_eof)
				return exit_queued ? 0 : -1;
		}
		if (pfd[1].revents & POLLIN)
			note_exit(r);
		if (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP))
			write_stdin(r);
		if (pfd[3].revents || (r->exited && !exit_queued)) {
			if (pump_output(r, &r->cf.out, MSB_AGENT_STDOUT) < 0)
				return -1;
		}
		if (pfd[4].revents || (r->exited && !exit_queued)) {
			if (pump_output(r, &r->cf.err, MSB_AGENT_STDERR) < 0)
				return -1;
		}
	}
}

int
agent_exec(int fd, struct msb_buf *out, const struct msb_agent_exec *req)
{
	struct relay r = { .conn = fd, .pty = (req->flags & MSB_EXEC_PTY) != 0 };
	int rc;

	r.pid = spawn(fd, out, req, &r.cf);
	if (r.pid < 0)
		return 1;
	r.pgid = r.pid;
	r.pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);
	if (r.pidfd < 0) {
		kill(-r.pgid, SIGKILL);
		return agent_reply_error(fd, out, MSB_AGENT_E_INTERNAL,
		    "pidfd_open: %s (the agent needs Linux 5.3 or later)", strerror(errno));
	}
	msb_buf_init(&r.in, MSB_AGENT_MAX_FRAME + 64 * 1024 + 4);
	msb_buf_init(&r.out, OUT_MAX);
	msb_buf_init(&r.stdin_q, MSB_AGENT_STDIN_WINDOW);
	if (msb_agent_put_ok(&r.out) != 0 || queue_window(&r, MSB_AGENT_STDIN_WINDOW) != 0 ||
	    msb_set_nonblock(fd, 1) != 0 ||
	    msb_set_nonblock(r.cf.in, 1) != 0 || msb_set_nonblock(r.cf.out, 1) != 0 ||
	    (r.cf.err >= 0 && msb_set_nonblock(r.cf.err, 1) != 0))
		fatal_f("cannot set up the relay: %s", strerror(errno));
	char esc[1024];
	verbose_f("started pid %d as '%s'", (int)r.pid, req->user[0] ?
	    msb_log_escape(esc, sizeof(esc), req->user, strlen(req->user)) : "root");

	rc = relay_loop(&r);
	if (rc != 0 && !r.exited) {
		/* The host is gone: hang the command up as a closed terminal
		 * would, and leave the rest to PID 1's reaping. */
		verbose_f("connection lost; sending SIGHUP to pid %d", (int)r.pid);
		kill(-r.pgid, SIGHUP);
		kill(-r.pgid, SIGCONT);
	}
	close_fd(&r.cf.in);
	close_fd(&r.cf.out);
	close_fd(&r.cf.err);
	close_fd(&r.pidfd);
	msb_buf_free(&r.in);
	msb_buf_free(&r.out);
	msb_buf_free(&r.stdin_q);
	return rc == 0 ? 0 : 1;
}
