#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libssh/callbacks.h>

#include "channels.h"
#include "log.h"
#include "msg_fields.h"
#include "mux_proto.h"

/*
 * Client -> worker buffering. libssh re-offers bytes we leave it only when
 * the next packet arrives, and it reopens the client's window whenever its
 * window plus what we left is under WINDOWLIMIT (640000), up to WINDOWBASE
 * (1280000). So once we stop taking bytes it can hold at most about
 * 1.92 MB; we pull all of it at once when our buffer has that much room,
 * which it always has once the worker drained it. More than that means a
 * client writing past its window.
 */
#define LIBSSH_HELD_MAX  (640000u + 1280000u)
#define UP_MAX           (LIBSSH_HELD_MAX + 65536u)
/* Grant the worker its credit back in batches, not per write. */
#define GRANT_BATCH      (32u * 1024u)
#define MAX_PENDING_REQS 32u

struct pending_req {
	ssh_message msg;
	bool forwarded;   /* the worker answers it; otherwise it is refused */
};

struct pchan {
	struct pchan *next;
	struct chan_relay *r;
	uint32_t id;
	bool is_session;
	ssh_message open_msg;            /* until the worker answers the open */
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	struct pending_req reqs[MAX_PENDING_REQS];
	unsigned nreqs;

	/* client -> worker */
	struct msb_buf up;
	uint32_t up_credit;
	bool libssh_holds;               /* bytes we did not take yet */
	bool client_eof, eof_to_worker;
	bool client_closed, close_to_worker;

	/* worker -> client */
	struct msb_buf down_out, down_err;
	uint32_t down_credit;            /* bytes the worker may still send */
	uint32_t grant;                  /* written to SSH, not yet granted back */
	bool worker_eof, worker_closed, ssh_eof_sent, ssh_closed;
	bool exit_pending;
	uint32_t exit_code;
	char *exit_signal, *exit_message;
	bool exit_core;
	bool open_failed;
};

static struct pchan *
find_by_id(struct chan_relay *r, uint32_t id)
{
	for (struct pchan *c = r->chans; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static struct pchan *
find_by_channel(struct chan_relay *r, ssh_channel ch)
{
	for (struct pchan *c = r->chans; c != NULL && ch != NULL; c = c->next)
		if (c->ch == ch)
			return c;
	return NULL;
}

static void
send_or_fail(struct chan_relay *r, const struct msb_mux *m)
{
	if (mux_link_send(&r->mux, m) != 0)
		r->failed = true;
}

static void
send_simple(struct chan_relay *r, uint8_t type, uint32_t chan)
{
	struct msb_mux m = { .type = type, .chan = chan };

	send_or_fail(r, &m);
}

/* libssh callbacks: record, never act. */

static int
cb_data(ssh_session session, ssh_channel channel, void *data, uint32_t len,
    int is_stderr, void *userdata)
{
	struct pchan *c = userdata;
	size_t room = UP_MAX - msb_buf_avail(&c->up);
	size_t take = len < room ? len : room;

	c->r->activity = true;
	/* A client has no stderr to send; drop it rather than stall on it. */
	if (is_stderr)
		return (int)len;
	if (take > 0 && msb_buf_put(&c->up, data, take) != 0)
		take = 0;
	if (take < len)
		c->libssh_holds = true;
	return (int)take;
}

static void
cb_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct pchan *c = userdata;

	c->client_eof = true;
	c->r->activity = true;
}

static void
cb_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct pchan *c = userdata;

	c->client_closed = true;
	c->r->activity = true;
}

static void
cb_signal(ssh_session session, ssh_channel channel, const char *signal, void *userdata)
{
	struct pchan *c = userdata;
	struct msb_mux m = {
		.type = MSB_MUX_REQ_SIGNAL, .chan = c->id,
		.str = signal, .str_len = strlen(signal),
	};

	if (c->is_session && mux_link_send(&c->r->mux, &m) != 0) {
		char esc[256];
		verbose_f("channel %u: signal %s not relayed", c->id,
		    msb_log_escape(esc, sizeof(esc), signal, strlen(signal)));
	}
}

static int
cb_wontblock(ssh_session session, ssh_channel channel, uint32_t bytes, void *userdata)
{
	struct pchan *c = userdata;

	c->r->activity = true;
	return 0;
}

static struct pchan *
pchan_new(struct chan_relay *r, ssh_message open_msg, bool is_session)
{
	struct pchan *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->r = r;
	c->id = r->next_id++;
	c->is_session = is_session;
	c->open_msg = open_msg;
	msb_buf_init(&c->up, UP_MAX);
	msb_buf_init(&c->down_out, MSB_MUX_CHAN_WINDOW);
	msb_buf_init(&c->down_err, MSB_MUX_CHAN_WINDOW);
	c->down_credit = MSB_MUX_CHAN_WINDOW;
	c->up_credit = MSB_MUX_CHAN_WINDOW;
	c->next = r->chans;
	r->chans = c;
	r->nchans++;
	return c;
}

static void
pchan_free(struct chan_relay *r, struct pchan *c)
{
	for (struct pchan **pp = &r->chans; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	r->nchans--;
	for (unsigned i = 0; i < c->nreqs; i++)
		ssh_message_free(c->reqs[i].msg);
	if (c->open_msg != NULL) {
		if (ssh_message_reply_default(c->open_msg) != SSH_OK)
			verbose_f("channel %u: open refusal not sent", c->id);
		ssh_message_free(c->open_msg);
	}
	if (c->ch != NULL) {
		/* libssh keeps the channel until the client's CLOSE arrives and
		 * would call these callbacks then: detach them first. */
		ssh_remove_channel_callbacks(c->ch, &c->cb);
		ssh_channel_free(c->ch);
	}
	msb_buf_free(&c->up);
	msb_buf_free(&c->down_out);
	msb_buf_free(&c->down_err);
	free(c->exit_signal);
	free(c->exit_message);
	free(c);
}

void
chan_relay_init(struct chan_relay *r, ssh_session session, int mux_fd)
{
	memset(r, 0, sizeof(*r));
	r->session = session;
	r->next_id = 1;
	mux_link_init(&r->mux, mux_fd);
}

void
chan_relay_free(struct chan_relay *r)
{
	while (r->chans != NULL)
		pchan_free(r, r->chans);
	mux_link_free(&r->mux);
}

void
chan_relay_start(struct chan_relay *r)
{
	struct msb_mux m = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };

	send_or_fail(r, &m);
}

static void
open_channel(struct chan_relay *r, ssh_message msg)
{
	int subtype = ssh_message_subtype(msg);
	struct msb_mux m = { 0 };

	if ((subtype != SSH_CHANNEL_SESSION && subtype != SSH_CHANNEL_DIRECT_TCPIP) ||
	    r->nchans >= MSB_MUX_MAX_CHANS) {
		verbose_f("refusing a channel open of type %d", subtype);
		if (ssh_message_reply_default(msg) != SSH_OK)
			r->failed = true;
		ssh_message_free(msg);
		return;
	}
	if (subtype == SSH_CHANNEL_DIRECT_TCPIP) {
		const char *host = ssh_message_channel_request_open_destination(msg);
		const char *orig = ssh_message_channel_request_open_originator(msg);
		int port = ssh_message_channel_request_open_destination_port(msg);
		int oport = ssh_message_channel_request_open_originator_port(msg);

		if (host == NULL || orig == NULL || port < 1 || port > 65535 ||
		    oport < 0 || oport > 65535) {
			if (ssh_message_reply_default(msg) != SSH_OK)
				r->failed = true;
			ssh_message_free(msg);
			return;
		}
		m.type = MSB_MUX_OPEN_DIRECT_TCPIP;
		m.str = host;
		m.str_len = strlen(host);
		m.port = (uint32_t)port;
		m.str2 = orig;
		m.str2_len = strlen(orig);
		m.orig_port = (uint32_t)oport;
	} else {
		m.type = MSB_MUX_OPEN_SESSION;
	}
	struct pchan *c = pchan_new(r, msg, subtype == SSH_CHANNEL_SESSION);
	if (c == NULL) {
		error_f("out of memory");
		r->failed = true;
		ssh_message_free(msg);
		return;
	}
	m.chan = c->id;
	if (mux_link_send(&r->mux, &m) != 0) {
		/* Unencodable (e.g. an oversized host name): refuse just this one. */
		pchan_free(r, c);
	}
}

/* Answers, in order, every refused request at the head of the queue. */
static void
drain_refused(struct chan_relay *r, struct pchan *c)
{
	while (c->nreqs > 0 && !c->reqs[0].forwarded) {
		if (ssh_message_reply_default(c->reqs[0].msg) != SSH_OK)
			r->failed = true;
		ssh_message_free(c->reqs[0].msg);
		memmove(&c->reqs[0], &c->reqs[1], (c->nreqs - 1) * sizeof(c->reqs[0]));
		c->nreqs--;
	}
}

static bool
request_frame(ssh_message msg, struct pchan *c, struct msb_mux *m)
{
	const char *s, *v;

	m->chan = c->id;
	/* libssh 0.10 does not tell us the client's want_reply; it drops our
	 * reply itself when none was wanted, so the worker answers each. */
	m->want_reply = true;
	switch (ssh_message_subtype(msg)) {
	case SSH_CHANNEL_REQUEST_PTY:
		m->type = MSB_MUX_REQ_PTY;
		s = msg_pty_term(msg);
		if (s == NULL || msg_pty_cols(msg) < 0 || msg_pty_rows(msg) < 0)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		m->cols = (uint32_t)msg_pty_cols(msg);
		m->rows = (uint32_t)msg_pty_rows(msg);
		return true;
	case SSH_CHANNEL_REQUEST_ENV:
		m->type = MSB_MUX_REQ_ENV;
		s = ssh_message_channel_request_env_name(msg);
		v = ssh_message_channel_request_env_value(msg);
		if (s == NULL || v == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		m->str2 = v;
		m->str2_len = strlen(v);
		return true;
	case SSH_CHANNEL_REQUEST_EXEC:
		m->type = MSB_MUX_REQ_EXEC;
		s = ssh_message_channel_request_command(msg);
		if (s == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		return true;
	case SSH_CHANNEL_REQUEST_SHELL:
		m->type = MSB_MUX_REQ_SHELL;
		return true;
	case SSH_CHANNEL_REQUEST_SUBSYSTEM:
		m->type = MSB_MUX_REQ_SUBSYSTEM;
		s = ssh_message_channel_request_subsystem(msg);
		if (s == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		return true;
	default:
		return false;
	}
}

static void
channel_request(struct chan_relay *r, ssh_message msg)
{
	struct pchan *c = find_by_channel(r, ssh_message_channel_request_channel(msg));
	struct msb_mux m = { 0 };

	if (c != NULL && c->is_session &&
	    ssh_message_subtype(msg) == SSH_CHANNEL_REQUEST_WINDOW_CHANGE) {
		m.type = MSB_MUX_REQ_WINDOW_CHANGE;
		m.chan = c->id;
		if (msg_pty_cols(msg) >= 0 && msg_pty_rows(msg) >= 0) {
			m.cols = (uint32_t)msg_pty_cols(msg);
			m.rows = (uint32_t)msg_pty_rows(msg);
			send_or_fail(r, &m);
		}
		ssh_message_free(msg);
		return;
	}
	if (c == NULL || c->client_closed) {
		if (ssh_message_reply_default(msg) != SSH_OK)
			r->failed = true;
		ssh_message_free(msg);
		return;
	}
	if (c->nreqs == MAX_PENDING_REQS) {
		error_f("channel %u: more than %u requests unanswered", c->id, MAX_PENDING_REQS);
		r->failed = true;
		ssh_message_free(msg);
		return;
	}
	bool forward = c->is_session && request_frame(msg, c, &m) &&
	    mux_link_send(&r->mux, &m) == 0;
	if (!forward)
		verbose_f("channel %u: refusing request %d", c->id, ssh_message_subtype(msg));
	c->reqs[c->nreqs].msg = msg;
	c->reqs[c->nreqs].forwarded = forward;
	c->nreqs++;
	drain_refused(r, c);
}

void
chan_relay_message(struct chan_relay *r, ssh_message msg)
{
	r->activity = true;
	switch (ssh_message_type(msg)) {
	case SSH_REQUEST_CHANNEL_OPEN:
		open_channel(r, msg);
		return;
	case SSH_REQUEST_CHANNEL:
		channel_request(r, msg);
		return;
	default:
		/* Global requests (tcpip-forward, streamlocal-forward, ...) and
		 * anything late: the standard refusal. */
		verbose_f("refusing request of type %d/%d", ssh_message_type(msg),
		    ssh_message_subtype(msg));
		if (ssh_message_reply_default(msg) != SSH_OK)
			r->failed = true;
		ssh_message_free(msg);
		return;
	}
}

/* Worker -> network child frames. */

static void
open_confirmed(struct chan_relay *r, struct pchan *c)
{
	c->ch = ssh_message_channel_request_open_reply_accept(c->open_msg);
	ssh_message_free(c->open_msg);
	c->open_msg = NULL;
	if (c->ch == NULL) {
		error_f("channel %u: accepting the open failed", c->id);
		r->failed = true;
		return;
	}
	memset(&c->cb, 0, sizeof(c->cb));
	c->cb.userdata = c;
	c->cb.channel_data_function = cb_data;
	c->cb.channel_eof_function = cb_eof;
	c->cb.channel_close_function = cb_close;
	c->cb.channel_signal_function = cb_signal;
	c->cb.channel_write_wontblock_function = cb_wontblock;
	ssh_callbacks_init(&c->cb);
	if (ssh_set_channel_callbacks(c->ch, &c->cb) != SSH_OK) {
		error_f("channel %u: cannot set callbacks", c->id);
		r->failed = true;
	}
}

static bool
take_exit_signal(struct pchan *c, const struct msb_mux *m)
{
	c->exit_signal = strndup(m->str, m->str_len);
	c->exit_message = strndup(m->str2 != NULL ? m->str2 : "", m->str2_len);
	c->exit_core = m->core;
	return c->exit_signal != NULL && c->exit_message != NULL;
}

static bool
apply_frame(struct chan_relay *r, const struct msb_mux *m)
{
	if (m->type == MSB_MUX_HELLO) {
		if (r->hello_seen || m->version != MSB_MUX_VERSION) {
			error_f("unexpected HELLO (version %u)", m->version);
			return false;
		}
		r->hello_seen = true;
		return true;
	}
	if (!r->hello_seen) {
		error_f("%s before HELLO", msb_mux_msg_name(m->type));
		return false;
	}
	struct pchan *c = find_by_id(r, m->chan);
	if (c == NULL || c->worker_closed || c->open_failed) {
		error_f("%s for unknown channel %u", msb_mux_msg_name(m->type), m->chan);
		return false;
	}
	bool opening = c->open_msg != NULL;
	if (opening != (m->type == MSB_MUX_OPEN_CONFIRM || m->type == MSB_MUX_OPEN_FAILURE)) {
		error_f("channel %u: %s out of order", c->id, msb_mux_msg_name(m->type));
		return false;
	}
	switch (m->type) {
	case MSB_MUX_OPEN_CONFIRM:
		open_confirmed(r, c);
		return true;
	case MSB_MUX_OPEN_FAILURE: {
		/* The worker's reason may quote the guest. */
		char why[1024];
		verbose_f("channel %u: open failed (%u): %s", c->id, m->n,
		    msb_log_escape(why, sizeof(why), m->str != NULL ? m->str : "",
		    m->str != NULL ? m->str_len : 0));
		c->open_failed = true;
		return true;
	}
	case MSB_MUX_REQ_REPLY:
		drain_refused(r, c);
		if (c->nreqs == 0) {
			error_f("channel %u: reply without a request", c->id);
			return false;
		}
		if (m->ok ? ssh_message_channel_request_reply_success(c->reqs[0].msg) != SSH_OK :
		    ssh_message_reply_default(c->reqs[0].msg) != SSH_OK)
			r->failed = true;
		ssh_message_free(c->reqs[0].msg);
		memmove(&c->reqs[0], &c->reqs[1], (c->nreqs - 1) * sizeof(c->reqs[0]));
		c->nreqs--;
		drain_refused(r, c);
		return true;
	case MSB_MUX_DATA:
	case MSB_MUX_EXT_DATA:
		if (m->len > c->down_credit || c->worker_eof) {
			error_f("channel %u: data past its credit or EOF", c->id);
			return false;
		}
		c->down_credit -= (uint32_t)m->len;
		if (c->client_closed)
			return true;
		return msb_buf_put(m->type == MSB_MUX_DATA ? &c->down_out : &c->down_err,
		    m->data, m->len) == 0;
	case MSB_MUX_WINDOW:
		if (m->n > UINT32_MAX - c->up_credit) {
			error_f("channel %u: credit overflow", c->id);
			return false;
		}
		c->up_credit += m->n;
		return true;
	case MSB_MUX_EXIT_STATUS:
	case MSB_MUX_EXIT_SIGNAL:
		if (c->exit_pending || c->worker_eof) {
			error_f("channel %u: second exit report", c->id);
			return false;
		}
		c->exit_pending = true;
		c->exit_code = m->n;
		return m->type == MSB_MUX_EXIT_STATUS || take_exit_signal(c, m);
	case MSB_MUX_EOF:
		c->worker_eof = true;
		return true;
	case MSB_MUX_CLOSE:
		c->worker_eof = true;
		c->worker_closed = true;
		return true;
	default:
		error_f("unexpected %s from the worker", msb_mux_msg_name(m->type));
		return false;
	}
}

void
chan_relay_mux_input(struct chan_relay *r)
{
	struct msb_mux m;
	int rc;

	while (!r->failed && (rc = msb_mux_get(&r->mux.in, &m)) != 0) {
		if (rc < 0) {
			error_f("malformed frame from the session worker");
			r->failed = true;
			return;
		}
		r->activity = true;
		if (!apply_frame(r, &m))
			r->failed = true;
		msb_mux_consume(&r->mux.in, &m);
	}
	if (r->mux.eof && !r->failed) {
		verbose_f("the session worker closed the mux");
		r->failed = true;
	}
}

/* Client -> worker: our buffer first, then what libssh still holds. */
static bool
pump_up(struct chan_relay *r, struct pchan *c)
{
	bool progress = false;

	if (c->libssh_holds && !c->client_closed) {
		int held = ssh_channel_poll(c->ch, 0);

		if (held > (int)LIBSSH_HELD_MAX) {
			error_f("channel %u: client wrote past its window", c->id);
			r->failed = true;
			return false;
		}
		if (held <= 0) {
			c->libssh_holds = false;
		} else if ((size_t)held <= UP_MAX - msb_buf_avail(&c->up)) {
			uint8_t *p = msb_buf_reserve(&c->up, (size_t)held);
			int n = p == NULL ? -1 : ssh_channel_read_nonblocking(c->ch, p, (uint32_t)held, 0);

			if (n < 0) {
				r->failed = true;
				return false;
			}
			msb_buf_commit(&c->up, (size_t)n);
			c->libssh_holds = false;
			progress = true;
		}
	}
	while (msb_buf_avail(&c->up) > 0 && c->up_credit > 0 && !c->close_to_worker) {
		size_t n = msb_buf_avail(&c->up);

		if (n > c->up_credit)
			n = c->up_credit;
		if (n > MSB_MUX_MAX_DATA)
			n = MSB_MUX_MAX_DATA;
		struct msb_mux m = {
			.type = MSB_MUX_DATA, .chan = c->id, .data = msb_buf_ptr(&c->up), .len = n,
		};
		send_or_fail(r, &m);
		msb_buf_consume(&c->up, n);
		c->up_credit -= (uint32_t)n;
		progress = true;
	}
	if (c->client_eof && !c->eof_to_worker && msb_buf_avail(&c->up) == 0 &&
	    !c->libssh_holds) {
		send_simple(r, MSB_MUX_EOF, c->id);
		c->eof_to_worker = true;
		progress = true;
	}
	if (c->client_closed && !c->close_to_worker) {
		send_simple(r, MSB_MUX_CLOSE, c->id);
		c->close_to_worker = true;
		progress = true;
	}
	return progress;
}

static size_t
write_down(struct chan_relay *r, struct pchan *c, struct msb_buf *b, bool is_stderr)
{
	size_t n = msb_buf_avail(b);
	uint32_t window = ssh_channel_window_size(c->ch);

	if (n == 0 || window == 0)
		return 0;
	if (n > window)
		n = window;
	int w = is_stderr ? ssh_channel_write_stderr(c->ch, msb_buf_ptr(b), (uint32_t)n) :
	    ssh_channel_write(c->ch, msb_buf_ptr(b), (uint32_t)n);
	if (w < 0) {
		const char *e = ssh_get_error(r->session);
		char esc[1024];
		verbose_f("channel %u: write: %s", c->id, msb_log_escape(esc, sizeof(esc), e, strlen(e)));
		r->failed = true;
		return 0;
	}
	msb_buf_consume(b, (size_t)w);
	c->grant += (uint32_t)w;
	return (size_t)w;
}

static void
send_exit(struct chan_relay *r, struct pchan *c)
{
	int rc;

	if (c->exit_signal != NULL)
		rc = ssh_channel_request_send_exit_signal(c->ch, c->exit_signal,
		    c->exit_core, c->exit_message, "");
	else
		rc = ssh_channel_request_send_exit_status(c->ch, (int)c->exit_code);
	if (rc != SSH_OK)
		verbose_f("channel %u: exit report not sent", c->id);
	c->exit_pending = false;
}

/* Worker -> client: data within the SSH window, then exit, EOF, close. */
static bool
pump_down(struct chan_relay *r, struct pchan *c)
{
	bool progress = false;

	if (c->client_closed) {
		msb_buf_reset(&c->down_out);
		msb_buf_reset(&c->down_err);
	} else {
		progress |= write_down(r, c, &c->down_out, false) > 0;
		progress |= write_down(r, c, &c->down_err, true) > 0;
	}
	bool drained = msb_buf_avail(&c->down_out) == 0 && msb_buf_avail(&c->down_err) == 0;
	if (c->grant > 0 && (c->grant >= GRANT_BATCH || drained) && !c->close_to_worker) {
		struct msb_mux m = { .type = MSB_MUX_WINDOW, .chan = c->id, .n = c->grant };

		send_or_fail(r, &m);
		c->down_credit += c->grant;
		c->grant = 0;
		progress = true;
	}
	if (!drained || c->client_closed)
		return progress;
	if (c->exit_pending) {
		send_exit(r, c);
		progress = true;
	}
	if (c->worker_eof && !c->ssh_eof_sent) {
		if (ssh_channel_send_eof(c->ch) != SSH_OK)
			verbose_f("channel %u: EOF not sent", c->id);
		c->ssh_eof_sent = true;
		progress = true;
	}
	if (c->worker_closed && !c->ssh_closed) {
		if (ssh_channel_close(c->ch) != SSH_OK)
			verbose_f("channel %u: close not sent", c->id);
		c->ssh_closed = true;
		progress = true;
	}
	return progress;
}

bool
chan_relay_pump(struct chan_relay *r)
{
	bool progress = false;
	struct pchan *next;

	for (struct pchan *c = r->chans; c != NULL && !r->failed; c = next) {
		next = c->next;
		if (c->open_failed) {
			pchan_free(r, c);
			progress = true;
			continue;
		}
		if (c->ch == NULL)
			continue;
		progress |= pump_up(r, c);
		progress |= pump_down(r, c);
		if (c->worker_closed && !c->close_to_worker && (c->ssh_closed || c->client_closed)) {
			send_simple(r, MSB_MUX_CLOSE, c->id);
			c->close_to_worker = true;
		}
		if (c->worker_closed && c->close_to_worker) {
			pchan_free(r, c);
			progress = true;
		}
	}
	return progress;
}
