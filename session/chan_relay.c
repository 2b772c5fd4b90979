/*
 * A running channel: bytes both ways between the mux and the agent
 * stream, each way only within the credit its receiver granted.
 *
 * client -> agent: mux DATA lands in pend (never more than the credit we
 * granted); EXEC wraps it in STDIN frames as the agent grants stdin
 * credit, RAW writes it to the socket as is; the mux credit goes back to
 * the network child only once the agent has taken the bytes.
 * agent -> client: the socket is read only while the network child's
 * credit and the mux output buffer can take what comes, so a stalled SSH
 * reader stalls the agent, which stalls the command.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/agent_proto.h"
#include "lib/log.h"
#include "session.h"

/*
 * Credit goes back in batches, and output goes out in chunks of at least
 * MIN_SEND unless less is left: a peer that sees small frames and grants
 * per frame would otherwise split the window into ever smaller pieces.
 * Neither can deadlock: all credit returns once its bytes are consumed.
 */
#define GRANT_BATCH (MSB_MUX_CHAN_WINDOW / 8)
#define MIN_SEND    (16u * 1024u)

static void
grant(struct session *s, struct chan *c)
{
	if (c->owed == 0 || c->mux_eof || c->close_sent)
		return;
	if (c->owed < GRANT_BATCH)
		return;
	struct msb_mux m = { .type = MSB_MUX_WINDOW, .chan = c->id, .n = c->owed };
	mux_send(s, &m);
	c->in_credit += c->owed;
	c->owed = 0;
}

static void
write_agent(struct session *s, struct chan *c)
{
	struct msb_buf *b = c->mode == MODE_EXEC ? &c->aout : &c->pend;

	if (msb_buf_avail(b) == 0 || c->agent_wdead)
		return;
	ssize_t n = write(c->fd, msb_buf_ptr(b), msb_buf_avail(b));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* The far end stopped reading; an EXIT may still wait unread
		 * in the socket, so the read side tells how this ends. What
		 * is queued is lost, and must not keep the client's window. */
		verbose_f("channel %u: write: %s", c->id, strerror(errno));
		c->owed += (uint32_t)msb_buf_avail(&c->pend);
		msb_buf_reset(&c->pend);
		msb_buf_reset(&c->aout);
		c->agent_wdead = true;
		return;
	}
	if (c->mode == MODE_RAW)
		record_event(s, c, 'i', msb_buf_ptr(b), (size_t)n);
	msb_buf_consume(b, (size_t)n);
	if (c->mode == MODE_RAW)
		c->owed += (uint32_t)n;
}

/* EXEC: client bytes into STDIN frames within the agent's credit. */
static void
frame_stdin(struct session *s, struct chan *c)
{
	while (!c->agent_wdead && c->agent_credit > 0 && msb_buf_avail(&c->pend) > 0) {
		size_t n = msb_buf_avail(&c->pend);
		if (n > c->agent_credit)
			n = c->agent_credit;
		if (n > MSB_AGENT_MAX_DATA)
			n = MSB_AGENT_MAX_DATA;
		if (msb_buf_room(&c->aout) < n + 5 ||
		    msb_agent_put_data(&c->aout, MSB_AGENT_STDIN, msb_buf_ptr(&c->pend), n) != 0)
			return;
		record_event(s, c, 'i', msb_buf_ptr(&c->pend), n);
		msb_buf_consume(&c->pend, n);
		c->agent_credit -= (uint32_t)n;
		c->owed += (uint32_t)n;
	}
}

static void
to_agent(struct session *s, struct chan *c)
{
	if (c->mode == MODE_EXEC)
		frame_stdin(s, c);
	write_agent(s, c);
	if (c->mux_eof && !c->agent_eof_sent && !c->agent_wdead &&
	    msb_buf_avail(&c->pend) == 0) {
		if (c->mode == MODE_EXEC) {
			if (msb_agent_put_empty(&c->aout, MSB_AGENT_STDIN_EOF) == 0) {
				write_agent(s, c);
				c->agent_eof_sent = true;
			}
		} else {
			if (shutdown(c->fd, SHUT_WR) != 0)
				verbose_f("channel %u: shutdown: %s", c->id, strerror(errno));
			c->agent_eof_sent = true;
		}
	}
	grant(s, c);
}

static void
send_data(struct session *s, struct chan *c, uint8_t type, const uint8_t *p, size_t n)
{
	struct msb_mux m = { .type = type, .chan = c->id, .data = p, .len = n };

	mux_send(s, &m);
	record_event(s, c, 'o', p, n);
	c->out_credit -= (uint32_t)n;
	c->bytes_out += n;
}

static void
on_exit_frame(struct session *s, struct chan *c, const uint8_t *body, size_t len)
{
	struct msb_agent_exit e;

	if (c->exit_sent) {
		chan_fail(s, c, 255, "a second exit from the agent");
		return;
	}
	if (msb_agent_get_exit(body, len, &e) != 0) {
		chan_fail(s, c, 255, "malformed exit from the agent");
		return;
	}
	/* As sshd: the status goes out now, the channel stays open for what
	 * a background job still writes until the agent closes the stream. */
	if (e.kind == MSB_EXIT_SIGNAL)
		chan_send_exit(s, c, 0, e.value == 0 ? 1 : (int)e.value, e.core_dumped);
	else
		chan_send_exit(s, c, (int)e.value, 0, false);
}

/*
 * EXEC: forwards the frames in ain. Returns true when the front frame is
 * output that waits for credit (then the socket is not read further).
 */
static bool
from_agent_exec(struct session *s, struct chan *c)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int rc;

	while (c->state == CH_RUNNING &&
	    (rc = msb_agent_frame_peek(&c->ain, &type, &body, &len)) != 0) {
		if (rc < 0) {
			chan_fail(s, c, 255, "malformed frame from the agent");
			return false;
		}
		uint32_t v;
		switch (type) {
		case MSB_AGENT_STDOUT:
		case MSB_AGENT_STDERR: {
			size_t n = len - c->ain_sent;
			if (n > c->out_credit)
				n = c->out_credit;
			if (n > MSB_MUX_MAX_DATA)
				n = MSB_MUX_MAX_DATA;
			if (n < len - c->ain_sent && n < MIN_SEND)
				return true;
			if (mux_out_busy(s))
				return true;
			if (n > 0)
				send_data(s, c, type == MSB_AGENT_STDOUT ? MSB_MUX_DATA :
				    MSB_MUX_EXT_DATA, body + c->ain_sent, n);
			c->ain_sent += n;
			if (c->ain_sent < len)
				continue;
			break;
		}
		case MSB_AGENT_WINDOW:
			if (msb_agent_get_u32_msg(body, len, &v) != 0 ||
			    c->agent_credit > UINT32_MAX - v) {
				chan_fail(s, c, 255, "malformed window from the agent");
				return false;
			}
			c->agent_credit += v;
			break;
		case MSB_AGENT_EXIT:
			on_exit_frame(s, c, body, len);
			if (c->state != CH_RUNNING)
				return false;
			break;
		default:
			chan_fail(s, c, 255, "unexpected %s from the agent",
			    msb_agent_msg_name(type));
			return false;
		}
		c->ain_sent = 0;
		msb_agent_frame_consume(&c->ain, len);
	}
	if (c->state == CH_RUNNING && c->agent_eof) {
		if (c->exit_sent)
			chan_finish(s, c);
		else
			chan_fail(s, c, 255, "lost the connection to the sandbox");
	}
	return false;
}

static void
raw_done(struct session *s, struct chan *c)
{
	if (!c->agent_eof)
		return;
	if (c->sftp) {
		/* The SFTP server exits when it sees EOF; report it as sshd
		 * reports its sftp-server subsystem. */
		chan_send_exit(s, c, 0, 0, false);
		chan_finish(s, c);
		return;
	}
	/* TCP: both directions must have ended. */
	if (c->agent_eof_sent || c->agent_wdead)
		chan_finish(s, c);
}

void
relay_pump(struct session *s, struct chan *c)
{
	to_agent(s, c);
	if (c->state != CH_RUNNING)
		return;
	if (c->mode == MODE_EXEC) {
		from_agent_exec(s, c);
		/* Credit from a WINDOW frame may release queued stdin. */
		if (c->state == CH_RUNNING)
			to_agent(s, c);
	} else {
		raw_done(s, c);
	}
}

static bool
exec_blocked(const struct chan *c)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;

	return msb_agent_frame_peek(&c->ain, &type, &body, &len) == 1;
}

short
relay_events(const struct session *s, const struct chan *c)
{
	short ev = 0;

	if (c->mode == MODE_EXEC) {
		if (msb_buf_avail(&c->aout) > 0 && !c->agent_wdead)
			ev |= POLLOUT;
		/* A complete frame still at the front waits for credit. */
		if (!c->agent_eof && !exec_blocked(c))
			ev |= POLLIN;
	} else {
		if (msb_buf_avail(&c->pend) > 0 && !c->agent_wdead)
			ev |= POLLOUT;
		if (!c->agent_eof && c->out_credit >= MIN_SEND && !mux_out_busy(s))
			ev |= POLLIN;
	}
	return ev;
}

static void
read_exec(struct session *s, struct chan *c)
{
	size_t room = msb_buf_room(&c->ain);

	/* Small reads keep an idle channel's buffer small. */
	if (room > MSB_AGENT_MAX_DATA)
		room = MSB_AGENT_MAX_DATA;
	uint8_t *dst = room > 0 ? msb_buf_reserve(&c->ain, room) : NULL;

	if (dst == NULL)
		return;
	ssize_t n = read(c->fd, dst, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* A stream socket closed with our unread window grants in it ends
	 * with ECONNRESET instead of EOF, after every byte it sent: an end
	 * like any other, which a reported exit makes normal. */
	if (n < 0 && errno != ECONNRESET) {
		chan_fail(s, c, 255, "lost the connection to the sandbox: %s", strerror(errno));
		return;
	}
	if (n <= 0)
		c->agent_eof = true;
	else
		msb_buf_commit(&c->ain, (size_t)n);
}

static void
read_raw(struct session *s, struct chan *c)
{
	/* A hangup can wake us without credit: a 0-byte read is no EOF. */
	if (c->out_credit == 0)
		return;
	size_t want = c->out_credit < MSB_MUX_MAX_DATA ? c->out_credit : MSB_MUX_MAX_DATA;
	ssize_t n = read(c->fd, s->scratch, want);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n < 0)
			verbose_f("channel %u: read: %s", c->id, strerror(errno));
		c->agent_eof = true;
		if (!c->eof_sent && !c->sftp) {
			mux_send_simple(s, MSB_MUX_EOF, c->id);
			c->eof_sent = true;
		}
		return;
	}
	send_data(s, c, MSB_MUX_DATA, s->scratch, (size_t)n);
}

void
relay_io(struct session *s, struct chan *c, short revents)
{
	if (revents & (POLLOUT | POLLERR))
		write_agent(s, c);
	if (c->state != CH_RUNNING || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (c->mode == MODE_EXEC)
		read_exec(s, c);
	else
		read_raw(s, c);
}
