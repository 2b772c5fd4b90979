/*
 * The client half of an EXEC: local stdin to the command (within the
 * agent's stdin window), its stdout/stderr to ours, local signals and
 * terminal size changes to the command, and its exit status back. As ssh
 * does, it stays for output written after the exit until the agent closes.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "cli.h"
#include "lib/log.h"
#include "lib/signals.h"

struct exec_client {
	struct msb_agent_client *c;
	uint32_t credit;
	bool stdin_done;
	bool agent_gone;    /* the agent stopped reading: send nothing more */
	bool exited;        /* EXIT seen: status is final, output may follow */
	bool done;          /* the stream ended, or we stopped listening */
	int status;
};

static int
take_frame(struct exec_client *x, uint8_t type, const uint8_t *body, size_t len)
{
	struct msb_agent_exit e;
	uint32_t n;

	switch (type) {
	case MSB_AGENT_WINDOW:
		if (msb_agent_get_u32_msg(body, len, &n) != 0 || n > UINT32_MAX - x->credit)
			return -1;
		x->credit += n;
		return 0;
	case MSB_AGENT_STDOUT:
	case MSB_AGENT_STDERR:
		if (msb_write_all(type == MSB_AGENT_STDOUT ? STDOUT_FILENO : STDERR_FILENO,
		    body, len) != 0) {
			if (errno == EPIPE) {
				x->done = true;
				x->status = 128 + SIGPIPE;
				return 0;
			}
			error("write: %s", strerror(errno));
			return -1;
		}
		return 0;
	case MSB_AGENT_EXIT:
		if (x->exited || msb_agent_get_exit(body, len, &e) != 0)
			return -1;
		x->exited = true;
		/* The command's stdin closed with it: read no more of ours. */
		x->stdin_done = true;
		if (e.kind == MSB_EXIT_CODE) {
			x->status = (int)e.value;
		} else {
			x->status = 128 + (int)e.value;
			error("remote command killed by signal %s%s",
			    sigabbrev_np((int)e.value) ? sigabbrev_np((int)e.value) : "?",
			    e.core_dumped ? " (core dumped)" : "");
		}
		return 0;
	default:
		return -1;
	}
}

static int
read_agent(struct exec_client *x)
{
	struct msb_buf *in = &x->c->in;
	uint8_t *dst = msb_buf_reserve(in, MSB_AGENT_MAX_DATA);

	if (dst == NULL)
		return -1;
	ssize_t n = read(x->c->fd, dst, MSB_AGENT_MAX_DATA);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	/* An agent that closes with our stdin or window grants unread in its
	 * socket ends the stream with ECONNRESET, after every byte it sent:
	 * after EXIT that is an end like EOF. */
	if (n < 0 && !(errno == ECONNRESET && x->exited))
		return -1;
	if (n <= 0) {
		if (x->exited) {
			x->done = true;
			return 0;
		}
		errno = ECONNRESET;
		return -1;
	}
	msb_buf_commit(in, (size_t)n);
	while (!x->done) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		int rc = msb_agent_frame_peek(in, &type, &body, &len);
		if (rc == 0)
			break;
		if (rc < 0 || take_frame(x, type, body, len) != 0) {
			errno = EPROTO;
			return -1;
		}
		msb_agent_frame_consume(in, len);
	}
	return 0;
}

/*
 * Sends what is queued. The agent may close its end right after EXIT, so a
 * write can fail while the EXIT is still waiting to be read: stop sending
 * then, and let the reads decide how the command ended.
 */
static int
flush_to_agent(struct exec_client *x)
{
	if (x->agent_gone)
		return 0;
	if (msb_flush_buf(x->c->fd, &x->c->out) == 0)
		return 0;
	if (errno != EPIPE && errno != ECONNRESET)
		return -1;
	x->agent_gone = true;
	x->stdin_done = true;
	msb_buf_reset(&x->c->out);
	return 0;
}

static int
send_stdin(struct exec_client *x)
{
	uint8_t buf[MSB_AGENT_MAX_DATA];
	size_t want = x->credit < sizeof(buf) ? x->credit : sizeof(buf);
	ssize_t n = read(STDIN_FILENO, buf, want);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		/* A read error on stdin ends input, as EOF does. */
		x->stdin_done = true;
		if (msb_agent_put_empty(&x->c->out, MSB_AGENT_STDIN_EOF) != 0)
			return -1;
	} else {
		x->credit -= (uint32_t)n;
		if (msb_agent_put_data(&x->c->out, MSB_AGENT_STDIN, buf, (size_t)n) != 0)
			return -1;
	}
	return flush_to_agent(x);
}

static int
forward_signal(struct exec_client *x, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int rc;
		if (x->exited && si.ssi_signo != SIGWINCH) {
			/* The command is gone and cannot take it: the signal
			 * is for us, waiting on what it left behind. */
			x->done = true;
			x->status = 128 + (int)si.ssi_signo;
			return 0;
		}
		if (si.ssi_signo == SIGWINCH) {
			struct winsize ws;
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0)
				continue;
			rc = msb_agent_put_resize(&x->c->out, ws.ws_col, ws.ws_row);
		} else {
			rc = msb_agent_put_u32_msg(&x->c->out, MSB_AGENT_SIGNAL, si.ssi_signo);
		}
		if (rc != 0)
			return -1;
	}
	return flush_to_agent(x);
}

int
agent_exec_relay(struct msb_agent_client *c, int tty)
{
	static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, 0 };
	struct exec_client x = { .c = c };
	struct termios saved;
	sigset_t old;
	int rc = 0;

	/* An ignored signal never reaches a signalfd, and shells start
	 * background jobs with SIGINT ignored: relay it all the same. */
	for (const int *s = relayed; *s != 0; s++) {
		if (signal(*s, SIG_DFL) == SIG_ERR)
			fatal_f("signal: %s", strerror(errno));
	}
	int sfd = msb_signalfd(relayed, &old);
	/* With a local terminal, keys go to the remote terminal untouched. */
	if (tty) {
		struct termios raw;
		if (tcgetattr(STDIN_FILENO, &saved) != 0)
			tty = 0;
		raw = saved;
		cfmakeraw(&raw);
		if (tty && tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
			tty = 0;
	}

	while (!x.done) {
		struct pollfd pfd[3] = {
			{ .fd = c->fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = (!x.stdin_done && x.credit > 0) ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && read_agent(&x) != 0) {
			rc = -1;
			break;
		}
		if ((pfd[1].revents & POLLIN) && forward_signal(&x, sfd) != 0) {
			rc = -1;
			break;
		}
		if ((pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) && send_stdin(&x) != 0) {
			rc = -1;
			break;
		}
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		error("connection to the agent lost: %s", strerror(errno));
		return 255;
	}
	return x.status;
}
