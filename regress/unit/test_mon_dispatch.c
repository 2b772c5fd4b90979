/*
 * The monitor's dispatch table (monitor/mon_dispatch.c) with its real
 * handlers, over socketpairs (regress/mon_fixture.c): every frame outside
 * the row for its sender and phase ends the connection with the violation
 * named; what the table admits is answered.
 */
#include "config.h"

#include "regress/mon_fixture.h"
#include "unit.h"

static struct monitor_opts o;
static struct mon m;

/* Encodes frames into one stream. */
static size_t
stream(uint8_t *out, size_t cap, const struct msb_mon *msgs, size_t n)
{
	struct msb_buf b;

	msb_buf_init(&b, cap);
	for (size_t i = 0; i < n; i++)
		if (msb_mon_put(&b, &msgs[i]) != 0)
			abort();
	size_t len = msb_buf_avail(&b);
	memcpy(out, msb_buf_ptr(&b), len);
	msb_buf_free(&b);
	return len;
}

static const char *
send_frames(enum mon_sender from, const struct msb_mon *msgs, size_t n, struct msb_buf *answers)
{
	uint8_t buf[8192];

	return mon_fixture_serve(&m, from, buf, stream(buf, sizeof(buf), msgs, n), answers);
}

#define REQ(user_, key_, signed_) { .type = MSB_MON_AUTH_REQUEST, \
	.method = MSB_MON_METHOD_PUBLICKEY, .user = (user_), .user_len = strlen(user_), \
	.key = (key_), .key_len = strlen(key_), .is_signed = (signed_) }
#define AUDIT_OPEN(kind_, detail_) { .type = MSB_MON_AUDIT_OPEN, .chan = 1, .kind = (kind_), \
	.detail = (detail_), .detail_len = strlen(detail_) }
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The answers' results, in order. */
static size_t
results(struct msb_buf *answers, uint32_t *out, size_t cap)
{
	struct msb_mon a;
	size_t n = 0;

	while (n < cap && msb_mon_get(answers, &a) == 1) {
		CHECK(a.type == MSB_MON_AUTH_ANSWER);
		out[n++] = a.result;
		msb_mon_consume(answers, &a);
	}
	CHECK(msb_buf_avail(answers) == 0);
	return n;
}

/* A login accepted by key: asked unsigned first, then signed. */
static void
test_login(void)
{
	const struct msb_mon reqs[] = { REQ("root", FIX_KEY_OTHER, false),
	    REQ("root", FIX_KEY_USER, false), REQ("root", FIX_KEY_USER, true) };
	struct msb_buf answers;
	uint32_t r[4];

	msb_buf_init(&answers, 4096);
	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, reqs, N(reqs), &answers), NULL);
	CHECK_EQ_U64(results(&answers, r, 4), 3);
	CHECK_EQ_U64(r[0], MSB_MON_AUTH_OK);  /* from= admits 10.1.2.3 */
	CHECK_EQ_U64(r[1], MSB_MON_AUTH_OK);
	CHECK_EQ_U64(r[2], MSB_MON_AUTH_ALLOW);
	CHECK(m.phase == PH_POSTAUTH);

	/* The network child may send nothing now. */
	const struct msb_mon late[] = { REQ("root", FIX_KEY_USER, true) };
	CHECK_STR(send_frames(MON_FROM_PREAUTH, late, 1, NULL),
	    "preauth child: AUTH_REQUEST after authentication");
	mon_fixture_end(&m);
	msb_buf_free(&answers);
}

static void
test_refusals(void)
{
	const struct msb_mon worker_early[] = { AUDIT_OPEN(MSB_MON_KIND_DIRECT_TCPIP, "h:1") };
	const struct msb_mon wrong_sender[] = { AUDIT_OPEN(MSB_MON_KIND_DIRECT_TCPIP, "h:1") };
	const struct msb_mon empty_user[] = { REQ("", FIX_KEY_USER, false) };
	const struct msb_mon user_changed[] = { REQ("root", FIX_KEY_OTHER, false),
	    REQ("alice", FIX_KEY_OTHER, false) };
	const struct msb_mon answer_back[] = { { .type = MSB_MON_AUTH_ANSWER } };

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_WORKER, worker_early, 1, NULL),
	    "session worker: AUDIT_OPEN before authentication");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, wrong_sender, 1, NULL), "preauth child: AUDIT_OPEN");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, answer_back, 1, NULL), "preauth child: AUTH_ANSWER");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, empty_user, 1, NULL),
	    "preauth child: user name empty or too long");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, user_changed, 2, NULL),
	    "preauth child: user changed during authentication");
	mon_fixture_end(&m);

	/* Bytes that are no frame, and a frame cut short. */
	static const uint8_t junk[] = { 0, 0, 0, 2, 99, 0 }, cut[] = { 0, 0, 0, 9, 10, 0 };
	mon_fixture_start(&m, &o, 0);
	CHECK_STR(mon_fixture_serve(&m, MON_FROM_PREAUTH, junk, sizeof(junk), NULL),
	    "preauth child: malformed message");
	mon_fixture_end(&m);
	mon_fixture_start(&m, &o, 0);
	CHECK_STR(mon_fixture_serve(&m, MON_FROM_PREAUTH, cut, sizeof(cut), NULL),
	    "preauth child: truncated message");
	mon_fixture_end(&m);
}

/* After authentication: the worker's reports; with --record, none for an unrecorded session. */
static void
test_worker(void)
{
	const struct msb_mon login[] = { REQ("alice", FIX_CERT_USER, true) };
	const struct msb_mon reports[] = { AUDIT_OPEN(MSB_MON_KIND_SESSION, "ls"),
	    { .type = MSB_MON_AUDIT_CLOSE, .chan = 1, .exit = 0 } };
	const struct msb_mon from_worker[] = { REQ("alice", FIX_CERT_USER, true) };
	const struct msb_mon record[] = { { .type = MSB_MON_RECORD_OPEN, .chan = 1,
	    .what = MSB_MON_WHAT_SHELL } };

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, login, 1, NULL), NULL);
	CHECK(m.phase == PH_POSTAUTH);
	CHECK_STR(send_frames(MON_FROM_WORKER, reports, 2, NULL), NULL);
	CHECK_STR(send_frames(MON_FROM_WORKER, from_worker, 1, NULL),
	    "session worker: AUTH_REQUEST");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, login, 1, NULL), NULL);
	CHECK_STR(send_frames(MON_FROM_WORKER, record, 1, NULL),
	    "session worker: RECORD_OPEN with recording off, or its answer not read");
	mon_fixture_end(&m);

	mon_fixture_start(&m, &o, FIX_RECORD);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, login, 1, NULL), NULL);
	CHECK_STR(send_frames(MON_FROM_WORKER, reports, 2, NULL),
	    "session worker: AUDIT_OPEN of a session channel that is not recorded");
	mon_fixture_end(&m);

	/* Closing: the worker's last records are still taken. */
	mon_fixture_start(&m, &o, 0);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, login, 1, NULL), NULL);
	m.phase = PH_CLOSING;
	CHECK_STR(send_frames(MON_FROM_WORKER, reports + 1, 1, NULL), NULL);
	mon_fixture_end(&m);
}

/* Refusals are counted; the last allowed one closes the connection. */
static void
test_tries(void)
{
	const struct msb_mon reqs[] = { REQ("root", FIX_KEY_GLOBAL "x", true),
	    REQ("root", FIX_KEY_USER, true) };
	struct msb_buf answers;
	uint32_t r[2];

	msb_buf_init(&answers, 4096);
	mon_fixture_start(&m, &o, FIX_ONE_TRY);
	CHECK_STR(send_frames(MON_FROM_PREAUTH, reqs, 2, &answers), NULL);
	CHECK_EQ_U64(results(&answers, r, 2), 1);
	CHECK_EQ_U64(r[0], MSB_MON_AUTH_DENY);
	CHECK(m.phase == PH_CLOSING);
	mon_fixture_end(&m);
	msb_buf_free(&answers);
}

int
main(void)
{
	mon_fixture_setup();
	test_login();
	test_refusals();
	test_worker();
	test_tries();
	return unit_done();
}
