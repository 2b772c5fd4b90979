/*
 * One SSH channel and its agent stream, as a state machine:
 *
 *   session:      SETUP --exec/shell/subsystem--> [RECORD] -> CONNECTING
 *   direct-tcpip: (open) -------------------------------> CONNECTING
 *   CONNECTING -> [VSOCK] -> HELLO -> REPLY -> RUNNING -> DONE
 *
 * Every step waits on the agent socket through the one poll loop, never
 * in a blocking call, and any step can fail into DONE (a message and an
 * exit status for a session, OPEN_FAILURE for an unconfirmed forward).
 * A channel is freed once CLOSE has gone both ways.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "lib/agent_proto.h"
#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "session.h"

#define SOFTWARE "msb-session " PACKAGE_VERSION

struct chan *
chan_find(struct session *s, uint32_t id)
{
	for (size_t i = 0; i < s->nchans; i++) {
		struct chan *c = s->chans[i];
		/* A channel closed both ways is dead: its id may be reused. */
		if (c->id == id && !(c->close_sent && c->close_rcvd))
			return c;
	}
	return NULL;
}

void
chan_free(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->rec_fd >= 0)
		close(c->rec_fd);
	free(c->term);
	for (size_t i = 0; i < c->nenv; i++)
		free(c->env[i]);
	free(c->detail);
	msb_buf_free(&c->req);
	msb_buf_free(&c->pend);
	msb_buf_free(&c->aout);
	msb_buf_free(&c->ain);
	free(c);
}

static struct chan *
chan_new(struct session *s, uint32_t id, enum chan_kind kind)
{
	struct chan *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->id = id;
	c->kind = kind;
	c->fd = -1;
	c->rec_fd = -1;
	c->exit = -1;
	c->in_credit = MSB_MUX_CHAN_WINDOW;
	c->out_credit = MSB_MUX_CHAN_WINDOW;
	msb_buf_init(&c->req, 1024 + MSB_AGENT_MAX_FRAME);
	msb_buf_init(&c->pend, MSB_MUX_CHAN_WINDOW);
	msb_buf_init(&c->aout, MSB_AGENT_MAX_FRAME + 4);
	msb_buf_init(&c->ain, MSB_AGENT_MAX_FRAME + 4);
	s->chans[s->nchans++] = c;
	return c;
}

static void
open_failure(struct session *s, uint32_t id, uint32_t reason, const char *msg)
{
	struct msb_mux m = {
		.type = MSB_MUX_OPEN_FAILURE, .chan = id, .n = reason,
		.str = msg, .str_len = strlen(msg),
	};

	mux_send(s, &m);
}

static void
reply(struct session *s, struct chan *c, const struct msb_mux *req, bool ok)
{
	/* As sshd: no reply once our CLOSE is out. The network child forgets
	 * the channel at that CLOSE and takes any later frame for it as a
	 * broken worker, ending the whole connection. */
	if (!req->want_reply || c->close_sent)
		return;
	struct msb_mux m = { .type = MSB_MUX_REQ_REPLY, .chan = c->id, .ok = ok };
	mux_send(s, &m);
}

/* Queues hello and the request in c->req; the dial sends it. */
static int
queue_hello(struct chan *c)
{
	struct msb_agent_hello h = {
		.magic = MSB_AGENT_MAGIC, .version = MSB_AGENT_VERSION, .software = SOFTWARE,
	};

	return msb_agent_put_hello(&c->req, &h);
}

static int
open_tcpip(struct session *s, const struct msb_mux *m)
{
	if (s->flags & MSB_MON_F_NO_PORT_FORWARD) {
		open_failure(s, m->chan, MSB_MUX_OPEN_PROHIBITED, "port forwarding is disabled");
		return 0;
	}
	struct chan *c = chan_new(s, m->chan, CHAN_TCPIP);
	if (c == NULL) {
		open_failure(s, m->chan, MSB_MUX_OPEN_RESOURCE, "out of memory");
		return 0;
	}
	c->mode = MODE_RAW;
	char *host = strndup(m->str, m->str_len);
	if (host == NULL || asprintf(&c->detail, "%s:%u", host, m->port) < 0) {
		c->detail = NULL;
		free(host);
		chan_fail(s, c, -1, "out of memory");
		return 0;
	}
	struct msb_agent_connect req = {
		.host = host, .port = m->port, .timeout_ms = SESSION_CONNECT_MS,
	};
	int rc = queue_hello(c) == 0 ? msb_agent_put_connect(&c->req, &req) : -1;
	free(host);
	audit_open(s, c);
	if (rc != 0)
		chan_fail(s, c, -1, "cannot encode the connect request");
	else
		agent_dial_start(s, c);
	return 0;
}

static uint32_t
sessions_open(const struct session *s)
{
	uint32_t n = 0;

	for (size_t i = 0; i < s->nchans; i++)
		n += s->chans[i]->kind == CHAN_SESSION;
	return n;
}

int
chan_open(struct session *s, const struct msb_mux *m)
{
	if (chan_find(s, m->chan) != NULL) {
		error_f("channel %u opened twice", m->chan);
		return -1;
	}
	if (s->nchans >= MSB_MUX_MAX_CHANS) {
		open_failure(s, m->chan, MSB_MUX_OPEN_RESOURCE, "too many channels");
		return 0;
	}
	if (m->type == MSB_MUX_OPEN_DIRECT_TCPIP)
		return open_tcpip(s, m);
	if (sessions_open(s) >= s->max_sessions) {
		/* As sshd at MaxSessions; the connection and its other channels go on. */
		info("refused a session channel: %u open (--max-sessions)", s->max_sessions);
		open_failure(s, m->chan, MSB_MUX_OPEN_PROHIBITED, "too many sessions");
		return 0;
	}
	if (chan_new(s, m->chan, CHAN_SESSION) == NULL) {
		open_failure(s, m->chan, MSB_MUX_OPEN_RESOURCE, "out of memory");
		return 0;
	}
	mux_send_simple(s, MSB_MUX_OPEN_CONFIRM, m->chan);
	return 0;
}

static bool
req_pty(struct session *s, struct chan *c, const struct msb_mux *m)
{
	if ((s->flags & MSB_MON_F_NO_PTY) || c->pty)
		return false;
	c->term = strndup(m->str, m->str_len);
	if (c->term == NULL)
		return false;
	c->pty = true;
	c->cols = m->cols;
	c->rows = m->rows;
	return true;
}

static bool
req_env(struct session *s, struct chan *c, const struct msb_mux *m)
{
	char name[256];

	if (m->str_len >= sizeof(name))
		return false;
	memcpy(name, m->str, m->str_len);
	name[m->str_len] = '\0';
	if (!policy_env_allowed(s->env_allow, name)) {
		char esc[sizeof(name) * 4];
		verbose_f("channel %u: refused environment variable %s", c->id,
		    msb_log_escape(esc, sizeof(esc), name, strlen(name)));
		return false;
	}
	size_t n = m->str_len + 1 + m->str2_len + 1;
	if (c->nenv == SESSION_MAX_ENV || c->env_bytes + n > SESSION_MAX_ENV_BYTES)
		return false;
	char *e = malloc(n);
	if (e == NULL)
		return false;
	snprintf(e, n, "%s=%.*s", name, (int)m->str2_len, m->str2);
	c->env[c->nenv++] = e;
	c->env_bytes += n;
	return true;
}

/* Builds the EXEC request: command "" is the login shell. */
static int
queue_exec(struct session *s, struct chan *c, const char *command, const char *original)
{
	char *env[SESSION_MAX_ENV + 2];
	char *orig_env = NULL;
	size_t n = 0;

	for (size_t i = 0; i < c->nenv; i++)
		env[n++] = c->env[i];
	if (original != NULL) {
		if (asprintf(&orig_env, "SSH_ORIGINAL_COMMAND=%s", original) < 0)
			return -1;
		env[n++] = orig_env;
	}
	env[n] = NULL;
	struct msb_agent_exec req = {
		.flags = c->pty ? MSB_EXEC_PTY : 0,
		.command = (char *)command,
		.env = env,
		.envc = (uint32_t)n,
		.cwd = "",
		.user = s->guest_user,
		.term = c->term != NULL ? c->term : "",
		.cols = c->cols,
		.rows = c->rows,
	};
	int rc = queue_hello(c) == 0 ? msb_agent_put_exec(&c->req, &req) : -1;
	free(orig_env);
	return rc;
}

static int
queue_sftp(struct session *s, struct chan *c)
{
	struct msb_agent_sftp req = {
		.user = s->guest_user,
		.flags = ((s->flags & MSB_MON_F_SFTP_READ_ONLY) ? MSB_SFTP_F_READ_ONLY : 0) |
		    ((s->flags & MSB_MON_F_SFTP_ALLOW) ? MSB_SFTP_F_ALLOW : 0),
		.deny = s->sftp_deny,
		.allow = s->sftp_allow,
	};

	return queue_hello(c) == 0 ? msb_agent_put_sftp(&c->req, &req) : -1;
}

void
chan_start(struct session *s, struct chan *c)
{
	audit_open(s, c);
	if (c->req_too_large)
		chan_fail(s, c, 1, "the request is too large");
	else
		agent_dial_start(s, c);
}

/* exec, shell or subsystem: decides what runs and queues its agent request. */
static bool
req_program(struct session *s, struct chan *c, const struct msb_mux *m)
{
	char *asked = NULL;

	if (m->type != MSB_MUX_REQ_SHELL && (asked = strndup(m->str, m->str_len)) == NULL)
		return false;
	bool subsystem = m->type == MSB_MUX_REQ_SUBSYSTEM;
	bool forced = (s->flags & MSB_MON_F_FORCED_COMMAND) != 0;
	if (subsystem && (strcmp(asked, "sftp") != 0 ||
	    (!forced && (s->flags & MSB_MON_F_NO_SFTP)))) {
		char esc[256];
		verbose_f("channel %u: refused subsystem %s", c->id,
		    msb_log_escape(esc, sizeof(esc), asked, strlen(asked)));
		free(asked);
		return false;
	}
	int rc;
	if (forced) {
		c->mode = MODE_EXEC;
		c->what = MSB_MON_WHAT_EXEC;
		c->detail = strdup(s->command);
		rc = queue_exec(s, c, s->command, asked);
	} else if (subsystem) {
		c->mode = MODE_RAW;
		c->what = MSB_MON_WHAT_SUBSYSTEM;
		c->sftp = true;
		c->detail = strdup("subsystem sftp");
		rc = queue_sftp(s, c);
	} else {
		c->mode = MODE_EXEC;
		c->what = asked != NULL ? MSB_MON_WHAT_EXEC : MSB_MON_WHAT_SHELL;
		c->detail = strdup(asked != NULL ? asked : "shell");
		rc = queue_exec(s, c, asked != NULL ? asked : "", NULL);
	}
	free(asked);
	c->req_too_large = rc != 0;
	return true;
}

/* The program goes on: once its recording file is there (--record), to the dial. */
static void
program_start(struct session *s, struct chan *c)
{
	if (s->flags & MSB_MON_F_RECORD)
		record_request(s, c, c->what);
	else
		chan_start(s, c);
}

static void
queue_control(struct chan *c, int rc)
{
	if (rc != 0)
		verbose_f("channel %u: control message dropped: agent queue full", c->id);
}

static bool
req_window_change(struct session *s, struct chan *c, const struct msb_mux *m)
{
	if (c->mode != MODE_EXEC || !c->pty)
		return false;
	if (c->state == CH_SETUP) {
		c->cols = m->cols;
		c->rows = m->rows;
		return true;
	}
	if (c->state != CH_DONE)
		queue_control(c, msb_agent_put_resize(&c->aout, m->cols, m->rows));
	char size[32];
	int n = snprintf(size, sizeof(size), "%ux%u", m->cols, m->rows);
	record_event(s, c, 'r', (const uint8_t *)size, (size_t)n);
	return true;
}

static bool
req_signal(struct session *s, struct chan *c, const struct msb_mux *m)
{
	char name[16];

	(void)s;
	if (c->mode != MODE_EXEC || m->str_len >= sizeof(name))
		return false;
	memcpy(name, m->str, m->str_len);
	name[m->str_len] = '\0';
	int signo = policy_signal_number(name);
	if (signo == 0) {
		char esc[sizeof(name) * 4];
		verbose_f("channel %u: unknown signal %s", c->id,
		    msb_log_escape(esc, sizeof(esc), name, strlen(name)));
		return false;
	}
	if (c->state != CH_DONE)
		queue_control(c, msb_agent_put_u32_msg(&c->aout, MSB_AGENT_SIGNAL, (uint32_t)signo));
	return true;
}

#define IN(state) (1u << (state))
#define ANY_STATE (IN(CH_DONE + 1) - 1)

/*
 * What a session channel may ask in which of its states (RFC 4254 6.2-6.10);
 * anything else, and anything on a forward, is refused. The handler then
 * applies the session's settings (no-pty, the environment filter, SFTP, the
 * forced command); an accepted program starts once its reply is out.
 */
static const struct req_rule {
	uint8_t type;
	unsigned states;          /* IN(CH_...) for each state it is taken in */
	bool starts;              /* accepted, it starts the channel's program */
	bool (*handle)(struct session *s, struct chan *c, const struct msb_mux *m);
} req_rules[] = {
	{ MSB_MUX_REQ_PTY, IN(CH_SETUP), false, req_pty },
	{ MSB_MUX_REQ_ENV, IN(CH_SETUP), false, req_env },
	{ MSB_MUX_REQ_EXEC, IN(CH_SETUP), true, req_program },
	{ MSB_MUX_REQ_SHELL, IN(CH_SETUP), true, req_program },
	{ MSB_MUX_REQ_SUBSYSTEM, IN(CH_SETUP), true, req_program },
	/* Before the program it sets the PTY's first size. */
	{ MSB_MUX_REQ_WINDOW_CHANGE, ANY_STATE, false, req_window_change },
	{ MSB_MUX_REQ_SIGNAL, ANY_STATE & ~IN(CH_SETUP), false, req_signal },
};

int
chan_request(struct session *s, struct chan *c, const struct msb_mux *m)
{
	const struct req_rule *r = NULL;

	for (size_t i = 0; i < sizeof(req_rules) / sizeof(req_rules[0]); i++)
		if (req_rules[i].type == m->type && c->kind == CHAN_SESSION)
			r = &req_rules[i];
	bool ok = r != NULL && (r->states & IN(c->state)) != 0 && r->handle(s, c, m);
	/* The reply goes first, so that a failure to reach the agent still
	 * reads to the client as a program's stderr and exit status. */
	reply(s, c, m, ok);
	if (ok && r->starts)
		program_start(s, c);
	return 0;
}

int
chan_mux_data(struct session *s, struct chan *c, const struct msb_mux *m)
{
	(void)s;
	if (m->len > c->in_credit || c->mux_eof) {
		error_f("channel %u: %zu bytes beyond the window or after EOF", c->id, m->len);
		return -1;
	}
	c->in_credit -= (uint32_t)m->len;
	c->bytes_in += m->len;
	/* Nobody will read it: give the credit straight back. */
	if (c->state == CH_SETUP || c->state == CH_DONE || c->agent_wdead) {
		c->owed += (uint32_t)m->len;
		return 0;
	}
	if (msb_buf_put(&c->pend, m->data, m->len) != 0)
		fatal_f("channel %u: window accounting broken", c->id);
	return 0;
}

static void
close_agent(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	msb_buf_reset(&c->pend);
	msb_buf_reset(&c->aout);
	msb_buf_reset(&c->ain);
}

void
chan_mux_close(struct session *s, struct chan *c)
{
	c->close_rcvd = true;
	/* Closing the stream makes the agent hang up the command. */
	close_agent(c);
	c->state = CH_DONE;
	if (!c->close_sent) {
		mux_send_simple(s, MSB_MUX_CLOSE, c->id);
		c->close_sent = true;
	}
}

/* Sends what is left of a finished channel: status, EOF, CLOSE. */
void
chan_finish(struct session *s, struct chan *c)
{
	close_agent(c);
	c->state = CH_DONE;
	if (c->close_sent)
		return;
	if (!c->eof_sent)
		mux_send_simple(s, MSB_MUX_EOF, c->id);
	mux_send_simple(s, MSB_MUX_CLOSE, c->id);
	c->eof_sent = c->close_sent = true;
}

void
chan_send_exit(struct session *s, struct chan *c, int status, int signo, bool core)
{
	if (c->exit_sent || c->close_sent || c->kind != CHAN_SESSION)
		return;
	if (signo != 0) {
		const char *name = policy_signal_name(signo);
		char unknown[32];
		if (name == NULL) {
			/* As OpenSSH names a signal it cannot name. */
			snprintf(unknown, sizeof(unknown), "SIG@openssh.com");
			name = unknown;
		}
		struct msb_mux m = {
			.type = MSB_MUX_EXIT_SIGNAL, .chan = c->id, .core = core,
			.str = name, .str_len = strlen(name), .str2 = "", .str2_len = 0,
		};
		mux_send(s, &m);
		c->exit = 128 + signo;
	} else {
		struct msb_mux m = { .type = MSB_MUX_EXIT_STATUS, .chan = c->id, .n = (uint32_t)status };
		mux_send(s, &m);
		c->exit = status;
	}
	c->exit_sent = true;
}

void
chan_fail(struct session *s, struct chan *c, int status, const char *fmt, ...)
{
	char msg[600], why[sizeof(msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* msg may carry the guest's words. */
	msb_log_escape(why, sizeof(why), msg, strlen(msg));
	if (c->kind == CHAN_TCPIP && c->state != CH_RUNNING && c->state != CH_DONE) {
		/* Not confirmed yet: the open itself fails, and nothing more
		 * will be said about this channel. libssh 0.10 refuses an open
		 * only as "administratively prohibited" with no text, so the
		 * client never sees msg: the server's log is where it is read. */
		char where[128];
		const char *d = c->detail != NULL ? c->detail : "?";
		info("channel %u: forward to %s failed: %s", c->id,
		    msb_log_escape(where, sizeof(where), d, strlen(d)), why);
		open_failure(s, c->id, MSB_MUX_OPEN_CONNECT_FAIL, msg);
		close_agent(c);
		c->state = CH_DONE;
		c->close_sent = c->close_rcvd = true;
		return;
	}
	verbose_f("channel %u: %s", c->id, why);
	if (c->kind == CHAN_SESSION && !c->close_sent && !c->eof_sent) {
		char line[640];
		int n = snprintf(line, sizeof(line), "msb: %s%s", msg, c->pty ? "\r\n" : "\n");
		size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
		if (len > c->out_credit)
			len = c->out_credit;
		if (len > 0) {
			struct msb_mux m = {
				.type = MSB_MUX_EXT_DATA, .chan = c->id,
				.data = (const uint8_t *)line, .len = len,
			};
			mux_send(s, &m);
			c->out_credit -= (uint32_t)len;
		}
		chan_send_exit(s, c, status < 0 ? 255 : status, 0, false);
	}
	chan_finish(s, c);
}

void
chan_pump(struct session *s, struct chan *c)
{
	if (c->state == CH_RUNNING)
		relay_pump(s, c);
}

short
chan_poll_events(const struct session *s, const struct chan *c)
{
	if (c->fd < 0)
		return 0;
	switch (c->state) {
	case CH_CONNECTING:
	case CH_VSOCK:
	case CH_HELLO:
	case CH_REPLY:
		return agent_dial_events(c);
	case CH_RUNNING:
		return relay_events(s, c);
	default:
		return 0;
	}
}

void
chan_io(struct session *s, struct chan *c, short revents)
{
	if (c->state == CH_RUNNING)
		relay_io(s, c, revents);
	else if (c->state != CH_SETUP && c->state != CH_RECORD && c->state != CH_DONE)
		agent_dial_io(s, c, revents);
	chan_pump(s, c);
}

void
chan_reap(struct session *s)
{
	size_t j = 0;

	for (size_t i = 0; i < s->nchans; i++) {
		struct chan *c = s->chans[i];
		if (c->close_sent && c->close_rcvd) {
			record_close(s, c);
			audit_close(s, c);
			chan_free(c);
		} else {
			s->chans[j++] = c;
		}
	}
	s->nchans = j;
}
