#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/agent_proto.h"
#include "lib/fd_send.h"
#include "lib/hybrid_vsock.h"
#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "lib/mux_proto.h"
#include "session/session.h"
#include "session_fixture.h"

/* Above the worker's 256 channels: a dial past them shows as a violation, not a lost peer. */
#define MAX_CONNS  320
#define MAX_SLOTS  (2 * MSB_MUX_MAX_CHANS)
/* Turns of the worker between two moves of a peer: more is a busy loop. */
#define SETTLE_MAX 10000
/* What the monitor says the recording's header took of the cap. */
#define RECORD_USED 200u

/* One agent connection, as the agent sees it. */
struct conn {
	int fd;
	bool shut_due, shut;       /* the script half-closed (once out is written) */
	struct msb_buf out;        /* script bytes the socket has not taken yet */
	/* what the agent wrote, parsed for the STDIN credit it granted */
	struct msb_buf wrote;
	bool wrote_line, wrote_dead;
	uint64_t credit;
	/* what the worker wrote, parsed for the oracles */
	struct msb_buf got;
	bool got_line, raw;
	unsigned frames;
	bool pty;
	uint64_t stdin_bytes;
	bool stdin_eof;
};

/* One channel id, as the network child sees it. */
struct slot {
	uint32_t id;
	bool used, answered, net_closed, w_closed, w_eof, exited;
	uint64_t credit, sent;
	uint32_t replies_due;
};

static char dir[64] = "/tmp/msb-ses-fixture.XXXXXX";
static char sock_path[96];
static int listen_fd = -1, fd_floor = -1;

static struct {
	unsigned setup;
	struct session s;
	int mon, mux;               /* the monitor's and the network child's ends */
	struct msb_buf mux_out;     /* the network child's frames, not yet taken */
	struct msb_buf mux_in, mon_in;
	bool hello_seen;
	struct conn conns[MAX_CONNS];
	size_t nconns;
	struct slot slots[MAX_SLOTS];
	unsigned dials, dials_asked, audit_open, audit_close;
	bool ended;
	struct sfix_trace *trace;
} F;

static void remove_dir(void);

static _Noreturn void __attribute__((format(printf, 1, 2)))
violated(const char *fmt, ...)
{
	va_list ap;

	/* abort() runs no atexit handler: the scratch directory goes now. */
	remove_dir();
	fputs("session_fixture: violated: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void
trace_put(struct msb_buf *b, const void *p, size_t n)
{
	if (b != NULL && msb_buf_put(b, p, n) != 0)
		abort();
}

/* --- the network child ----------------------------------------------------------- */

static struct slot *
slot_find(uint32_t id)
{
	for (size_t i = 0; i < MAX_SLOTS; i++)
		if (F.slots[i].used && F.slots[i].id == id)
			return &F.slots[i];
	return NULL;
}

static void
slot_open(uint32_t id)
{
	struct slot *sl = slot_find(id);

	for (size_t i = 0; sl == NULL && i < MAX_SLOTS; i++)
		if (!F.slots[i].used)
			sl = &F.slots[i];
	/* More ids than that alive at once: the worker refuses them all. */
	if (sl != NULL)
		*sl = (struct slot){ .id = id, .used = true, .credit = MSB_MUX_CHAN_WINDOW };
}

/* What one of the network child's frames tells the model, before the worker has it. */
static void
net_sent(const struct msb_mux *m)
{
	if (m->type == MSB_MUX_OPEN_SESSION || m->type == MSB_MUX_OPEN_DIRECT_TCPIP) {
		slot_open(m->chan);
		F.dials_asked += m->type == MSB_MUX_OPEN_DIRECT_TCPIP;
		return;
	}
	struct slot *sl = slot_find(m->chan);
	if (m->type == MSB_MUX_REQ_EXEC || m->type == MSB_MUX_REQ_SHELL ||
	    m->type == MSB_MUX_REQ_SUBSYSTEM)
		F.dials_asked++;
	if (sl == NULL)
		return;
	if (m->type >= MSB_MUX_REQ_PTY && m->type <= MSB_MUX_REQ_SIGNAL && m->want_reply)
		sl->replies_due++;
	else if (m->type == MSB_MUX_WINDOW)
		sl->credit += m->n;
	else if (m->type == MSB_MUX_CLOSE)
		sl->net_closed = true;
}

/* Queues the next frame of the stream (the rest when its length runs past it). */
static void
deliver(const uint8_t *net, size_t len, size_t *off)
{
	size_t left = len - *off, n = left;

	if (left >= 4 && (uint64_t)msb_get_be32(net + *off) + 4 < left)
		n = msb_get_be32(net + *off) + 4;
	struct msb_buf one;
	struct msb_mux m;
	msb_buf_init(&one, n);
	if (msb_buf_put(&one, net + *off, n) == 0 && msb_mux_get(&one, &m) == 1)
		net_sent(&m);
	msb_buf_free(&one);
	if (msb_buf_put(&F.mux_out, net + *off, n) != 0)
		abort();
	*off += n;
}

static void
worker_sent(const struct msb_mux *m)
{
	struct slot *sl = slot_find(m->chan);
	const char *what = msb_mux_msg_name(m->type);

	if (!F.hello_seen) {
		if (m->type != MSB_MUX_HELLO || m->version != MSB_MUX_VERSION)
			violated("%s before HELLO", what);
		F.hello_seen = true;
		return;
	}
	if (m->type == MSB_MUX_OPEN_CONFIRM || m->type == MSB_MUX_OPEN_FAILURE) {
		if (sl == NULL || sl->answered)
			violated("%s for channel %u, which awaits no answer", what, m->chan);
		sl->answered = true;
		if (m->type == MSB_MUX_OPEN_FAILURE)
			sl->used = false;
		return;
	}
	/* A request on a channel not yet confirmed is answered (no), and a
	 * CLOSE answered: anything else waits for the confirmation. */
	bool pending_ok = m->type == MSB_MUX_REQ_REPLY ||
	    (m->type == MSB_MUX_CLOSE && sl != NULL && sl->net_closed);
	if (sl == NULL || (!sl->answered && !pending_ok) || sl->w_closed)
		violated("%s for channel %u, which is not open", what, m->chan);
	switch (m->type) {
	case MSB_MUX_REQ_REPLY:
		if (sl->replies_due == 0)
			violated("REQ_REPLY on channel %u for no request", m->chan);
		sl->replies_due--;
		return;
	case MSB_MUX_DATA:
	case MSB_MUX_EXT_DATA:
		if (sl->w_eof)
			violated("%s on channel %u after EOF", what, m->chan);
		sl->sent += m->len;
		if (sl->sent > sl->credit)
			violated("channel %u: %llu bytes sent for %llu of credit", m->chan,
			    (unsigned long long)sl->sent, (unsigned long long)sl->credit);
		return;
	case MSB_MUX_EXIT_STATUS:
	case MSB_MUX_EXIT_SIGNAL:
		if (sl->exited || sl->w_eof)
			violated("%s on channel %u after %s", what, m->chan,
			    sl->exited ? "its exit" : "EOF");
		sl->exited = true;
		return;
	case MSB_MUX_EOF:
		if (sl->w_eof)
			violated("a second EOF on channel %u", m->chan);
		sl->w_eof = true;
		return;
	case MSB_MUX_WINDOW:
		return;
	case MSB_MUX_CLOSE:
		sl->w_closed = true;
		if (sl->net_closed)
			sl->used = false;
		return;
	default:
		violated("%s: not a frame the worker sends", what);
	}
}

/* --- the agent -------------------------------------------------------------------- */

static bool
sftp_list_is(const char *got, const char *want)
{
	return strcmp(got != NULL ? got : "", want) == 0;
}

static void
check_exec(struct conn *c, const uint8_t *body, size_t len)
{
	struct msb_agent_exec e;

	if (msb_agent_get_exec(body, len, &e) != 0)
		violated("an EXEC the agent cannot decode");
	if (e.flags & MSB_EXEC_ARGV)
		violated("EXEC of an argument vector");
	if (strcmp(e.user, SFIX_GUEST_USER) != 0)
		violated("EXEC as user '%s'", e.user);
	if ((F.setup & SFIX_FORCED) && strcmp(e.command, SFIX_FORCED_COMMAND) != 0)
		violated("EXEC of '%s' despite the forced command", e.command);
	if ((F.setup & SFIX_NO_PTY) && (e.flags & MSB_EXEC_PTY))
		violated("EXEC with a PTY despite no-pty");
	for (uint32_t i = 0; i < e.envc; i++) {
		char *eq = strchr(e.env[i], '=');
		if (eq == NULL)
			violated("environment entry without '='");
		*eq = '\0';
		if (!policy_env_allowed(SFIX_ENV_ALLOW, e.env[i]) &&
		    !((F.setup & SFIX_FORCED) && strcmp(e.env[i], "SSH_ORIGINAL_COMMAND") == 0))
			violated("environment variable %s passed the filter", e.env[i]);
	}
	c->pty = (e.flags & MSB_EXEC_PTY) != 0;
	msb_agent_exec_free(&e);
}

static void
check_sftp(const uint8_t *body, size_t len)
{
	struct msb_agent_sftp q;
	bool policy = (F.setup & SFIX_SFTP_POLICY) != 0;

	if (F.setup & (SFIX_FORCED | SFIX_NO_SFTP))
		violated("SFTP despite %s", (F.setup & SFIX_FORCED) ? "the forced command" : "no-sftp");
	if (msb_agent_get_sftp(body, len, &q) != 0)
		violated("an SFTP request the agent cannot decode");
	if (strcmp(q.user, SFIX_GUEST_USER) != 0 ||
	    q.flags != (policy ? MSB_SFTP_F_READ_ONLY | MSB_SFTP_F_ALLOW : 0) ||
	    !sftp_list_is(q.deny, policy ? SFIX_SFTP_DENY : "") ||
	    !sftp_list_is(q.allow, policy ? SFIX_SFTP_ALLOW : ""))
		violated("SFTP without the session's policy");
	msb_agent_sftp_free(&q);
}

static void
check_request(struct conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	switch (type) {
	case MSB_AGENT_EXEC:
		check_exec(c, body, len);
		return;
	case MSB_AGENT_SFTP:
		check_sftp(body, len);
		c->raw = true;
		return;
	case MSB_AGENT_CONNECT:
		if (F.setup & SFIX_NO_PORT_FWD)
			violated("CONNECT despite no-port-forwarding");
		c->raw = true;
		return;
	default:
		violated("%s as the request", msb_agent_msg_name(type));
	}
}

static void
check_stream(struct conn *c, uint8_t type, const uint8_t *body, size_t len)
{
	uint32_t a, b;

	switch (type) {
	case MSB_AGENT_STDIN:
		c->stdin_bytes += len;
		if (c->stdin_eof || c->stdin_bytes > c->credit)
			violated("STDIN %s", c->stdin_eof ? "after STDIN_EOF" : "beyond the agent's credit");
		return;
	case MSB_AGENT_STDIN_EOF:
		if (c->stdin_eof || len != 0)
			violated("a second or malformed STDIN_EOF");
		c->stdin_eof = true;
		return;
	case MSB_AGENT_RESIZE:
		if (!c->pty || msb_agent_get_resize(body, len, &a, &b) != 0)
			violated("RESIZE %s", c->pty ? "malformed" : "without a PTY");
		return;
	case MSB_AGENT_SIGNAL:
		if (msb_agent_get_u32_msg(body, len, &a) != 0 || a == 0)
			violated("a malformed SIGNAL");
		return;
	default:
		violated("%s in an exec stream", msb_agent_msg_name(type));
	}
}

/* What the worker sent this connection, frame by frame. */
static void
check_agent_input(struct conn *c)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int rc;

	if ((F.setup & SFIX_VSOCK) && !c->got_line) {
		char line[MSB_HYBRID_LINE_MAX];
		size_t n = msb_hybrid_format_connect(line, MSB_AGENT_VSOCK_PORT);
		size_t have = msb_buf_avail(&c->got) < n ? msb_buf_avail(&c->got) : n;
		if (memcmp(msb_buf_ptr(&c->got), line, have) != 0)
			violated("not the CONNECT line to the vsock backend");
		if (have < n)
			return;
		msb_buf_consume(&c->got, n);
		c->got_line = true;
	}
	while (!c->raw && (rc = msb_agent_frame_peek(&c->got, &type, &body, &len)) != 0) {
		if (rc < 0)
			violated("a malformed frame to the agent");
		if (c->frames == 0) {
			struct msb_agent_hello h;
			if (type != MSB_AGENT_HELLO || msb_agent_get_hello(body, len, &h) != 0)
				violated("%s before HELLO to the agent", msb_agent_msg_name(type));
			bool ok = h.magic == MSB_AGENT_MAGIC && h.version == MSB_AGENT_VERSION;
			msb_agent_hello_free(&h);
			if (!ok)
				violated("a HELLO of the wrong magic or version");
		} else if (c->frames == 1) {
			check_request(c, type, body, len);
		} else {
			check_stream(c, type, body, len);
		}
		c->frames++;
		msb_agent_frame_consume(&c->got, len);
	}
	if (c->raw)
		msb_buf_reset(&c->got);
}

/* What the agent wrote, as the worker will read it: the STDIN credit it granted. */
static void
agent_wrote(struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int rc;

	if (c->wrote_dead || msb_buf_put(&c->wrote, p, n) != 0) {
		c->wrote_dead = true;
		return;
	}
	if ((F.setup & SFIX_VSOCK) && !c->wrote_line) {
		size_t have = msb_buf_avail(&c->wrote);
		const uint8_t *nl = memchr(msb_buf_ptr(&c->wrote), '\n',
		    have < MSB_HYBRID_LINE_MAX ? have : MSB_HYBRID_LINE_MAX);
		if (nl == NULL) {
			c->wrote_dead = have >= MSB_HYBRID_LINE_MAX;
			return;
		}
		msb_buf_consume(&c->wrote, (size_t)(nl - msb_buf_ptr(&c->wrote)) + 1);
		c->wrote_line = true;
	}
	while ((rc = msb_agent_frame_peek(&c->wrote, &type, &body, &len)) == 1) {
		uint32_t v;
		if (type == MSB_AGENT_WINDOW && msb_agent_get_u32_msg(body, len, &v) == 0)
			c->credit += v;
		msb_agent_frame_consume(&c->wrote, len);
	}
	c->wrote_dead = rc < 0;
}

static void
conn_close(size_t i)
{
	struct conn *c = &F.conns[i];

	close(c->fd);
	msb_buf_free(&c->out);
	msb_buf_free(&c->wrote);
	msb_buf_free(&c->got);
	memmove(c, c + 1, (F.nconns - i - 1) * sizeof(*c));
	F.nconns--;
}

static bool
accept_dials(void)
{
	bool moved = false;
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		moved = true;
		if (++F.dials > F.dials_asked)
			violated("%u agent dials for %u channels that asked for one", F.dials,
			    F.dials_asked);
		if (F.nconns == MAX_CONNS)
			violated("more agent streams open than the worker has channels");
		struct conn *c = &F.conns[F.nconns++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		msb_buf_init(&c->out, 1u << 20);
		msb_buf_init(&c->wrote, MSB_AGENT_MAX_FRAME + 4);
		msb_buf_init(&c->got, MSB_AGENT_MAX_FRAME + 4);
	}
	if (errno != EAGAIN)
		violated("accept: %s", strerror(errno));
	return moved;
}

/* Writes what the script queued, reads what the worker sent; false when the worker hung up. */
static bool
agent_move(struct conn *c, bool *moved)
{
	if (msb_buf_avail(&c->out) > 0) {
		ssize_t n = write(c->fd, msb_buf_ptr(&c->out), msb_buf_avail(&c->out));
		if (n > 0) {
			agent_wrote(c, msb_buf_ptr(&c->out), (size_t)n);
			msb_buf_consume(&c->out, (size_t)n);
			*moved = true;
		} else if (n < 0 && errno != EAGAIN) {
			msb_buf_reset(&c->out);
		}
	}
	if (c->shut_due && !c->shut && msb_buf_avail(&c->out) == 0) {
		c->shut = true;
		*moved = true;
		if (shutdown(c->fd, SHUT_WR) != 0 && errno != ENOTCONN)
			violated("shutdown: %s", strerror(errno));
	}
	for (;;) {
		size_t room = msb_buf_room(&c->got);
		uint8_t *dst = room > 0 ? msb_buf_reserve(&c->got, room) : NULL;
		if (dst == NULL)
			violated("a frame to the agent larger than any");
		ssize_t n = read(c->fd, dst, room);
		if (n <= 0)
			break;
		trace_put(F.trace != NULL ? F.trace->to_agent : NULL, dst, (size_t)n);
		msb_buf_commit(&c->got, (size_t)n);
		*moved = true;
		check_agent_input(c);
	}
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	return poll(&pfd, 1, 0) < 0 || !(pfd.revents & POLLHUP);
}

/* The script's next record; true when it hands the turn to the network child. */
static bool
play(const uint8_t *p, size_t len, size_t *off)
{
	uint8_t op = p[(*off)++];
	size_t i = (op & 0x1fu) % F.nconns;
	struct conn *c = &F.conns[i];

	switch (op & 0xc0u) {
	case SFIX_OP_WRITE: {
		size_t n = len - *off >= 2 ? (size_t)p[*off] << 8 | p[*off + 1] : 0;
		*off += len - *off >= 2 ? 2 : len - *off;
		if (n > len - *off)
			n = len - *off;
		if (!c->shut_due && msb_buf_put(&c->out, p + *off, n) != 0)
			abort();
		*off += n;
		break;
	}
	case SFIX_OP_SHUT_WR:
		c->shut_due = true;
		break;
	case SFIX_OP_CLOSE:
		conn_close(i);
		break;
	default:
		break;
	}
	return (op & SFIX_OP_YIELD) != 0;
}

/* --- the monitor ------------------------------------------------------------------- */

static void
answer_record(const struct msb_mon *req)
{
	struct msb_buf b;
	bool ok = req->chan % 2 == 0;
	struct msb_mon m = {
		.type = MSB_MON_RECORD_FILE, .chan = req->chan,
		.result = ok ? MSB_MON_RECORD_OK : MSB_MON_RECORD_FAILED, .record_used = RECORD_USED,
	};
	int fd = ok ? memfd_create("msb-record", MFD_CLOEXEC) : -1;

	if (ok && fd < 0)
		violated("memfd_create: %s", strerror(errno));
	msb_buf_init(&b, MSB_MON_MAX_FRAME);
	if (msb_mon_put(&b, &m) != 0)
		abort();
	/* As the monitor sends it (monitor/mon_io.c): the file rides the first byte. */
	if (msb_send_fd(F.mon, msb_buf_ptr(&b), msb_buf_avail(&b), fd, 0) !=
	    (ssize_t)msb_buf_avail(&b))
		violated("RECORD_FILE: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	msb_buf_free(&b);
}

static void
worker_told_monitor(const struct msb_mon *m)
{
	switch (m->type) {
	case MSB_MON_AUDIT_OPEN:
		F.audit_open++;
		return;
	case MSB_MON_AUDIT_CLOSE:
		if (++F.audit_close > F.audit_open)
			violated("AUDIT_CLOSE of channel %u, never audited", m->chan);
		return;
	case MSB_MON_RECORD_OPEN:
		if (!(F.setup & SFIX_RECORD))
			violated("RECORD_OPEN without --record");
		if ((F.setup & SFIX_FORCED) && m->what != MSB_MON_WHAT_EXEC)
			violated("a recording of something but the forced command");
		answer_record(m);
		return;
	default:
		violated("%s to the monitor", msb_mon_msg_name(m->type));
	}
}

/* --- the peers' moves ------------------------------------------------------------- */

/* Reads what fd holds into in; true when it held something. */
static bool
take(int fd, struct msb_buf *in)
{
	bool moved = false;

	for (;;) {
		size_t room = msb_buf_room(in);
		uint8_t *dst = room > 0 ? msb_buf_reserve(in, room) : NULL;
		if (dst == NULL)
			violated("a frame larger than any");
		ssize_t n = read(fd, dst, room);
		if (n <= 0)
			return moved;
		msb_buf_commit(in, (size_t)n);
		moved = true;
	}
}

static bool
peers_move(void)
{
	bool moved = accept_dials();
	struct msb_mux m;
	struct msb_mon mm;
	int rc;

	if (msb_buf_avail(&F.mux_out) > 0) {
		ssize_t n = write(F.mux, msb_buf_ptr(&F.mux_out), msb_buf_avail(&F.mux_out));
		if (n > 0) {
			msb_buf_consume(&F.mux_out, (size_t)n);
			moved = true;
		}
	}
	moved |= take(F.mux, &F.mux_in);
	while ((rc = msb_mux_get(&F.mux_in, &m)) == 1) {
		trace_put(F.trace != NULL ? F.trace->to_net : NULL, msb_buf_ptr(&F.mux_in), m.frame);
		worker_sent(&m);
		msb_mux_consume(&F.mux_in, &m);
	}
	if (rc < 0)
		violated("a malformed frame to the network child");
	moved |= take(F.mon, &F.mon_in);
	while ((rc = msb_mon_get(&F.mon_in, &mm)) == 1) {
		trace_put(F.trace != NULL ? F.trace->to_mon : NULL, msb_buf_ptr(&F.mon_in), mm.frame);
		worker_told_monitor(&mm);
		msb_mon_consume(&F.mon_in, &mm);
	}
	if (rc < 0)
		violated("a malformed frame to the monitor");
	for (size_t i = 0; i < F.nconns;) {
		if (agent_move(&F.conns[i], &moved))
			i++;
		else
			conn_close(i);
	}
	return moved;
}

/* Runs the worker until neither it nor a peer has anything left to do. */
static void
settle(void)
{
	for (int i = 0; i < SETTLE_MAX; i++) {
		int ready = F.ended ? 0 : session_step(&F.s, -1, 0);
		F.ended |= ready < 0;
		if (!peers_move() && ready <= 0)
			return;
	}
	violated("the worker still busy after %d turns", SETTLE_MAX);
}

/* --- a run -------------------------------------------------------------------------- */

static void
send_session(int fd)
{
	char vsock[sizeof(sock_path) + 8];
	bool policy = (F.setup & SFIX_SFTP_POLICY) != 0, forced = (F.setup & SFIX_FORCED) != 0;
	uint32_t flags = ((F.setup & SFIX_NO_PTY) ? MSB_MON_F_NO_PTY : 0) |
	    ((F.setup & SFIX_NO_PORT_FWD) ? MSB_MON_F_NO_PORT_FORWARD : 0) |
	    ((F.setup & SFIX_NO_SFTP) ? MSB_MON_F_NO_SFTP : 0) |
	    (forced ? MSB_MON_F_FORCED_COMMAND : 0) |
	    (policy ? MSB_MON_F_SFTP_READ_ONLY | MSB_MON_F_SFTP_ALLOW : 0) |
	    ((F.setup & SFIX_RECORD) ? MSB_MON_F_RECORD | MSB_MON_F_RECORD_INPUT : 0);
	struct msb_buf b;

	snprintf(vsock, sizeof(vsock), "%s:%s", (F.setup & SFIX_VSOCK) ? "vsock" : "unix", sock_path);
	struct msb_mon m = {
		.type = MSB_MON_SESSION, .version = MSB_MON_VERSION,
		.user = "alice", .user_len = 5,
		.guest_user = SFIX_GUEST_USER, .guest_user_len = strlen(SFIX_GUEST_USER),
		.flags = flags,
		.command = forced ? SFIX_FORCED_COMMAND : "",
		.command_len = forced ? strlen(SFIX_FORCED_COMMAND) : 0,
		.vsock = vsock, .vsock_len = strlen(vsock),
		.env_allow = SFIX_ENV_ALLOW, .env_allow_len = strlen(SFIX_ENV_ALLOW),
		.sftp_deny = policy ? SFIX_SFTP_DENY : "", .sftp_deny_len = policy ? strlen(SFIX_SFTP_DENY) : 0,
		.sftp_allow = policy ? SFIX_SFTP_ALLOW : "",
		.sftp_allow_len = policy ? strlen(SFIX_SFTP_ALLOW) : 0,
		.log_level = msb_log_get_level(),
		.max_sessions = (F.setup & SFIX_ONE_SESSION) ? 1 : UINT32_MAX,
		.record_max = (F.setup & SFIX_RECORD) ? SFIX_RECORD_MAX : 0,
	};
	msb_buf_init(&b, MSB_MON_MAX_FRAME);
	if (msb_mon_put(&b, &m) != 0 || write(fd, msb_buf_ptr(&b), msb_buf_avail(&b)) !=
	    (ssize_t)msb_buf_avail(&b))
		abort();
	msb_buf_free(&b);
}

static void
pair(int *mine, int *worker)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 ||
	    fcntl(sp[0], F_SETFL, O_NONBLOCK) != 0)
		abort();
	*mine = sp[0];
	*worker = sp[1];
}

static void
run_streams(const uint8_t *net, size_t net_len, const uint8_t *script, size_t script_len)
{
	size_t noff = 0, soff = 0;

	settle();
	while (!F.ended) {
		bool yielded = false;
		while (!F.ended && !yielded && soff < script_len && F.nconns > 0) {
			yielded = play(script, script_len, &soff);
			settle();
		}
		if (F.ended)
			break;
		if (noff < net_len) {
			deliver(net, net_len, &noff);
			settle();
		} else if (soff == script_len || F.nconns == 0) {
			break;
		}
	}
	if (!F.ended) {
		/* The network child leaves: the worker must end. */
		if (shutdown(F.mux, SHUT_WR) != 0)
			abort();
		settle();
		if (!F.ended)
			violated("the worker went on without the network child");
	}
}

void
sfix_run(unsigned setup, const uint8_t *net, size_t net_len, const uint8_t *script,
    size_t script_len, struct sfix_trace *trace)
{
	int mon_w, mux_w;

	memset(&F, 0, sizeof(F));
	F.setup = setup;
	F.trace = trace;
	pair(&F.mon, &mon_w);
	pair(&F.mux, &mux_w);
	msb_buf_init(&F.mux_out, 1u << 24);
	msb_buf_init(&F.mux_in, MSB_MUX_MAX_FRAME + 4);
	msb_buf_init(&F.mon_in, MSB_MON_MAX_FRAME + 4);
	send_session(F.mon);
	session_init(&F.s, mon_w, mux_w);
	session_read_setup(&F.s);
	session_begin(&F.s);
	run_streams(net, net_len, script, script_len);
	session_end(&F.s);
	F.ended = true;
	(void)peers_move();
	if (F.audit_close != F.audit_open)
		violated("%u channels audited, %u closed in the audit", F.audit_open, F.audit_close);
	if (trace != NULL)
		trace->dials = F.dials;
	while (F.nconns > 0)
		conn_close(0);
	(void)accept_dials();
	while (F.nconns > 0)
		conn_close(0);
	close(mon_w);
	close(mux_w);
	close(F.mon);
	close(F.mux);
	msb_buf_free(&F.mux_out);
	msb_buf_free(&F.mux_in);
	msb_buf_free(&F.mon_in);
	int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (probe != fd_floor)
		violated("descriptors leaked: the lowest free one is %d, not %d", probe, fd_floor);
	close(probe);
}

static void
remove_dir(void)
{
	if (sock_path[0] != '\0')
		unlink(sock_path);
	rmdir(dir);
}

void
sfix_setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *log = getenv("MSB_FIXTURE_LOG");
	enum msb_log_level level = MSB_LOG_QUIET;

	if (log != NULL && msb_log_level_parse(log, &level) != 0)
		level = MSB_LOG_DEBUG;
	msb_log_init("session_fixture", level);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || mkdtemp(dir) == NULL || atexit(remove_dir) != 0) {
		perror("session_fixture: setup");
		exit(2);
	}
	snprintf(sock_path, sizeof(sock_path), "%s/agent.sock", dir);
	memcpy(sun.sun_path, sock_path, sizeof(sock_path));
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(listen_fd, 2 * MAX_CONNS) != 0) {
		perror("session_fixture: agent socket");
		exit(2);
	}
	fd_floor = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd_floor < 0) {
		perror("session_fixture: /dev/null");
		exit(2);
	}
	close(fd_floor);
}
