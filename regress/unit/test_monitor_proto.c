/*
 * The monitor RPC codec: every message type round-trips with boundary
 * values, and every malformed frame the header promises to reject is
 * rejected without touching the output.
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "regress/proto_same.h"
#include "unit.h"
#include "codec_checks.h"

static char big[MSB_MON_MAX_STRING + 2];

static struct msb_mon
msg(uint8_t type)
{
	struct msb_mon m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	return m;
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

CODEC_DEFINE(mon, struct msb_mon, MSB_MON_MAX_FRAME);

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
		CHECK(codec_encodes(&mon_codec, &m) == -1);
		msb_buf_reset(&body);
		CHECK(codec_decodes(&mon_codec, unknown[i], &body) == -1);
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
	CHECK(codec_encodes(&mon_codec, &m) == -1);

	/* over-limit, NUL, NULL strings */
	m = msg(MSB_MON_HOSTKEY); SET(m, key, big, MSB_MON_MAX_STRING + 1);
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_string(&body, big, MSB_MON_MAX_STRING + 1);
	CHECK(codec_decodes(&mon_codec, MSB_MON_HOSTKEY, &body) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); SET(m, detail, "a\0b", 3);
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); SET(m, detail, NULL, 2);
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, "al\0ce", 5, 0);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, big, MSB_MON_MAX_STRING + 1, 0);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PASSWORD, "alice", 5, 0);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == 1);

	/* booleans, enums, flags, log levels */
	auth_request(&body, MSB_MON_METHOD_PUBLICKEY, "alice", 5, 2);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_PUBLICKEY, "alice", 5, 255);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == -1);
	auth_request(&body, MSB_MON_METHOD_OTHER + 1, "alice", 5, 1);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_REQUEST, &body) == -1);
	m = msg(MSB_MON_AUTH_REQUEST); m.method = MSB_MON_METHOD_OTHER + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_AUTH_ANSWER); m.result = MSB_MON_AUTH_FULL + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 4); msb_buf_put_u32(&body, 1);
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUTH_ANSWER, &body) == -1);
	m = msg(MSB_MON_AUDIT_OPEN); m.kind = 2;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 2);
	msb_buf_put_cstring(&body, "ls");
	CHECK(codec_decodes(&mon_codec, MSB_MON_AUDIT_OPEN, &body) == -1);
	m = msg(MSB_MON_SESSION); m.flags = 0x100;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_RECORD_OPEN); m.what = MSB_MON_WHAT_SUBSYSTEM + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_RECORD_OPEN); SET(m, term, big, 257);
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_RECORD_FILE); m.result = MSB_MON_RECORD_FAILED + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 2);
	msb_buf_put_u64(&body, 0);
	CHECK(codec_decodes(&mon_codec, MSB_MON_RECORD_FILE, &body) == -1);
	m = msg(MSB_MON_SESSION); m.log_level = MSB_LOG_DEBUG + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	m = msg(MSB_MON_CONFIG); m.log_level = MSB_LOG_DEBUG + 1;
	CHECK(codec_encodes(&mon_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 99);
	msb_buf_put_u32(&body, 0); msb_buf_put_u64(&body, 0); msb_buf_put_u32(&body, 0);
	CHECK(codec_decodes(&mon_codec, MSB_MON_CONFIG, &body) == -1);

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
	for (size_t i = 0; i < ns; i++)
		codec_checks(&mon_codec, &s[i]);
	rejects();
	return unit_done();
}
