/*
 * The session worker's real loop, mux dispatch and channels over
 * socketpairs (regress/session_fixture.c, shared with fuzz_session_mux):
 * what the network child, the agent and the monitor get for an exec with
 * its environment and stdin, a forced command under no-pty and
 * no-port-forwarding, a request after the worker's CLOSE, and a recorded
 * session beside a refused one. The fixture's oracles abort on any frame
 * the protocol or the policy forbids.
 */
#include "config.h"

#include "lib/agent_proto.h"
#include "lib/monitor_proto.h"
#include "lib/mux_proto.h"
#include "regress/session_fixture.h"
#include "unit.h"

struct streams {
	struct msb_buf net, script, frame;
	struct msb_buf to_net, to_agent, to_mon;
	struct sfix_trace trace;
	/* What the last next_mux / next_agent returned, consumed by the next call. */
	size_t mux_prev, agent_prev;
};

/* One frame the worker sent the agent; body points into to_agent. */
struct agent_frame {
	uint8_t type;
	const uint8_t *body;
	size_t len;
};

static void
streams_init(struct streams *t)
{
	t->mux_prev = 0;
	t->agent_prev = SIZE_MAX;
	msb_buf_init(&t->net, 1 << 16);
	msb_buf_init(&t->script, 1 << 16);
	msb_buf_init(&t->frame, 1 << 16);
	msb_buf_init(&t->to_net, 1 << 20);
	msb_buf_init(&t->to_agent, 1 << 20);
	msb_buf_init(&t->to_mon, 1 << 20);
	t->trace = (struct sfix_trace){ .to_net = &t->to_net, .to_agent = &t->to_agent,
	    .to_mon = &t->to_mon };
	struct msb_mux hello = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };
	CHECK(msb_mux_put(&t->net, &hello) == 0);
}

static void
streams_free(struct streams *t)
{
	msb_buf_free(&t->net);
	msb_buf_free(&t->script);
	msb_buf_free(&t->frame);
	msb_buf_free(&t->to_net);
	msb_buf_free(&t->to_agent);
	msb_buf_free(&t->to_mon);
}

static void
net(struct streams *t, struct msb_mux m)
{
	CHECK(msb_mux_put(&t->net, &m) == 0);
}

static void
net_str(struct streams *t, uint8_t type, uint32_t chan, const char *str, const char *str2)
{
	net(t, (struct msb_mux){ .type = type, .chan = chan, .want_reply = true,
	    .str = str, .str_len = strlen(str), .str2 = str2, .str2_len = str2 != NULL ? strlen(str2) : 0 });
}

/* A script record; a write carries what was gathered in t->frame. */
static void
op(struct streams *t, uint8_t code)
{
	size_t n = msb_buf_avail(&t->frame);

	CHECK(msb_buf_put_u8(&t->script, code) == 0);
	if ((code & 0xc0u) == SFIX_OP_WRITE) {
		CHECK(msb_buf_put(&t->script, (uint8_t[]){ (uint8_t)(n >> 8), (uint8_t)n }, 2) == 0);
		CHECK(n == 0 || msb_buf_put(&t->script, msb_buf_ptr(&t->frame), n) == 0);
	}
	msb_buf_reset(&t->frame);
}

static void
agent_hello(struct streams *t)
{
	struct msb_agent_hello h = {
		.magic = MSB_AGENT_MAGIC, .version = MSB_AGENT_VERSION, .software = "test",
	};

	CHECK(msb_agent_put_hello(&t->frame, &h) == 0);
}

static void
run(struct streams *t, unsigned setup)
{
	sfix_run(setup, msb_buf_ptr(&t->net), msb_buf_avail(&t->net), msb_buf_ptr(&t->script),
	    msb_buf_avail(&t->script), &t->trace);
}

/* The next frame the worker sent the network child; false at the end. */
static bool
next_mux(struct streams *t, struct msb_mux *m)
{
	msb_buf_consume(&t->to_net, t->mux_prev);
	t->mux_prev = 0;
	if (msb_mux_get(&t->to_net, m) != 1)
		return false;
	t->mux_prev = m->frame;
	return true;
}

static bool
expect_mux(struct streams *t, uint8_t type, uint32_t chan, struct msb_mux *m)
{
	return CHECK(next_mux(t, m)) && CHECK_STR(msb_mux_msg_name(m->type),
	    msb_mux_msg_name(type)) && CHECK_EQ_U64(m->chan, chan);
}

/* The next frame the worker sent the agent: type and body, consumed on the next call. */
static bool
next_agent(struct streams *t, struct agent_frame *a)
{
	if (t->agent_prev != SIZE_MAX)
		msb_agent_frame_consume(&t->to_agent, t->agent_prev);
	t->agent_prev = SIZE_MAX;
	if (msb_agent_frame_peek(&t->to_agent, &a->type, &a->body, &a->len) != 1)
		return false;
	t->agent_prev = a->len;
	return true;
}

static void
test_exec(void)
{
	struct streams t;
	struct msb_mux m;
	struct agent_frame a;

	streams_init(&t);
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 3 });
	net_str(&t, MSB_MUX_REQ_ENV, 3, "LANG", "C");
	net_str(&t, MSB_MUX_REQ_ENV, 3, "LD_PRELOAD", "/x.so");
	net_str(&t, MSB_MUX_REQ_EXEC, 3, "cat", NULL);
	net(&t, (struct msb_mux){ .type = MSB_MUX_DATA, .chan = 3, .data = (const uint8_t *)"in", .len = 2 });
	net(&t, (struct msb_mux){ .type = MSB_MUX_EOF, .chan = 3 });
	agent_hello(&t);
	CHECK(msb_agent_put_ok(&t.frame) == 0);
	CHECK(msb_agent_put_u32_msg(&t.frame, MSB_AGENT_WINDOW, 100) == 0);
	op(&t, SFIX_OP_WRITE | SFIX_OP_YIELD);
	op(&t, SFIX_OP_NOTHING | SFIX_OP_YIELD);
	CHECK(msb_agent_put_data(&t.frame, MSB_AGENT_STDOUT, "out", 3) == 0);
	struct msb_agent_exit e = { .kind = MSB_EXIT_CODE, .value = 3 };
	CHECK(msb_agent_put_exit(&t.frame, &e) == 0);
	op(&t, SFIX_OP_WRITE);
	op(&t, SFIX_OP_CLOSE);
	run(&t, 0);

	CHECK_EQ_U64(t.trace.dials, 1);
	CHECK(expect_mux(&t, MSB_MUX_HELLO, 0, &m));
	CHECK(expect_mux(&t, MSB_MUX_OPEN_CONFIRM, 3, &m));
	CHECK(expect_mux(&t, MSB_MUX_REQ_REPLY, 3, &m) && CHECK(m.ok));
	CHECK(expect_mux(&t, MSB_MUX_REQ_REPLY, 3, &m) && CHECK(!m.ok));
	CHECK(expect_mux(&t, MSB_MUX_REQ_REPLY, 3, &m) && CHECK(m.ok));
	if (expect_mux(&t, MSB_MUX_DATA, 3, &m))
		CHECK(m.len == 3 && memcmp(m.data, "out", 3) == 0);
	CHECK(expect_mux(&t, MSB_MUX_EXIT_STATUS, 3, &m) && CHECK_EQ_U64(m.n, 3));
	CHECK(expect_mux(&t, MSB_MUX_EOF, 3, &m));
	CHECK(expect_mux(&t, MSB_MUX_CLOSE, 3, &m));
	CHECK(!next_mux(&t, &m));

	CHECK(next_agent(&t, &a) && CHECK(a.type == MSB_AGENT_HELLO));
	struct msb_agent_exec x;
	if (CHECK(next_agent(&t, &a)) && CHECK(a.type == MSB_AGENT_EXEC) &&
	    CHECK(msb_agent_get_exec(a.body, a.len, &x) == 0)) {
		CHECK_STR(x.command, "cat");
		CHECK_STR(x.user, SFIX_GUEST_USER);
		CHECK(x.envc == 1 && strcmp(x.env[0], "LANG=C") == 0);
		msb_agent_exec_free(&x);
	}
	CHECK(next_agent(&t, &a) && CHECK(a.type == MSB_AGENT_STDIN) &&
	    CHECK(a.len == 2 && memcmp(a.body, "in", 2) == 0));
	CHECK(next_agent(&t, &a) && CHECK(a.type == MSB_AGENT_STDIN_EOF));
	CHECK(!next_agent(&t, &a));
	streams_free(&t);
}

/* With a forced command, the sftp subsystem runs it; no PTY, no forwarding. */
static void
test_forced(void)
{
	struct streams t;
	struct msb_mux m;
	struct agent_frame a;

	streams_init(&t);
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&t, (struct msb_mux){ .type = MSB_MUX_REQ_PTY, .chan = 0, .want_reply = true,
	    .str = "xterm", .str_len = 5, .cols = 80, .rows = 24 });
	net_str(&t, MSB_MUX_REQ_SUBSYSTEM, 0, "sftp", NULL);
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_DIRECT_TCPIP, .chan = 1,
	    .str = "10.0.0.1", .str_len = 8, .port = 22, .str2 = "", .orig_port = 0 });
	agent_hello(&t);
	CHECK(msb_agent_put_ok(&t.frame) == 0);
	struct msb_agent_exit e = { .kind = MSB_EXIT_SIGNAL, .value = 9 };
	CHECK(msb_agent_put_exit(&t.frame, &e) == 0);
	op(&t, SFIX_OP_WRITE | SFIX_OP_YIELD);
	op(&t, SFIX_OP_CLOSE);
	run(&t, SFIX_FORCED | SFIX_NO_PTY | SFIX_NO_PORT_FWD);

	CHECK_EQ_U64(t.trace.dials, 1);
	CHECK(expect_mux(&t, MSB_MUX_HELLO, 0, &m));
	CHECK(expect_mux(&t, MSB_MUX_OPEN_CONFIRM, 0, &m));
	CHECK(expect_mux(&t, MSB_MUX_REQ_REPLY, 0, &m) && CHECK(!m.ok));
	CHECK(expect_mux(&t, MSB_MUX_REQ_REPLY, 0, &m) && CHECK(m.ok));
	CHECK(expect_mux(&t, MSB_MUX_EXIT_SIGNAL, 0, &m) &&
	    CHECK(m.str_len == 4 && memcmp(m.str, "KILL", 4) == 0));
	CHECK(expect_mux(&t, MSB_MUX_OPEN_FAILURE, 1, &m) &&
	    CHECK_EQ_U64(m.n, MSB_MUX_OPEN_PROHIBITED));
	CHECK(expect_mux(&t, MSB_MUX_EOF, 0, &m));
	CHECK(expect_mux(&t, MSB_MUX_CLOSE, 0, &m));
	CHECK(!next_mux(&t, &m));

	struct msb_agent_exec x;
	CHECK(next_agent(&t, &a) && CHECK(a.type == MSB_AGENT_HELLO));
	if (CHECK(next_agent(&t, &a)) && CHECK(a.type == MSB_AGENT_EXEC) &&
	    CHECK(msb_agent_get_exec(a.body, a.len, &x) == 0)) {
		CHECK_STR(x.command, SFIX_FORCED_COMMAND);
		CHECK(!(x.flags & MSB_EXEC_PTY));
		CHECK(x.envc == 1 && strcmp(x.env[0], "SSH_ORIGINAL_COMMAND=sftp") == 0);
		msb_agent_exec_free(&x);
	}
	streams_free(&t);
}

/* A request the worker gets after its own CLOSE goes unanswered, as in sshd. */
static void
test_request_after_close(void)
{
	struct streams t;
	struct msb_mux m;
	size_t replies = 0;
	bool closed = false, late = false;

	streams_init(&t);
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 5 });
	net_str(&t, MSB_MUX_REQ_EXEC, 5, "nosuch", NULL);
	net_str(&t, MSB_MUX_REQ_ENV, 5, "LANG", "C");
	net_str(&t, MSB_MUX_REQ_EXEC, 5, "again", NULL);
	agent_hello(&t);
	CHECK(msb_agent_put_error(&t.frame, MSB_AGENT_E_EXEC, "nosuch: not found") == 0);
	op(&t, SFIX_OP_WRITE | SFIX_OP_YIELD);
	run(&t, 0);

	while (next_mux(&t, &m)) {
		if (m.type == MSB_MUX_EXIT_STATUS)
			CHECK_EQ_U64(m.n, 127);
		late |= closed;
		closed |= m.type == MSB_MUX_CLOSE;
		replies += m.type == MSB_MUX_REQ_REPLY;
	}
	CHECK(closed);
	CHECK(!late);
	CHECK_EQ_U64(replies, 1);
	streams_free(&t);
}

/* --record: the monitor's file for channel 0, its refusal for channel 1. */
static void
test_record(void)
{
	struct streams t;
	struct msb_mon mm;
	unsigned opens = 0, audits = 0, closes = 0;

	streams_init(&t);
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 0 });
	net(&t, (struct msb_mux){ .type = MSB_MUX_REQ_SHELL, .chan = 0, .want_reply = true });
	net(&t, (struct msb_mux){ .type = MSB_MUX_OPEN_SESSION, .chan = 1 });
	net_str(&t, MSB_MUX_REQ_EXEC, 1, "true", NULL);
	agent_hello(&t);
	CHECK(msb_agent_put_ok(&t.frame) == 0);
	CHECK(msb_agent_put_data(&t.frame, MSB_AGENT_STDOUT, "hello", 5) == 0);
	struct msb_agent_exit e = { .kind = MSB_EXIT_CODE, .value = 0 };
	CHECK(msb_agent_put_exit(&t.frame, &e) == 0);
	op(&t, SFIX_OP_WRITE);
	op(&t, SFIX_OP_CLOSE | SFIX_OP_YIELD);
	run(&t, SFIX_RECORD);

	CHECK_EQ_U64(t.trace.dials, 1);
	while (msb_mon_get(&t.to_mon, &mm) == 1) {
		opens += mm.type == MSB_MON_RECORD_OPEN;
		audits += mm.type == MSB_MON_AUDIT_OPEN;
		if (mm.type == MSB_MON_AUDIT_CLOSE && CHECK_EQ_U64(mm.chan, 0))
			closes++;
		msb_mon_consume(&t.to_mon, &mm);
	}
	CHECK_EQ_U64(opens, 2);
	CHECK_EQ_U64(audits, 1);
	CHECK_EQ_U64(closes, 1);
	streams_free(&t);
}

int
main(void)
{
	sfix_setup();
	test_exec();
	test_forced();
	test_request_after_close();
	test_record();
	return unit_done();
}
