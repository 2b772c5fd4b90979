/*
 * The worker's end of the channel mux: queueing frames for the network
 * child and routing the frames it sends to their channels.
 */
#include "config.h"

#include "lib/agent_io.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "session.h"

void
mux_send(struct session *s, const struct msb_mux *m)
{
	/* Callers only produce while below MUX_OUT_HIGH, so running out of
	 * room means the accounting is broken: stop rather than drop. */
	if (msb_mux_put(&s->mux_out, m) != 0)
		fatal_f("cannot queue %s for channel %u", msb_mux_msg_name(m->type), m->chan);
	s->last_activity = msb_now_ms();
}

void
mux_send_simple(struct session *s, uint8_t type, uint32_t chan)
{
	struct msb_mux m = { .type = type, .chan = chan };

	mux_send(s, &m);
}

bool
mux_out_busy(const struct session *s)
{
	return msb_buf_avail(&s->mux_out) >= MUX_OUT_HIGH;
}

static int
on_window(struct chan *c, const struct msb_mux *m)
{
	if (c->out_credit > UINT32_MAX - m->n) {
		error_f("channel %u: window overflow", c->id);
		return -1;
	}
	c->out_credit += m->n;
	return 0;
}

/* One frame for an existing channel; -1 on a protocol violation. */
static int
on_channel_frame(struct session *s, struct chan *c, const struct msb_mux *m)
{
	switch (m->type) {
	case MSB_MUX_REQ_PTY:
	case MSB_MUX_REQ_ENV:
	case MSB_MUX_REQ_EXEC:
	case MSB_MUX_REQ_SHELL:
	case MSB_MUX_REQ_SUBSYSTEM:
	case MSB_MUX_REQ_WINDOW_CHANGE:
	case MSB_MUX_REQ_SIGNAL:
		return chan_request(s, c, m);
	case MSB_MUX_DATA:
		return chan_mux_data(s, c, m);
	case MSB_MUX_EOF:
		c->mux_eof = true;
		return 0;
	case MSB_MUX_WINDOW:
		return on_window(c, m);
	case MSB_MUX_CLOSE:
		chan_mux_close(s, c);
		return 0;
	default:
		error_f("unexpected %s from the network child", msb_mux_msg_name(m->type));
		return -1;
	}
}

static int
on_frame(struct session *s, const struct msb_mux *m)
{
	if (!s->hello_seen) {
		if (m->type != MSB_MUX_HELLO || m->version != MSB_MUX_VERSION) {
			error_f("expected HELLO version %u, got %s", MSB_MUX_VERSION,
			    msb_mux_msg_name(m->type));
			return -1;
		}
		s->hello_seen = true;
		return 0;
	}
	if (m->type == MSB_MUX_OPEN_SESSION || m->type == MSB_MUX_OPEN_DIRECT_TCPIP)
		return chan_open(s, m);
	struct chan *c = chan_find(s, m->chan);
	if (c == NULL || c->close_rcvd) {
		error_f("%s for unknown channel %u", msb_mux_msg_name(m->type), m->chan);
		return -1;
	}
	if (on_channel_frame(s, c, m) != 0)
		return -1;
	chan_pump(s, c);
	return 0;
}

int
mux_dispatch(struct session *s)
{
	struct msb_mux m;
	int rc;

	/* Leave frames queued while the network child is not reading ours:
	 * their replies would have nowhere to go. */
	while (!mux_out_busy(s) && (rc = msb_mux_get(&s->mux_in, &m)) != 0) {
		if (rc < 0) {
			error_f("malformed frame from the network child");
			return -1;
		}
		s->last_activity = msb_now_ms();
		if (on_frame(s, &m) != 0)
			return -1;
		msb_mux_consume(&s->mux_in, &m);
	}
	return 0;
}
