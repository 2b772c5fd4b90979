/*
 * The monitor RPC codec: every message type round-trips with boundary
 * values, and every malformed frame the header promises to reject is
 * rejected without touching the output.
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/frame.h"
#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "unit.h"

static char big[MSB_MON_MAX_STRING + 2];

static struct msb_mon
msg(uint8_t type)
{
	struct msb_mon m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	return m;
}

static int
same_mem(const void *a, size_t an, const void *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

#define SAME_STR(f) same_mem(a->f, a->f##_len, b->f, b->f##_len)

static int
same(const struct msb_mon *a, const struct msb_mon *b)
{
	return a->type == b->type && a->version == b->version &&
	    a->log_level == b->log_level &&
	    a->idle_timeout_s == b->idle_timeout_s && a->rekey_s == b->rekey_s &&
	    a->rekey_bytes == b->rekey_bytes && a->method == b->method &&
	    a->result == b->result && a->tries_left == b->tries_left &&
	    a->is_signed == b->is_signed && a->flags == b->flags &&
	    a->chan == b->chan && a->kind == b->kind &&
	    a->bytes_in == b->bytes_in && a->bytes_out == b->bytes_out &&
	    a->exit == b->exit && SAME_STR(user) && SAME_STR(guest_user) &&
	    SAME_STR(key) && SAME_STR(command) && SAME_STR(vsock) &&
	    SAME_STR(env_allow) && SAME_STR(detail) && SAME_STR(sftp_deny) &&
	    SAME_STR(sftp_allow) && a->what == b->what && a->cols == b->cols &&
	    a->rows == b->rows && SAME_STR(term) && a->record_max == b->record_max &&
	    a->record_used == b->record_used;
}

#define SET(m, f, s, n) ((m).f = (s), (m).f##_len = (n))

static size_t
samples(struct msb_mon *s)
{
	size_t n = 0;

	s[n] = msg(MSB_MON_HOSTKEY);
	SET(s[n], key, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36); n++;
	s[n] = msg(MSB_MON_HOSTKEY); SET(s[n], key, big, MSB_MON_MAX_STRING); n++;
	s[n] = msg(MSB_MON_CONFIG); s[n].version = MSB_MON_VERSION;
	s[n].log_level = MSB_LOG_DEBUG; s[n].idle_timeout_s = 600;
	s[n].rekey_bytes = UINT64_MAX; s[n].rekey_s = UINT32_MAX; n++;
	s[n] = msg(MSB_MON_CONFIG); s[n++].log_level = MSB_LOG_QUIET;
	s[n] = msg(MSB_MON_AUTH_ANSWER); s[n].result = MSB_MON_AUTH_ALLOW;
	s[n++].tries_left = UINT32_MAX;
	s[n] = msg(MSB_MON_AUTH_ANSWER); s[n].result = MSB_MON_AUTH_DENY; n++;
	s[n] = msg(MSB_MON_AUTH_ANSWER); s[n].result = MSB_MON_AUTH_FULL; n++;
	s[n] = msg(MSB_MON_AUTH_ANSWER); s[n].result = MSB_MON_AUTH_OK;
	s[n++].tries_left = 5;
	s[n] = msg(MSB_MON_AUTH_REQUEST); s[n].method = MSB_MON_METHOD_PUBLICKEY;
	SET(s[n], user, "alice", 5);
	SET(s[n], key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37);
	s[n++].is_signed = true;
	s[n] = msg(MSB_MON_AUTH_REQUEST); s[n].method = MSB_MON_METHOD_NONE; n++;
	s[n] = msg(MSB_MON_AUTH_REQUEST); s[n].method = MSB_MON_METHOD_OTHER;
	SET(s[n], user, big, MSB_MON_MAX_STRING); n++;
	s[n] = msg(MSB_MON_SESSION); s[n].version = MSB_MON_VERSION;
	SET(s[n], user, "alice", 5); SET(s[n], guest_user, "root", 4);
	s[n].flags = MSB_MON_F_NO_PTY | MSB_MON_F_NO_PORT_FORWARD |
	    MSB_MON_F_NO_SFTP | MSB_MON_F_FORCED_COMMAND | MSB_MON_F_SFTP_READ_ONLY |
	    MSB_MON_F_SFTP_ALLOW | MSB_MON_F_RECORD | MSB_MON_F_RECORD_INPUT;
	s[n].record_max = UINT64_MAX;
	SET(s[n], command, "uptime", 6); SET(s[n], vsock, "vsock:/run/v.sock", 17);
	SET(s[n], env_allow, "LANG,LC_*,TERM", 14);
	SET(s[n], sftp_deny, "write,remove", 12); SET(s[n], sftp_allow, "open,read", 9);
	s[n].log_level = MSB_LOG_INFO; s[n].idle_timeout_s = UINT32_MAX;
	s[n++].max_sessions = 10;
	s[n] = msg(MSB_MON_SESSION); SET(s[n], vsock, big, MSB_MON_MAX_STRING);
	SET(s[n], env_allow, big, MSB_MON_MAX_STRING);
	SET(s[n], command, big, MSB_MON_MAX_STRING); n++;
	s[n] = msg(MSB_MON_AUDIT_OPEN); s[n].chan = UINT32_MAX;
	s[n].kind = MSB_MON_KIND_DIRECT_TCPIP; SET(s[n], detail, "example.org:443", 15); n++;
	s[n] = msg(MSB_MON_AUDIT_OPEN); s[n].kind = MSB_MON_KIND_SESSION; n++;
	s[n] = msg(MSB_MON_AUDIT_CLOSE); s[n].chan = 3; s[n].bytes_in = UINT64_MAX;
	s[n].bytes_out = 0; s[n++].exit = -1;
	s[n] = msg(MSB_MON_AUDIT_CLOSE); s[n++].exit = INT32_MIN;
	s[n] = msg(MSB_MON_AUDIT_CLOSE); s[n++].exit = INT32_MAX;
	s[n] = msg(MSB_MON_AUDIT_CLOSE); s[n++].exit = 128 + 9;
	s[n] = msg(MSB_MON_RECORD_OPEN); s[n].chan = 7; s[n].what = MSB_MON_WHAT_EXEC;
	SET(s[n], detail, "ls -l", 5); SET(s[n], term, "xterm-256color", 14);
	s[n].cols = UINT32_MAX; s[n++].rows = 24;
	s[n] = msg(MSB_MON_RECORD_OPEN); s[n].what = MSB_MON_WHAT_SUBSYSTEM;
	SET(s[n], detail, big, MSB_MON_MAX_STRING); SET(s[n], term, big, 256); n++;
	s[n] = msg(MSB_MON_RECORD_OPEN); s[n++].what = MSB_MON_WHAT_SHELL;
	s[n] = msg(MSB_MON_RECORD_FILE); s[n].chan = UINT32_MAX;
	s[n].result = MSB_MON_RECORD_OK; s[n++].record_used = 120;
	s[n] = msg(MSB_MON_RECORD_FILE); s[n].result = MSB_MON_RECORD_FAILED;
	s[n++].record_used = UINT64_MAX;
	return n;
}

static void
roundtrip(const struct msb_mon *m)
{
	struct msb_buf b;
	struct msb_mon d;

	msb_buf_init(&b, MSB_MON_MAX_FRAME + 4);
	if (!CHECK(msb_mon_put(&b, m) == 0))
		goto out;
	if (!CHECK(msb_mon_get(&b, &d) == 1))
		goto out;
	if (!CHECK(same(m, &d)))
		fprintf(stderr, "  type %s\n", msb_mon_msg_name(m->type));
	CHECK_EQ_U64(d.frame, msb_buf_avail(&b));
	CHECK(strcmp(msb_mon_msg_name(m->type), "unknown") != 0);
	msb_mon_consume(&b, &d);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
out:
	msb_buf_free(&b);
}

static void
truncations(const struct msb_mon *m)
{
	struct msb_buf b, t;
	struct msb_mon d;

	msb_buf_init(&b, MSB_MON_MAX_FRAME + 4);
	msb_buf_init(&t, MSB_MON_MAX_FRAME + 4);
	if (!CHECK(msb_mon_put(&b, m) == 0))
		goto out;
	const uint8_t *p = msb_buf_ptr(&b);
	size_t n = msb_buf_avail(&b);
	int bad = 0;
	size_t step = n > 4096 ? 97 : 1;
	for (size_t k = 0; k < n; k += step) {
		msb_buf_reset(&t);
		msb_buf_put(&t, p, k);
		bad |= msb_mon_get(&t, &d) != 0;
	}
	for (size_t k = MSB_FRAME_HEADER; k < n; k += step) {
		msb_buf_reset(&t);
		msb_buf_put_u32(&t, (uint32_t)(k - 4));
		msb_buf_put(&t, p + 4, k - 4);
		bad |= msb_mon_get(&t, &d) != -1;
	}
	CHECK(!bad);
	msb_buf_reset(&t);
	msb_buf_put_u32(&t, (uint32_t)(n - 4 + 1));
	msb_buf_put(&t, p + 4, n - 4);
	msb_buf_put_u8(&t, 0);
	CHECK(msb_mon_get(&t, &d) == -1);
out:
	msb_buf_free(&b);
	msb_buf_free(&t);
}

static void
too_small(const struct msb_mon *m)
{
	static const uint8_t queued[7] = "queued";
	struct msb_buf b;
	int bad = 0;

	msb_buf_init(&b, MSB_MON_MAX_FRAME + 4);
	if (!CHECK(msb_mon_put(&b, m) == 0))
		goto out;
	size_t need = msb_buf_avail(&b) + sizeof(queued);
	size_t step = need > 4096 ? 499 : 1;
	for (size_t max = 0; max < need; max += step) {
		msb_buf_free(&b);
		msb_buf_init(&b, max);
		size_t q = max < sizeof(queued) ? max : sizeof(queued);
		msb_buf_put(&b, queued, q);
		bad |= msb_mon_put(&b, m) != -1;
		bad |= !same_mem(msb_buf_ptr(&b), msb_buf_avail(&b), queued, q);
	}
	CHECK(!bad);
out:
	msb_buf_free(&b);
}

/* As in test_mux_proto: max leaves room only after compaction. */
static void
compaction(const struct msb_mon *s, size_t ns)
{
	struct msb_buf b, probe;
	struct msb_mon d;
	uint8_t filler[100];

	memset(filler, 'f', sizeof(filler));
	for (size_t i = 0; i < ns; i++) {
		msb_buf_init(&probe, MSB_MON_MAX_FRAME + 4);
		CHECK(msb_mon_put(&probe, &s[i]) == 0);
		size_t fl = msb_buf_avail(&probe);
		msb_buf_free(&probe);
		size_t fill = 40 + (fl < 60 ? fl : 60);
		msb_buf_init(&b, fl + 40);
		msb_buf_put(&b, filler, fill);
		msb_buf_consume(&b, fill - 40);
		if (CHECK(msb_mon_put(&b, &s[i]) == 0)) {
			CHECK(same_mem(msb_buf_ptr(&b), 40, filler, 40));
			msb_buf_consume(&b, 40);
			CHECK(msb_mon_get(&b, &d) == 1 && same(&s[i], &d));
		}
		msb_buf_free(&b);
	}
}

static int
decodes(uint8_t type, const struct msb_buf *body)
{
	struct msb_buf b;
	struct msb_mon d;

	msb_buf_init(&b, 2 * MSB_MON_MAX_FRAME);
	msb_buf_put_u32(&b, (uint32_t)(1 + msb_buf_avail(body)));
	msb_buf_put_u8(&b, type);
	msb_buf_put(&b, msb_buf_ptr(body), msb_buf_avail(body));
	int rc = msb_mon_get(&b, &d);
	msb_buf_free(&b);
	return rc;
}

static int
encodes(const struct msb_mon *m)
{
	struct msb_buf b;

	msb_buf_init(&b, 2 * MSB_MON_MAX_FRAME);
	int rc = msb_mon_put(&b, m);
	CHECK(rc == 0 || msb_buf_avail(&b) == 0);
	msb_buf_free(&b);
	return rc;
}

/* An AUTH_REQUEST body with the given method, user and signed byte. */
static void
auth_request(struct msb_buf *body, uint32_t method, const void *user,
    size_t user_len, uint8_t is_signed)
{
	msb_buf_reset(body);
	msb_buf_put_u32(body, method);
	msb_buf_put_string(body, user, user_len);
	msb_buf_put_cstring(body, "");
	msb_buf_put_u8(body, is_signed);
}

static void
rejects(void)
{
	struct msb_buf body, b;
	struct msb_mon m, d;
	static const uint8_t unknown[] = { 0, 4, 9, 11, 19, 22, 29, 33, 255 };

	msb_buf_init(&body, 2 * MSB_MON_MAX_FRAME);
	for (size_t i = 0; i < sizeof(unknown); i++) {
		m = msg(unknown[i]);
		CHECK(encodes(&m) == -1);
		msb_buf_reset(&body);
		CHECK(decodes(unknown[i], &body) == -1);
		CHECK_STR(msb_mon_msg_name(unknown[i]), "unknown");
	}

	msb_buf_init(&b, 64);
	msb_buf_put_u32(&b, 0);
	CHECK(msb_mon_get(&b, &d) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, MSB_MON_MAX_FRAME + 1);
	CHECK(msb_mon_get(&b, &d) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, MSB_MON_MAX_FRAME);
	CHECK(msb_mon_get(&b, &d) == 0);
	msb_buf_free(&b);
	/* every string at its limit is more than one frame holds */
	m = msg(MSB_MON_SESSION);
	SET(m, user, big, MSB_MON_MAX_STRING);
	SET(m, guest_user, big, MSB_MON_MAX_STRING);
	SET(m, command, big, MSB_MON_MAX_STRING);
	SET(m, vsock, big, MSB_MON_MAX_STRING);
	SET(m, env_allow, big, MSB_MON_MAX_STRING);
	CHECK(encodes(&m) == -1);

	/* over-limit, NUL, NULL strings */
	m = msg(MSB_MON_HOSTKEY); SET(m, key, big, MSB_MON_MAX_STRING + 1);
	CHECK(encodes(&m) == -1);
	msb_buf_reset(&body); msb_buf_put_string(&body, big, MSB_MON_MAX_STRING + 1);
	CHECK(decodes(MSB_MON_HOSTKEY, &body) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); SET(m, detail, "a\0b", 3);
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); SET(m, detail, NULL, 2);
	CHECK(encodes(&m) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, "al\0ce", 5, 0);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, big, MSB_MON_MAX_STRING + 1, 0);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, "alice", 5, 0);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == 1);

	/* booleans, enums, flags, log levels */
	auth_request(&body, MSB_MON_METHOD_PUBLICKEY, "alice", 5, 2);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PUBLICKEY, "alice", 5, 255);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_OTHER + 1, "alice", 5, 1);
	CHECK(decodes(MSB_MON_AUTH_REQUEST, &body) == -1);
	m = msg(MSB_MON_AUTH_REQUEST); m.method = MSB_MON_METHOD_OTHER + 1;
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_AUTH_ANSWER); m.result = MSB_MON_AUTH_FULL + 1;
	CHECK(encodes(&m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 4); msb_buf_put_u32(&body, 1);
	CHECK(decodes(MSB_MON_AUTH_ANSWER, &body) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); m.kind = 2;
	CHECK(encodes(&m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 2);
	msb_buf_put_cstring(&body, "ls");
	CHECK(decodes(MSB_MON_AUDIT_OPEN, &body) == -1);
	m = msg(MSB_MON_SESSION); m.flags = 0x100;
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_RECORD_OPEN); m.what = MSB_MON_WHAT_SUBSYSTEM + 1;
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_RECORD_OPEN); SET(m, term, big, 257);
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_RECORD_FILE); m.result = MSB_MON_RECORD_FAILED + 1;
	CHECK(encodes(&m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 2);
	msb_buf_put_u64(&body, 0);
	CHECK(decodes(MSB_MON_RECORD_FILE, &body) == -1);
	m = msg(MSB_MON_SESSION); m.log_level = MSB_LOG_DEBUG + 1;
	CHECK(encodes(&m) == -1);
	m = msg(MSB_MON_CONFIG); m.log_level = MSB_LOG_DEBUG + 1;
	CHECK(encodes(&m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 99);
	msb_buf_put_u32(&body, 0); msb_buf_put_u64(&body, 0); msb_buf_put_u32(&body, 0);
	CHECK(decodes(MSB_MON_CONFIG, &body) == -1);

	/* exit is two's complement on the wire */
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u64(&body, 0);
	msb_buf_put_u64(&body, 0); msb_buf_put_u32(&body, 0xffffffffu);
	msb_buf_init(&b, 128);
	msb_buf_put_u32(&b, (uint32_t)(1 + msb_buf_avail(&body)));
	msb_buf_put_u8(&b, MSB_MON_AUDIT_CLOSE);
	msb_buf_put(&b, msb_buf_ptr(&body), msb_buf_avail(&body));
	CHECK(msb_mon_get(&b, &d) == 1 && d.exit == -1);
	msb_buf_free(&b);

	msb_buf_free(&body);
}

int
main(void)
{
	struct msb_mon s[40];

	memset(big, 'k', sizeof(big) - 1);
	size_t ns = samples(s);
	for (size_t i = 0; i < ns; i++) {
		roundtrip(&s[i]);
		truncations(&s[i]);
		too_small(&s[i]);
	}
	compaction(s, ns);
	rejects();
	return unit_done();
}
