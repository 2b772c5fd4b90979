#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "lib/log.h"
#include "lib/mux_proto.h"

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
	bool exit_seen;                  /* one exit report per channel */
	bool exit_pending;               /* seen, not yet sent */
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
		chan_ssh_drop(c->reqs[i].msg);
	if (c->open_msg != NULL && chan_ssh_reply(c->open_msg, false) != 0)
		verbose_f("channel %u: open refusal not sent", c->id);
	if (c->ch != NULL)
		chan_ssh_free(c->ch, &c->cb);
	msb_buf_free(&c->up);
	msb_buf_free(&c->down_out);
	msb_buf_free(&c->down_err);
	free(c->exit_signal);
	free(c->exit_message);
	free(c);
}

void
chan_relay_init(struct chan_relay *r, int mux_fd)
{
	memset(r, 0, sizeof(*r));
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

void
chan_relay_open(struct chan_relay *r, ssh_message msg, const struct msb_mux *open)
{
	r->activity = true;
	if (r->nchans >= MSB_MUX_MAX_CHANS) {
		verbose_f("refusing a channel open: %u channels open", r->nchans);
		if (chan_ssh_reply(msg, false) != 0)
			r->failed = true;
		return;
	}
	struct pchan *c = pchan_new(r, msg, open->type == MSB_MUX_OPEN_SESSION);
	if (c == NULL) {
		error_f("out of memory");
		r->failed = true;
		chan_ssh_drop(msg);
		return;
	}
	struct msb_mux m = *open;
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
		if (chan_ssh_reply(c->reqs[0].msg, false) != 0)
			r->failed = true;
		memmove(&c->reqs[0], &c->reqs[1], (c->nreqs - 1) * sizeof(c->reqs[0]));
		c->nreqs--;
	}
}

void
chan_relay_window_change(struct chan_relay *r, ssh_message msg, ssh_channel ch,
    const struct msb_mux *wc)
{
	struct pchan *c = find_by_channel(r, ch);

	r->activity = true;
	if (c == NULL || !c->is_session) {
		chan_relay_request(r, msg, ch, NULL);
		return;
	}
	if (wc != NULL) {
		struct msb_mux m = *wc;

		m.chan = c->id;
		send_or_fail(r, &m);
	}
	chan_ssh_drop(msg);
}

void
chan_relay_request(struct chan_relay *r, ssh_message msg, ssh_channel ch,
    const struct msb_mux *req)
{
	struct pchan *c = find_by_channel(r, ch);

	r->activity = true;
	if (c == NULL || c->client_closed) {
		if (chan_ssh_reply(msg, false) != 0)
			r->failed = true;
		return;
	}
	if (c->nreqs == MAX_PENDING_REQS) {
		error_f("channel %u: more than %u requests unanswered", c->id, MAX_PENDING_REQS);
		r->failed = true;
		chan_ssh_drop(msg);
		return;
	}
	bool forward = false;
	if (c->is_session && req != NULL) {
		struct msb_mux m = *req;

		m.chan = c->id;
		forward = mux_link_send(&r->mux, &m) == 0;
	}
	if (!forward)
		verbose_f("channel %u: refusing request %s", c->id,
		    req != NULL ? msb_mux_msg_name(req->type) : "of a kind not relayed");
	c->reqs[c->nreqs].msg = msg;
	c->reqs[c->nreqs].forwarded = forward;
	c->nreqs++;
	drain_refused(r, c);
}

/*
 * Worker -> network child frames. Each handler returns false for a frame
 * that breaks the protocol (the connection then ends).
 */

static bool
on_open_confirm(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	memset(&c->cb, 0, sizeof(c->cb));
	c->cb.userdata = c;
	c->cb.channel_data_function = cb_data;
	c->cb.channel_eof_function = cb_eof;
	c->cb.channel_close_function = cb_close;
	c->cb.channel_signal_function = cb_signal;
	c->cb.channel_write_wontblock_function = cb_wontblock;
	ssh_callbacks_init(&c->cb);
	c->ch = chan_ssh_accept(c->open_msg, &c->cb);
	c->open_msg = NULL;
	if (c->ch == NULL) {
		error_f("channel %u: not opened", c->id);
		r->failed = true;
	}
	return true;
}

static bool
on_open_failure(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	/* The worker's reason may quote the guest. */
	char why[1024];
	verbose_f("channel %u: open failed (%u): %s", c->id, m->n,
	    msb_log_escape(why, sizeof(why), m->str != NULL ? m->str : "",
	    m->str != NULL ? m->str_len : 0));
	c->open_failed = true;
	return true;
}

static bool
on_req_reply(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	drain_refused(r, c);
	if (c->nreqs == 0) {
		error_f("channel %u: reply without a request", c->id);
		return false;
	}
	if (chan_ssh_reply(c->reqs[0].msg, m->ok) != 0)
		r->failed = true;
	memmove(&c->reqs[0], &c->reqs[1], (c->nreqs - 1) * sizeof(c->reqs[0]));
	c->nreqs--;
	drain_refused(r, c);
	return true;
}

static bool
on_data(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	if (m->len > c->down_credit || c->worker_eof) {
		error_f("channel %u: data past its credit or EOF", c->id);
		return false;
	}
	c->down_credit -= (uint32_t)m->len;
	if (c->client_closed)
		return true;
	return msb_buf_put(m->type == MSB_MUX_DATA ? &c->down_out : &c->down_err,
	    m->data, m->len) == 0;
}

static bool
on_window(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	if (m->n > UINT32_MAX - c->up_credit) {
		error_f("channel %u: credit overflow", c->id);
		return false;
	}
	c->up_credit += m->n;
	return true;
}

static bool
on_exit_report(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	if (c->exit_seen || c->worker_eof) {
		error_f("channel %u: second exit report", c->id);
		return false;
	}
	c->exit_seen = true;
	c->exit_pending = true;
	c->exit_code = m->n;
	if (m->type == MSB_MUX_EXIT_STATUS)
		return true;
	c->exit_signal = strndup(m->str, m->str_len);
	c->exit_message = strndup(m->str2 != NULL ? m->str2 : "", m->str2_len);
	c->exit_core = m->core;
	return c->exit_signal != NULL && c->exit_message != NULL;
}

static bool
on_eof(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	c->worker_eof = true;
	return true;
}

static bool
on_close(struct chan_relay *r, struct pchan *c, const struct msb_mux *m)
{
	c->worker_eof = true;
	c->worker_closed = true;
	return true;
}

/*
 * Every frame the worker may send about a channel (lib/mux_proto.h), and
 * when: the open's answer only while the open is unanswered, the rest only
 * after it was confirmed; an exit report only on a session channel.
 * Anything else, or anything on a channel that is not open, ends the
 * connection.
 */
static const struct worker_frame {
	uint8_t type;
	bool answers_open;
	bool session_only;
	bool (*apply)(struct chan_relay *, struct pchan *, const struct msb_mux *);
} worker_frames[] = {
	{ MSB_MUX_OPEN_CONFIRM, true, false, on_open_confirm },
	{ MSB_MUX_OPEN_FAILURE, true, false, on_open_failure },
	{ MSB_MUX_REQ_REPLY, false, false, on_req_reply },
	{ MSB_MUX_DATA, false, false, on_data },
	{ MSB_MUX_EXT_DATA, false, false, on_data },
	{ MSB_MUX_WINDOW, false, false, on_window },
	{ MSB_MUX_EXIT_STATUS, false, true, on_exit_report },
	{ MSB_MUX_EXIT_SIGNAL, false, true, on_exit_report },
	{ MSB_MUX_EOF, false, false, on_eof },
	{ MSB_MUX_CLOSE, false, false, on_close },
};

static bool
apply_frame(struct chan_relay *r, const struct msb_mux *m)
{
	const struct worker_frame *row = NULL;

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
	for (size_t i = 0; i < sizeof(worker_frames) / sizeof(worker_frames[0]); i++)
		if (worker_frames[i].type == m->type)
			row = &worker_frames[i];
	if (row == NULL) {
		error_f("unexpected %s from the worker", msb_mux_msg_name(m->type));
		return false;
	}
	struct pchan *c = find_by_id(r, m->chan);
	if (c == NULL || c->worker_closed || c->open_failed) {
		error_f("%s for unknown channel %u", msb_mux_msg_name(m->type), m->chan);
		return false;
	}
	if (row->answers_open != (c->open_msg != NULL)) {
		error_f("channel %u: %s out of order", c->id, msb_mux_msg_name(m->type));
		return false;
	}
	if (row->session_only && !c->is_session) {
		error_f("channel %u: %s on a direct-tcpip channel", c->id,
		    msb_mux_msg_name(m->type));
		return false;
	}
	return row->apply(r, c, m);
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
		int held = chan_ssh_held(c->ch);

		if (held > (int)LIBSSH_HELD_MAX) {
			error_f("channel %u: client wrote past its window", c->id);
			r->failed = true;
			return false;
		}
		if (held <= 0) {
			c->libssh_holds = false;
		} else if ((size_t)held <= UP_MAX - msb_buf_avail(&c->up)) {
			uint8_t *p = msb_buf_reserve(&c->up, (size_t)held);
			int n = p == NULL ? -1 : chan_ssh_read(c->ch, p, (uint32_t)held);

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
	uint32_t window = chan_ssh_window(c->ch);

	if (n == 0 || window == 0)
		return 0;
	if (n > window)
		n = window;
	int w = chan_ssh_write(c->ch, msb_buf_ptr(b), (uint32_t)n, is_stderr);
	if (w < 0) {
		const char *e = chan_ssh_error(c->ch);
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
		rc = chan_ssh_exit_signal(c->ch, c->exit_signal, c->exit_core, c->exit_message);
	else
		rc = chan_ssh_exit_status(c->ch, c->exit_code);
	if (rc != 0)
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
		if (chan_ssh_eof(c->ch) != 0)
			verbose_f("channel %u: EOF not sent", c->id);
		c->ssh_eof_sent = true;
		progress = true;
	}
	if (c->worker_closed && !c->ssh_closed) {
		if (chan_ssh_close(c->ch) != 0)
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
