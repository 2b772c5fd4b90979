/*
 * libFuzzer target for the network child's channel relay (preauth/channels.c,
 * mux_link.c): its state machine fed by a hostile session worker over a real
 * socketpair, while a model SSH client opens channels, makes requests, sends
 * data, EOF and close, and opens its window. The relay's effects on the SSH
 * connection (preauth/chan_ssh.h) are defined here over that model instead of
 * libssh, as Dropbear's fuzz harnesses run its server over fake descriptors;
 * libssh reaches the relay through the channel callbacks it registered, and
 * so does the model. The loop is serve.c's: fill, decode and apply the
 * worker's frames, pump, flush.
 *
 * Beyond "no crash", the model checks what the relay does to the client and
 * to the worker: no write to a channel the client closed, or after our EOF
 * or close, or past the client's window; the bytes written are the ones the
 * worker sent on that channel, in order; exit report, EOF and close at most
 * once and in that order, an exit report only on a session channel; the
 * client's requests answered in order, and with
 * success only where the worker said yes; every open answered once; the
 * worker gets well-formed frames, the client's bytes in order and never past
 * the credit it granted, credit back only for bytes written to the client,
 * nothing on a channel after our CLOSE; once the client opens its window,
 * everything the worker sent is delivered; every message and channel freed.
 * And the connection ends exactly when a peer breaks the protocol: the
 * harness decodes the worker's stream itself and holds it to
 * lib/mux_proto.h's rules (its own statement of them, not the relay's).
 *
 * Input: byte 0 picks the setup (bits 0-1: the client's first window of 0,
 * 5, 32 KiB or 2 MiB; bit 2: writes take at most half of what is offered;
 * bit 3: after its first three effects, every one fails as on a dead socket),
 * bytes 1-2 (big-endian) the length of the client's script (ops below),
 * the rest is what the session worker writes on the mux, fed a few frames
 * at a time when the script says so, then one frame at a time.
 *
 * MSB_FUZZ_SEEDS=DIR writes the seed corpus, its frames encoded by the real
 * codec (lib/mux_proto.c), and exits: regress/fuzz/corpus/preauth_mux holds
 * its output. MSB_FUZZ_LOG=1 shows the relay's log, to read what an input does.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preauth/channels.h"
#include "input_split.h"
#include "lib/log.h"
#include "lib/mux_proto.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MCH  32     /* channels the model opens per input */
#define MAX_ID   64     /* relay channel ids the model follows */
/*
 * What the relay lets a client do (preauth/channels.c): leave libssh holding
 * more than its window allows, or have more requests unanswered.
 */
#define CLIENT_HELD_MAX  (640000u + 1280000u)
#define CLIENT_REQS_MAX  32u

#define must(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_preauth_mux: oracle failed: %s (%s:%d)\n", what, \
		    __FILE__, __LINE__); \
		abort(); \
	} \
} while (0)

/* The client's script. */
enum op {
	OP_OPEN_SESSION, OP_OPEN_TCPIP, OP_REQUEST, OP_DATA, OP_EXT_DATA, OP_EOF,
	OP_CLOSE, OP_SIGNAL, OP_WINDOW, OP_WORKER_FRAMES, OP_WORKER_BYTES, OP_WORKER_REPLAY,
	OP_NOPS,
};
enum req_kind {
	RQ_PTY, RQ_ENV, RQ_EXEC, RQ_SHELL, RQ_SUBSYSTEM, RQ_OTHER, RQ_WINCH, RQ_BAD_WINCH, RQ_KINDS,
};

/* --- the model client --------------------------------------------------------------- */

struct mchan {
	struct ssh_message_struct *open;   /* until answered */
	bool accepted, refused, freed;
	bool is_session;
	uint32_t id;                       /* the relay's, 0 when it sent no OPEN */
	struct ssh_channel_struct *ch;
	struct ssh_channel_callbacks_struct *cb;
	/* client -> relay */
	uint32_t window;                   /* what the client lets us write */
	bool client_eof, client_closed;
	struct msb_buf held;               /* sent, not yet taken by the relay */
	uint64_t up_sent;
	/* relay -> client */
	uint64_t written[2];
	bool exit_sent, eof_sent, close_sent;
	unsigned reqs_made, reqs_answered, successes, dropped;
};

struct ssh_channel_struct {
	struct mchan *mc;
};

struct ssh_message_struct {
	struct mchan *mc;
	bool is_open;
	bool notice;       /* a window change relayed as such: never answered */
	unsigned seq;      /* requests: their order on the channel */
};

/* What the worker said about each channel id, decoded by the real codec. */
struct wchan {
	struct msb_buf expect[2];     /* DATA, EXT_DATA payloads in order */
	uint64_t credit;              /* what the relay may send us */
	unsigned replies, oks;        /* REQ_REPLY, and those ok */
	bool answered, open_failed, exit, eof, close;
};

/* What the relay sent the worker about each channel id. */
struct rchan {
	struct mchan *mc;
	uint64_t sent, granted;
	unsigned forwarded;           /* requests the worker answers */
	bool opened, eof, close;
};

static struct {
	unsigned setup;
	struct chan_relay relay;
	int worker_fd;
	struct mchan ch[MAX_MCH];
	unsigned nch;
	struct wchan w[MAX_ID];
	struct rchan rc[MAX_ID];
	struct msb_buf wfed, rout;     /* worker -> relay as fed, relay -> worker as read */
	bool whello, hello;
	bool wbad;          /* the worker broke the protocol: the relay must end */
	bool client_bad;    /* so did the client (past its window, too many requests) */
	bool ssh_failed;    /* an effect failed: the relay may end */
	unsigned effects;
	bool mux_closed;
	const uint8_t *wnext, *wend;
	const uint8_t *wlast;          /* the last whole frame fed */
	size_t wlast_len;
} f;

static uint8_t
pattern(const struct mchan *mc, uint64_t off)
{
	return (uint8_t)(off * 7u + (uint64_t)(mc - f.ch) * 13u + 1u);
}

static struct mchan *
by_ch(ssh_channel ch)
{
	must(ch != NULL && ch->mc != NULL, "a channel the model never gave out");
	must(!ch->mc->freed, "the relay used a channel it freed");
	return ch->mc;
}

/* --- the effects (preauth/chan_ssh.h) --------------------------------------------- */

/* Whether this effect fails (setup bit 3). */
static bool
ssh_fails(void)
{
	if ((f.setup & 8) == 0 || ++f.effects <= 3)
		return false;
	f.ssh_failed = true;
	return true;
}

int
chan_ssh_reply(ssh_message msg, bool ok)
{
	struct mchan *mc = msg->mc;

	if (msg->is_open) {
		must(!ok, "an open answered with a request's success");
		must(mc->open == msg, "an open answered twice");
		mc->open = NULL;
		mc->refused = true;
	} else {
		must(!msg->notice, "a window-change notice answered");
		must(msg->seq == mc->reqs_answered, "requests answered out of order");
		mc->reqs_answered++;
		if (ok) {
			must(mc->id != 0 && mc->id < MAX_ID && mc->successes < f.w[mc->id].oks,
			    "a request granted that the worker did not grant");
			mc->successes++;
		}
	}
	free(msg);
	return ssh_fails() ? -1 : 0;
}

void
chan_ssh_drop(ssh_message msg)
{
	if (msg->is_open) {
		must(msg->mc->open == msg, "an open dropped twice");
		msg->mc->open = NULL;
		msg->mc->refused = true;
	} else if (!msg->notice) {
		msg->mc->dropped++;
	}
	free(msg);
}

ssh_channel
chan_ssh_accept(ssh_message open, struct ssh_channel_callbacks_struct *cb)
{
	struct mchan *mc = open->mc;

	must(open->is_open && mc->open == open, "accepted something not an open");
	must(cb != NULL && cb->size == sizeof(*cb) && cb->channel_data_function != NULL,
	    "callbacks not set up");
	mc->open = NULL;
	free(open);
	if (ssh_fails()) {
		mc->refused = true;
		return NULL;
	}
	mc->ch = calloc(1, sizeof(*mc->ch));
	if (mc->ch == NULL)
		abort();
	mc->ch->mc = mc;
	mc->cb = cb;
	mc->accepted = true;
	return mc->ch;
}

void
chan_ssh_free(ssh_channel ch, struct ssh_channel_callbacks_struct *cb)
{
	struct mchan *mc = by_ch(ch);

	must(cb == mc->cb, "other callbacks removed than were set");
	mc->freed = true;
	mc->dropped = 0;
	mc->reqs_answered = mc->reqs_made;
	mc->cb = NULL;
}

int
chan_ssh_held(ssh_channel ch)
{
	struct mchan *mc = by_ch(ch);

	must(!mc->client_closed, "read a closed channel");
	return (int)msb_buf_avail(&mc->held);
}

int
chan_ssh_read(ssh_channel ch, void *buf, uint32_t len)
{
	struct mchan *mc = by_ch(ch);
	size_t n = msb_buf_avail(&mc->held);

	if (n > len)
		n = len;
	if (n > 0)
		memcpy(buf, msb_buf_ptr(&mc->held), n);
	msb_buf_consume(&mc->held, n);
	return (int)n;
}

uint32_t
chan_ssh_window(ssh_channel ch)
{
	return by_ch(ch)->window;
}

int
chan_ssh_write(ssh_channel ch, const void *buf, uint32_t len, bool is_stderr)
{
	struct mchan *mc = by_ch(ch);
	const struct msb_buf *e = &f.w[mc->id].expect[is_stderr];
	uint64_t at = mc->written[is_stderr];

	must(!mc->client_closed, "wrote to a channel the client closed");
	must(!mc->eof_sent && !mc->close_sent, "wrote after our EOF or close");
	must(len > 0 && len <= mc->window, "wrote past the client's window");
	must(at + len <= msb_buf_avail(e) && memcmp(msb_buf_ptr(e) + at, buf, len) == 0,
	    "wrote bytes the worker did not send there");
	if (ssh_fails())
		return -1;
	if ((f.setup & 4) != 0 && len > 1)
		len = (len + 1) / 2;
	mc->window -= len;
	mc->written[is_stderr] += len;
	return (int)len;
}

const char *
chan_ssh_error(ssh_channel ch)
{
	return "the model's error";
}

static void
before_exit_report(struct mchan *mc)
{
	must(mc->is_session, "exit reported on a direct-tcpip channel");
	must(!mc->client_closed, "exit reported on a channel the client closed");
	must(!mc->exit_sent, "a second exit report");
	must(!mc->eof_sent && !mc->close_sent, "exit reported after EOF or close");
	mc->exit_sent = true;
}

int
chan_ssh_exit_status(ssh_channel ch, uint32_t code)
{
	before_exit_report(by_ch(ch));
	return ssh_fails() ? -1 : 0;
}

int
chan_ssh_exit_signal(ssh_channel ch, const char *sig, bool core, const char *message)
{
	must(sig != NULL && message != NULL, "an exit signal without its strings");
	before_exit_report(by_ch(ch));
	return ssh_fails() ? -1 : 0;
}

/* Our EOF or close: all the worker sent before it is written. */
static void
all_written(const struct mchan *mc)
{
	must(mc->written[0] == msb_buf_avail(&f.w[mc->id].expect[0]) &&
	    mc->written[1] == msb_buf_avail(&f.w[mc->id].expect[1]),
	    "EOF or close before the worker's data");
}

int
chan_ssh_eof(ssh_channel ch)
{
	struct mchan *mc = by_ch(ch);

	must(!mc->client_closed, "EOF to a channel the client closed");
	must(!mc->eof_sent && !mc->close_sent, "a second EOF, or EOF after close");
	all_written(mc);
	mc->eof_sent = true;
	return ssh_fails() ? -1 : 0;
}

int
chan_ssh_close(ssh_channel ch)
{
	struct mchan *mc = by_ch(ch);

	must(!mc->close_sent, "a second close");
	must(mc->client_closed || mc->eof_sent, "close without EOF");
	mc->close_sent = true;
	return ssh_fails() ? -1 : 0;
}

/* --- the worker's side of the mux --------------------------------------------------- */

/*
 * Whether a frame from the worker breaks lib/mux_proto.h's rules, given what
 * it sent before and what the relay sent it (read before this was fed).
 */
static bool
worker_breaks_protocol(const struct msb_mux *m)
{
	if (m->type == MSB_MUX_HELLO) {
		bool again = f.whello;

		f.whello = true;
		return again || m->version != MSB_MUX_VERSION;
	}
	if (!f.whello || m->chan >= MAX_ID || f.rc[m->chan].mc == NULL)
		return true;
	struct wchan *w = &f.w[m->chan];
	const struct rchan *r = &f.rc[m->chan];
	if (w->close || w->open_failed)
		return true;
	if ((m->type == MSB_MUX_OPEN_CONFIRM || m->type == MSB_MUX_OPEN_FAILURE) == w->answered)
		return true;
	switch (m->type) {
	case MSB_MUX_OPEN_CONFIRM:
		w->answered = true;
		return false;
	case MSB_MUX_OPEN_FAILURE:
		w->answered = w->open_failed = true;
		return false;
	case MSB_MUX_REQ_REPLY:
		return w->replies++ == r->forwarded;
	case MSB_MUX_DATA:
	case MSB_MUX_EXT_DATA:
		return w->eof || msb_buf_avail(&w->expect[0]) + msb_buf_avail(&w->expect[1]) +
		    m->len > MSB_MUX_CHAN_WINDOW + r->granted;
	case MSB_MUX_WINDOW:
		return m->n > UINT32_MAX - (MSB_MUX_CHAN_WINDOW + w->credit - r->sent);
	case MSB_MUX_EXIT_STATUS:
	case MSB_MUX_EXIT_SIGNAL:
		if (!r->mc->is_session || w->exit || w->eof)
			return true;
		w->exit = true;
		return false;
	case MSB_MUX_EOF:
		w->eof = true;
		return false;
	case MSB_MUX_CLOSE:
		w->eof = w->close = true;
		return false;
	default:
		return true;    /* the relay's own frames */
	}
}

/* What the worker sent, as the relay will read it: the model's expectations. */
static void
learn_worker(const uint8_t *p, size_t n)
{
	struct msb_mux m;
	int rc;

	if (f.wbad)
		return;
	must(msb_buf_put(&f.wfed, p, n) == 0, "model buffer");
	while ((rc = msb_mux_get(&f.wfed, &m)) == 1) {
		if (worker_breaks_protocol(&m)) {
			f.wbad = true;
			return;
		}
		struct wchan *w = &f.w[m.chan];
		if (m.type == MSB_MUX_DATA || m.type == MSB_MUX_EXT_DATA)
			must(msb_buf_put(&w->expect[m.type == MSB_MUX_EXT_DATA], m.data, m.len) == 0,
			    "model buffer");
		else if (m.type == MSB_MUX_WINDOW)
			w->credit += m.n;
		else if (m.type == MSB_MUX_REQ_REPLY && m.ok)
			w->oks++;
		msb_mux_consume(&f.wfed, &m);
	}
	if (rc < 0)
		f.wbad = true;
}

static void
feed(const uint8_t *p, size_t n)
{
	learn_worker(p, n);
	while (n > 0) {
		ssize_t w = send(f.worker_fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		must(w > 0, "feeding the relay");
		p += w;
		n -= (size_t)w;
	}
}

/* The next frames of the worker's stream, cut at their length fields. */
static void
feed_frames(unsigned k)
{
	const uint8_t *start = f.wnext;

	while (k-- > 0 && f.wnext < f.wend) {
		size_t left = (size_t)(f.wend - f.wnext);
		size_t n = left < 4 ? left : 4 + (size_t)msb_get_be32(f.wnext);

		if (n <= left) {
			f.wlast = f.wnext;
			f.wlast_len = n;
		}
		f.wnext += n < left ? n : left;
	}
	if (f.wnext > start)
		feed(start, (size_t)(f.wnext - start));
}

static void
feed_bytes(size_t n)
{
	size_t left = (size_t)(f.wend - f.wnext);

	if (n > left)
		n = left;
	if (n > 0)
		feed(f.wnext, n);
	f.wnext += n;
}

/* One frame the relay sent the worker. */
static void
check_sent(const struct msb_mux *m)
{
	if (m->type == MSB_MUX_HELLO) {
		must(!f.hello && m->version == MSB_MUX_VERSION, "HELLO twice, or of another version");
		f.hello = true;
		return;
	}
	must(f.hello, "a frame before HELLO");
	must(m->chan > 0 && m->chan < MAX_ID, "a channel id the model did not see opened");
	struct rchan *r = &f.rc[m->chan];
	struct mchan *mc = r->mc;
	must(mc != NULL, "a frame for a channel never opened");
	must(!r->close, "a frame after our CLOSE");
	if (m->type == MSB_MUX_OPEN_SESSION || m->type == MSB_MUX_OPEN_DIRECT_TCPIP) {
		must(!r->opened && mc->is_session == (m->type == MSB_MUX_OPEN_SESSION),
		    "an open twice, or of another kind");
		r->opened = true;
		return;
	}
	must(r->opened, "a frame before the channel's open");
	switch (m->type) {
	case MSB_MUX_DATA:
		must(!r->eof, "data after our EOF");
		must(r->sent + m->len <= MSB_MUX_CHAN_WINDOW + f.w[m->chan].credit,
		    "data past the worker's credit");
		for (size_t i = 0; i < m->len; i++)
			must(m->data[i] == pattern(mc, r->sent + i), "the client's bytes changed");
		r->sent += m->len;
		must(r->sent <= mc->up_sent, "more bytes than the client sent");
		break;
	case MSB_MUX_EOF:
		must(!r->eof && mc->client_eof, "an EOF the client did not send");
		must(r->sent == mc->up_sent, "EOF before the client's data");
		r->eof = true;
		break;
	case MSB_MUX_CLOSE:
		r->close = true;
		break;
	case MSB_MUX_WINDOW:
		r->granted += m->n;
		must(r->granted <= mc->written[0] + mc->written[1],
		    "credit granted for bytes not written to the client");
		break;
	default:
		must(mc->is_session, "a request relayed on a direct-tcpip channel");
		if (m->type != MSB_MUX_REQ_WINDOW_CHANGE && m->type != MSB_MUX_REQ_SIGNAL)
			r->forwarded++;
		break;
	}
}

/* Reads and checks what the relay wrote to the worker. */
static void
drain_relay(void)
{
	struct msb_mux m;
	int rc;

	for (;;) {
		uint8_t *p = msb_buf_reserve(&f.rout, 65536);
		must(p != NULL, "model buffer");
		ssize_t n = recv(f.worker_fd, p, 65536, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		msb_buf_commit(&f.rout, (size_t)n);
	}
	while ((rc = msb_mux_get(&f.rout, &m)) == 1) {
		check_sent(&m);
		msb_mux_consume(&f.rout, &m);
	}
	must(rc == 0, "the relay wrote a malformed frame");
}

/* serve.c's loop, from the point where the mux is readable. */
static void
turn(void)
{
	struct chan_relay *r = &f.relay;

	for (int i = 0; i < 256 && !r->failed; i++) {
		if (mux_link_fill(&r->mux) != 0)
			r->failed = true;
		chan_relay_mux_input(r);
		bool progress = chan_relay_pump(r);
		while (!r->failed && mux_link_want_write(&r->mux)) {
			if (mux_link_flush(&r->mux) != 0)
				r->failed = true;
			drain_relay();
		}
		if (!progress)
			break;
	}
	drain_relay();
	bool broken = f.wbad || f.client_bad || f.mux_closed;
	must(r->failed ? broken || f.ssh_failed : !broken,
	    r->failed ? "the connection ended on peers that kept the protocol" :
	    "a peer broke the protocol and the connection went on");
	if (r->failed)
		return;
	for (unsigned i = 0; i < f.nch; i++)
		must(f.ch[i].dropped == 0, "a request left unanswered on a live channel");
}

/* --- the client's script ------------------------------------------------------------ */

static struct ssh_message_struct *
message(struct mchan *mc, bool is_open)
{
	struct ssh_message_struct *msg = calloc(1, sizeof(*msg));

	if (msg == NULL)
		abort();
	msg->mc = mc;
	msg->is_open = is_open;
	return msg;
}

static void
client_open(bool session, uint8_t arg)
{
	static char host[MSB_MUX_MAX_STRING + 16];
	struct msb_mux m = { .type = MSB_MUX_OPEN_SESSION };

	if (f.nch == MAX_MCH)
		return;
	struct mchan *mc = &f.ch[f.nch++];
	mc->is_session = session;
	mc->window = (const uint32_t[]){ 0, 5, 32768, 2u << 20 }[f.setup & 3];
	msb_buf_init(&mc->held, 8u << 20);
	mc->open = message(mc, true);
	if (!session) {
		/* A host name past the mux's limit now and then: refused alone. */
		size_t len = arg >= 250 ? sizeof(host) - 1 : (size_t)arg % 32 + 1;
		memset(host, 'h', len);
		host[len] = '\0';
		m.type = MSB_MUX_OPEN_DIRECT_TCPIP;
		m.str = host;
		m.str_len = len;
		m.port = (uint32_t)arg + 1;
		m.str2 = "127.0.0.1";
		m.str2_len = 9;
		m.orig_port = 4242;
	}
	uint32_t id = f.relay.next_id;
	chan_relay_open(&f.relay, mc->open, &m);
	if (!mc->refused) {
		must(id < MAX_ID && f.rc[id].mc == NULL && f.relay.next_id == id + 1,
		    "channel ids not handed out in turn");
		mc->id = id;
		f.rc[id].mc = mc;
	}
}

/*
 * The n-th channel the client may still act on: accepted, not closed by
 * the client; with stale, also one the relay freed (libssh keeps it until
 * the client's close, and still passes on its requests).
 */
static struct mchan *
pick(uint8_t n, bool stale)
{
	struct mchan *live[MAX_MCH];
	unsigned k = 0;

	for (unsigned i = 0; i < f.nch; i++)
		if (f.ch[i].accepted && (stale || !f.ch[i].freed) && !f.ch[i].client_closed)
			live[k++] = &f.ch[i];
	return k == 0 ? NULL : live[n % k];
}

static void
client_request(struct mchan *mc, uint8_t kind)
{
	struct msb_mux m = { .want_reply = true };
	struct ssh_message_struct *msg = message(mc, false);
	bool notice = mc->is_session && !mc->freed &&
	    (kind % RQ_KINDS == RQ_WINCH || kind % RQ_KINDS == RQ_BAD_WINCH);

	if (!notice && !mc->freed && mc->reqs_made - mc->reqs_answered == CLIENT_REQS_MAX)
		f.client_bad = true;

	switch ((enum req_kind)(kind % RQ_KINDS)) {
	case RQ_PTY:
		m = (struct msb_mux){ .type = MSB_MUX_REQ_PTY, .want_reply = true, .str = "xterm",
		    .str_len = 5, .cols = 80, .rows = kind };
		break;
	case RQ_ENV:
		m = (struct msb_mux){ .type = MSB_MUX_REQ_ENV, .want_reply = true, .str = "LANG",
		    .str_len = 4, .str2 = "C", .str2_len = 1 };
		break;
	case RQ_EXEC:
		m = (struct msb_mux){ .type = MSB_MUX_REQ_EXEC, .want_reply = true, .str = "id",
		    .str_len = 2 };
		break;
	case RQ_SHELL:
		m.type = MSB_MUX_REQ_SHELL;
		break;
	case RQ_SUBSYSTEM:
		m = (struct msb_mux){ .type = MSB_MUX_REQ_SUBSYSTEM, .want_reply = true,
		    .str = "sftp", .str_len = 4 };
		break;
	case RQ_OTHER:
		msg->seq = mc->reqs_made++;
		chan_relay_request(&f.relay, msg, mc->ch, NULL);
		return;
	case RQ_WINCH:
	case RQ_BAD_WINCH:
		m = (struct msb_mux){ .type = MSB_MUX_REQ_WINDOW_CHANGE, .cols = 100, .rows = kind };
		/* On a session channel a notice; elsewhere refused in its turn. */
		msg->notice = notice;
		if (!notice)
			msg->seq = mc->reqs_made++;
		chan_relay_window_change(&f.relay, msg, mc->ch,
		    kind % RQ_KINDS == RQ_WINCH ? &m : NULL);
		return;
	case RQ_KINDS:
		abort();
	}
	msg->seq = mc->reqs_made++;
	chan_relay_request(&f.relay, msg, mc->ch, &m);
}

/* libssh hands over what the client sent and what the relay left it, as one. */
static void
client_data(struct mchan *mc, size_t len, bool is_stderr)
{
	if (is_stderr) {
		uint8_t junk[64] = { 0 };
		int took = mc->cb->channel_data_function(NULL, mc->ch, junk, sizeof(junk), 1,
		    mc->cb->userdata);
		must(took == (int)sizeof(junk), "the client's stderr not dropped");
		return;
	}
	uint8_t *p = msb_buf_reserve(&mc->held, len);
	if (p == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(mc, mc->up_sent + i);
	msb_buf_commit(&mc->held, len);
	mc->up_sent += len;
	size_t n = msb_buf_avail(&mc->held);
	int took = mc->cb->channel_data_function(NULL, mc->ch, (void *)msb_buf_ptr(&mc->held),
	    (uint32_t)n, 0, mc->cb->userdata);
	must(took >= 0 && (size_t)took <= n, "took more than it was offered");
	msb_buf_consume(&mc->held, (size_t)took);
	if (msb_buf_avail(&mc->held) > CLIENT_HELD_MAX)
		f.client_bad = true;
}

static void
client_window(struct mchan *mc, uint32_t more)
{
	mc->window = more > UINT32_MAX - mc->window ? UINT32_MAX : mc->window + more;
	if (mc->cb->channel_write_wontblock_function != NULL)
		(void)mc->cb->channel_write_wontblock_function(NULL, mc->ch, mc->window,
		    mc->cb->userdata);
}

/* Runs one op; returns how many script bytes it used. */
static size_t
client_op(const uint8_t *s, size_t n)
{
	uint8_t a = n > 1 ? s[1] : 0, b = n > 2 ? s[2] : 0;
	struct mchan *mc = pick(a, false);

	switch ((enum op)(s[0] % OP_NOPS)) {
	case OP_OPEN_SESSION:
		client_open(true, a);
		return 1;
	case OP_OPEN_TCPIP:
		client_open(false, a);
		return 2;
	case OP_REQUEST:
		mc = pick(a, true);
		if (mc != NULL)
			client_request(mc, b);
		return 3;
	case OP_DATA:
		if (mc != NULL && !mc->client_eof)
			client_data(mc, b < 240 ? (size_t)b * 16 + 1 : (size_t)(b - 239) << 18, false);
		return 3;
	case OP_EXT_DATA:
		if (mc != NULL && !mc->client_eof)
			client_data(mc, 0, true);
		return 2;
	case OP_EOF:
		if (mc != NULL && !mc->client_eof) {
			mc->client_eof = true;
			mc->cb->channel_eof_function(NULL, mc->ch, mc->cb->userdata);
		}
		return 2;
	case OP_CLOSE:
		if (mc != NULL) {
			/* A window adjust and the close in one read: the relay
			 * sees both before it next writes. */
			if (b & 1)
				mc->window += 1u << 16;
			mc->client_closed = true;
			mc->cb->channel_close_function(NULL, mc->ch, mc->cb->userdata);
		}
		return 3;
	case OP_SIGNAL:
		if (mc != NULL)
			mc->cb->channel_signal_function(NULL, mc->ch, b & 1 ? "TERM" : "INT",
			    mc->cb->userdata);
		return 3;
	case OP_WINDOW:
		if (mc != NULL)
			client_window(mc, (uint32_t)b * b * 4 + 1);
		return 3;
	case OP_WORKER_FRAMES:
		feed_frames(a % 8 + 1);
		return 2;
	case OP_WORKER_BYTES:
		feed_bytes((size_t)a + 1);
		return 2;
	case OP_WORKER_REPLAY:
		/* A worker that says the same thing twice. */
		if (f.wlast != NULL)
			feed(f.wlast, f.wlast_len);
		return 1;
	case OP_NOPS:
		break;
	}
	abort();
}

/* --- one run ------------------------------------------------------------------------ */

/* Once the client's windows are wide open, all the worker sent arrives. */
static void
check_delivered(void)
{
	for (unsigned i = 0; i < f.nch; i++)
		if (f.ch[i].accepted && !f.ch[i].freed && !f.ch[i].client_closed)
			client_window(&f.ch[i], UINT32_MAX);
	turn();
	if (f.relay.failed)
		return;
	for (unsigned i = 0; i < f.nch; i++) {
		struct mchan *mc = &f.ch[i];
		const struct wchan *w = &f.w[mc->id];
		const struct rchan *r = &f.rc[mc->id];

		if (!mc->accepted || mc->client_closed)
			continue;
		must(mc->written[0] == msb_buf_avail(&w->expect[0]) &&
		    mc->written[1] == msb_buf_avail(&w->expect[1]),
		    "the worker's data not delivered");
		must(!w->eof || mc->eof_sent, "the worker's EOF not delivered");
		must(!w->close || mc->close_sent, "the worker's close not delivered");
		uint64_t credit = MSB_MUX_CHAN_WINDOW + w->credit;
		must(r->close || r->sent == (mc->up_sent < credit ? mc->up_sent : credit),
		    "the client's data not relayed as far as the credit allows");
	}
}

static void
run(const uint8_t *script, size_t nscript)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("socketpair");
		abort();
	}
	f.worker_fd = sv[1];
	chan_relay_init(&f.relay, sv[0]);
	chan_relay_start(&f.relay);
	turn();
	for (size_t i = 0; i < nscript && !f.relay.failed; ) {
		i += client_op(script + i, nscript - i);
		turn();
	}
	/* The rest of the worker's stream a frame at a time, so that what the
	 * relay does between two frames shows. */
	while (!f.relay.failed && f.wnext < f.wend) {
		feed_frames(1);
		turn();
	}
	if (!f.relay.failed && !f.wbad)
		check_delivered();
	if (!f.relay.failed) {
		f.mux_closed = true;
		must(shutdown(f.worker_fd, SHUT_WR) == 0, "shutdown");
		turn();
		must(f.relay.failed, "the worker's end of the mux closed unnoticed");
	}
	chan_relay_free(&f.relay);
	for (unsigned i = 0; i < f.nch; i++) {
		struct mchan *mc = &f.ch[i];

		must(mc->open == NULL, "an open left unanswered");
		must(!mc->accepted || mc->freed, "a channel left unfreed");
		free(mc->ch);
		msb_buf_free(&mc->held);
	}
	for (unsigned i = 0; i < MAX_ID; i++) {
		msb_buf_free(&f.w[i].expect[0]);
		msb_buf_free(&f.w[i].expect[1]);
	}
	msb_buf_free(&f.wfed);
	msb_buf_free(&f.rout);
	if (close(sv[0]) != 0 || close(sv[1]) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;

	if (fuzz_input_split(data, size, &in) != 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.setup = in.setup;
	for (unsigned i = 0; i < MAX_ID; i++) {
		msb_buf_init(&f.w[i].expect[0], 8u << 20);
		msb_buf_init(&f.w[i].expect[1], 8u << 20);
	}
	msb_buf_init(&f.wfed, 16u << 20);
	msb_buf_init(&f.rout, 64u << 20);
	f.wnext = in.second;
	f.wend = in.second + in.nsecond;
	run(in.first, in.nfirst);
	return 0;
}

/* --- seeds -------------------------------------------------------------------------- */

struct seed {
	uint8_t script[64];
	size_t nscript;
	struct msb_buf worker;
};

static void
seed_op(struct seed *s, int op, int a, int b)
{
	s->script[s->nscript++] = (uint8_t)op;
	if (a >= 0)
		s->script[s->nscript++] = (uint8_t)a;
	if (b >= 0)
		s->script[s->nscript++] = (uint8_t)b;
}

static void
seed_frame(struct seed *s, struct msb_mux m)
{
	if (msb_mux_put(&s->worker, &m) != 0)
		abort();
}

static void
seed_write(const char *dir, const char *name, uint8_t setup, struct seed *s)
{
	fuzz_input_write(dir, name, setup, s->script, s->nscript,
	    msb_buf_ptr(&s->worker), msb_buf_avail(&s->worker));
	msb_buf_free(&s->worker);
	memset(s, 0, sizeof(*s));
	msb_buf_init(&s->worker, 1u << 16);
}

#define F(...) seed_frame(&s, (struct msb_mux){ __VA_ARGS__ })
#define HELLO F(.type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION)
#define DATA(c, text) F(.type = MSB_MUX_DATA, .chan = (c), .data = (const uint8_t *)(text), \
	.len = strlen(text))

static void
write_seeds(const char *dir)
{
	struct seed s = { 0 };

	msb_buf_init(&s.worker, 1u << 16);

	/* ssh box id: exec, output on both streams, status, EOF, close. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_REQUEST, 0, RQ_ENV);
	seed_op(&s, OP_REQUEST, 0, RQ_OTHER);
	seed_op(&s, OP_REQUEST, 0, RQ_EXEC);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_DATA, 0, 3);
	seed_op(&s, OP_EOF, 0, -1);
	seed_op(&s, OP_WORKER_FRAMES, 7, -1);
	seed_op(&s, OP_CLOSE, 0, 0);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = false);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = true);
	DATA(1, "uid=0(root) gid=0(root)\n");
	F(.type = MSB_MUX_EXT_DATA, .chan = 1, .data = (const uint8_t *)"warning\n", .len = 8);
	F(.type = MSB_MUX_WINDOW, .chan = 1, .n = 4096);
	F(.type = MSB_MUX_EXIT_STATUS, .chan = 1, .n = 0);
	F(.type = MSB_MUX_EOF, .chan = 1);
	F(.type = MSB_MUX_CLOSE, .chan = 1);
	seed_write(dir, "exec", 3, &s);

	/* A PTY shell through a 5-byte client window, opened bit by bit. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_REQUEST, 0, RQ_PTY);
	seed_op(&s, OP_REQUEST, 0, RQ_SHELL);
	seed_op(&s, OP_REQUEST, 0, RQ_WINCH);
	seed_op(&s, OP_WORKER_FRAMES, 3, -1);
	seed_op(&s, OP_WINDOW, 0, 2);
	seed_op(&s, OP_SIGNAL, 0, 1);
	seed_op(&s, OP_WINDOW, 0, 3);
	seed_op(&s, OP_WORKER_FRAMES, 3, -1);
	seed_op(&s, OP_WINDOW, 0, 9);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = true);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = true);
	DATA(1, "# ls\r\nbin etc usr\r\n# ");
	F(.type = MSB_MUX_EXIT_SIGNAL, .chan = 1, .str = "TERM", .str_len = 4, .core = false,
	    .str2 = "", .str2_len = 0);
	F(.type = MSB_MUX_EOF, .chan = 1);
	F(.type = MSB_MUX_CLOSE, .chan = 1);
	seed_write(dir, "pty-small-window", 1, &s);

	/* ssh -L: two direct-tcpip channels, one refused by the worker; data
	 * both ways, the client closes first; writes taken by halves. */
	seed_op(&s, OP_OPEN_TCPIP, 79, -1);
	seed_op(&s, OP_OPEN_TCPIP, 21, -1);
	seed_op(&s, OP_WORKER_FRAMES, 3, -1);
	seed_op(&s, OP_DATA, 0, 200);
	seed_op(&s, OP_REQUEST, 0, RQ_SHELL);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_CLOSE, 0, 1);
	seed_op(&s, OP_WORKER_FRAMES, 0, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_OPEN_FAILURE, .chan = 2, .n = MSB_MUX_OPEN_CONNECT_FAIL,
	    .str = "connection refused", .str_len = 18);
	DATA(1, "HTTP/1.0 200 OK\r\n\r\n");
	F(.type = MSB_MUX_WINDOW, .chan = 1, .n = 65536);
	DATA(1, "late");
	F(.type = MSB_MUX_CLOSE, .chan = 1);
	seed_write(dir, "direct-tcpip", 2 | 4, &s);

	/* Two sessions at once; the first's output waits for a window. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 2, -1);
	seed_op(&s, OP_REQUEST, 0, RQ_SUBSYSTEM);
	seed_op(&s, OP_REQUEST, 1, RQ_EXEC);
	seed_op(&s, OP_WORKER_FRAMES, 6, -1);
	seed_op(&s, OP_DATA, 1, 247);
	seed_op(&s, OP_EOF, 1, -1);
	seed_op(&s, OP_WINDOW, 0, 255);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 2);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = true);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 2, .ok = false);
	DATA(2, "sftp");
	DATA(1, "x");
	F(.type = MSB_MUX_WINDOW, .chan = 1, .n = 1u << 20);
	F(.type = MSB_MUX_EXIT_STATUS, .chan = 1, .n = 1);
	F(.type = MSB_MUX_CLOSE, .chan = 2);
	seed_write(dir, "two-sessions", 0, &s);

	/* The client closes with output waiting for its window, a window
	 * adjust in the same read: the output is dropped, not written. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 2, -1);
	seed_op(&s, OP_CLOSE, 0, 1);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	DATA(1, "more than five bytes");
	DATA(1, "after the close");
	F(.type = MSB_MUX_CLOSE, .chan = 1);
	seed_write(dir, "close-with-output", 1, &s);

	/* The SSH side fails under the relay: the answer to a request, then a
	 * write, then the exit report. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_REQUEST, 0, RQ_EXEC);
	seed_op(&s, OP_WORKER_FRAMES, 0, -1);
	seed_op(&s, OP_WORKER_FRAMES, 3, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_REQ_REPLY, .chan = 1, .ok = true);
	DATA(1, "out");
	F(.type = MSB_MUX_EXIT_STATUS, .chan = 1, .n = 3);
	F(.type = MSB_MUX_EOF, .chan = 1);
	F(.type = MSB_MUX_CLOSE, .chan = 1);
	seed_write(dir, "ssh-fails", 3 | 8, &s);

	/* A worker that breaks the protocol: data past EOF. */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 4, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_EOF, .chan = 1);
	DATA(1, "after EOF");
	seed_write(dir, "data-after-eof", 3, &s);

	/* Regressions: a second exit report once the first went to the client
	 * (it went too), an exit report on a direct-tcpip channel (it went). */
	seed_op(&s, OP_OPEN_SESSION, -1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 1, -1);
	seed_op(&s, OP_WORKER_FRAMES, 0, -1);
	seed_op(&s, OP_WORKER_FRAMES, 0, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_EXIT_STATUS, .chan = 1, .n = 0);
	F(.type = MSB_MUX_EXIT_SIGNAL, .chan = 1, .str = "KILL", .str_len = 4, .str2 = "",
	    .str2_len = 0);
	seed_write(dir, "exit-twice", 3, &s);
	seed_op(&s, OP_OPEN_TCPIP, 21, -1);
	seed_op(&s, OP_WORKER_FRAMES, 2, -1);
	HELLO;
	F(.type = MSB_MUX_OPEN_CONFIRM, .chan = 1);
	F(.type = MSB_MUX_EXIT_STATUS, .chan = 1, .n = 0);
	seed_write(dir, "exit-on-tcpip", 3, &s);

	msb_buf_free(&s.worker);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_input_seeds(write_seeds);
	msb_log_init("fuzz_preauth_mux",
	    getenv("MSB_FUZZ_LOG") != NULL ? MSB_LOG_DEBUG : MSB_LOG_QUIET);
	return 0;
}
