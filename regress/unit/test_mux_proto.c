/*
 * The channel mux codec: every message type round-trips with boundary
 * values, and every malformed frame the header promises to reject is
 * rejected without touching the output.
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/mux_proto.h"
#include "regress/proto_same.h"
#include "unit.h"
#include "codec_checks.h"

static char big[MSB_MUX_MAX_COMMAND + 2];
static uint8_t bytes[MSB_MUX_MAX_DATA + 1];

static struct msb_mux
msg(uint8_t type, uint32_t chan)
{
	struct msb_mux m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.chan = chan;
	return m;
}

static void
set_str(struct msb_mux *m, const char *s, size_t n)
{
	m->str = s;
	m->str_len = n;
}

static void
set_str2(struct msb_mux *m, const char *s, size_t n)
{
	m->str2 = s;
	m->str2_len = n;
}

static void
set_data(struct msb_mux *m, const uint8_t *p, size_t n)
{
	m->data = p;
	m->len = n;
}

/* Every valid message the tests start from, at the edges of each range. */
static size_t
samples(struct msb_mux *s)
{
	size_t n = 0;

	s[n] = msg(MSB_MUX_HELLO, 0); s[n++].version = MSB_MUX_VERSION;
	s[n] = msg(MSB_MUX_HELLO, 0); s[n++].version = UINT32_MAX;
	s[n++] = msg(MSB_MUX_OPEN_SESSION, 0);
	s[n++] = msg(MSB_MUX_OPEN_SESSION, UINT32_MAX);
	s[n] = msg(MSB_MUX_OPEN_DIRECT_TCPIP, 7);
	set_str(&s[n], "example.org", 11); s[n].port = 1;
	set_str2(&s[n], "127.0.0.1", 9); s[n++].orig_port = 65535;
	s[n] = msg(MSB_MUX_OPEN_DIRECT_TCPIP, 8);
	set_str(&s[n], big, MSB_MUX_MAX_STRING); s[n].port = 65535;
	set_str2(&s[n], "", 0); s[n++].orig_port = 0;
	s[n] = msg(MSB_MUX_REQ_PTY, 1); s[n].want_reply = true;
	set_str(&s[n], "xterm-256color", 14); s[n].cols = 0xffff; s[n].rows = 0;
	set_data(&s[n], bytes, 37); n++;
	s[n] = msg(MSB_MUX_REQ_PTY, 1);
	set_str(&s[n], "", 0); s[n].cols = 0; s[n].rows = 0xffff;
	set_data(&s[n], bytes, MSB_MUX_MAX_STRING); n++;
	s[n] = msg(MSB_MUX_REQ_ENV, 2); s[n].want_reply = true;
	set_str(&s[n], "LANG", 4); set_str2(&s[n], "C.UTF-8", 7); n++;
	s[n] = msg(MSB_MUX_REQ_ENV, 2);
	set_str(&s[n], big, MSB_MUX_MAX_STRING);
	set_str2(&s[n], big, MSB_MUX_MAX_STRING); n++;
	s[n] = msg(MSB_MUX_REQ_EXEC, 3); s[n].want_reply = true;
	set_str(&s[n], "echo hi", 7); n++;
	s[n] = msg(MSB_MUX_REQ_EXEC, 3); set_str(&s[n], big, MSB_MUX_MAX_COMMAND); n++;
	s[n] = msg(MSB_MUX_REQ_SHELL, 4); s[n++].want_reply = true;
	s[n++] = msg(MSB_MUX_REQ_SHELL, 4);
	s[n] = msg(MSB_MUX_REQ_SUBSYSTEM, 5); s[n].want_reply = true;
	set_str(&s[n], "sftp", 4); n++;
	s[n] = msg(MSB_MUX_REQ_WINDOW_CHANGE, 6); s[n].cols = 80; s[n++].rows = 0xffff;
	s[n] = msg(MSB_MUX_REQ_SIGNAL, 6); set_str(&s[n], "INT", 3); n++;
	s[n++] = msg(MSB_MUX_OPEN_CONFIRM, 9);
	s[n] = msg(MSB_MUX_OPEN_FAILURE, 9); s[n].n = MSB_MUX_OPEN_CONNECT_FAIL;
	set_str(&s[n], "connection refused", 18); n++;
	s[n] = msg(MSB_MUX_OPEN_FAILURE, 9); s[n].n = UINT32_MAX;
	set_str(&s[n], "", 0); n++;
	s[n] = msg(MSB_MUX_REQ_REPLY, 10); s[n++].ok = true;
	s[n++] = msg(MSB_MUX_REQ_REPLY, 10);
	s[n] = msg(MSB_MUX_EXT_DATA, 11); set_data(&s[n], bytes, MSB_MUX_MAX_DATA); n++;
	s[n] = msg(MSB_MUX_EXIT_STATUS, 12); s[n++].n = 255;
	s[n] = msg(MSB_MUX_EXIT_STATUS, 12); s[n++].n = UINT32_MAX;
	s[n] = msg(MSB_MUX_EXIT_SIGNAL, 13); set_str(&s[n], "SEGV", 4);
	s[n].core = true; set_str2(&s[n], "Segmentation fault", 18); n++;
	s[n] = msg(MSB_MUX_EXIT_SIGNAL, 13); set_str(&s[n], "KILL", 4); n++;
	s[n] = msg(MSB_MUX_DATA, 14); set_data(&s[n], bytes, 0); n++;
	s[n] = msg(MSB_MUX_DATA, 14); set_data(&s[n], bytes, MSB_MUX_MAX_DATA); n++;
	s[n++] = msg(MSB_MUX_EOF, 15);
	s[n++] = msg(MSB_MUX_CLOSE, 16);
	s[n] = msg(MSB_MUX_WINDOW, 17); s[n++].n = 1;
	s[n] = msg(MSB_MUX_WINDOW, 17); s[n++].n = UINT32_MAX;
	return n;
}

CODEC_DEFINE(mux, struct msb_mux, MSB_MUX_MAX_FRAME);

static void
rejects(void)
{
	struct msb_buf body;
	struct msb_mux m;
	static const uint8_t unknown[] = { 0, 2, 9, 19, 29, 36, 49, 54, 255 };

	msb_buf_init(&body, 2 * MSB_MUX_MAX_FRAME);

	for (size_t i = 0; i < sizeof(unknown); i++) {
		m = msg(unknown[i], 1);
		CHECK(codec_encodes(&mux_codec, &m) == -1);
		msb_buf_reset(&body);
		msb_buf_put_u32(&body, 1);
		CHECK(codec_decodes(&mux_codec, unknown[i], &body) == -1);
		CHECK_STR(msb_mux_msg_name(unknown[i]), "unknown");
	}

	/* frame lengths */
	struct msb_buf b;
	struct msb_mux d;
	msb_buf_init(&b, 64);
	msb_buf_put_u32(&b, 0);
	CHECK(msb_mux_get(&b, &d) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, MSB_MUX_MAX_FRAME + 1);
	CHECK(msb_mux_get(&b, &d) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, MSB_MUX_MAX_FRAME);
	msb_buf_put_u8(&b, MSB_MUX_DATA);
	CHECK(msb_mux_get(&b, &d) == 0);
	msb_buf_free(&b);
	/* the limits keep every mux message within one frame */
	m = msg(MSB_MUX_REQ_ENV, 1);
	set_str(&m, big, MSB_MUX_MAX_STRING);
	set_str2(&m, big, MSB_MUX_MAX_STRING);
	CHECK(codec_encodes(&mux_codec, &m) == 0);

	/* over-limit strings and data */
	m = msg(MSB_MUX_REQ_EXEC, 1); set_str(&m, big, MSB_MUX_MAX_COMMAND + 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 0);
	msb_buf_put_string(&body, big, MSB_MUX_MAX_COMMAND + 1);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_EXEC, &body) == -1);
	m = msg(MSB_MUX_REQ_SUBSYSTEM, 1); set_str(&m, big, MSB_MUX_MAX_STRING + 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 0);
	msb_buf_put_string(&body, big, MSB_MUX_MAX_STRING + 1);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_SUBSYSTEM, &body) == -1);
	m = msg(MSB_MUX_DATA, 1); set_data(&m, bytes, MSB_MUX_MAX_DATA + 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1);
	msb_buf_put_string(&body, bytes, MSB_MUX_MAX_DATA + 1);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_DATA, &body) == -1);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_EXT_DATA, &body) == -1);
	m = msg(MSB_MUX_REQ_PTY, 1); set_data(&m, bytes, MSB_MUX_MAX_STRING + 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	/* a string length pointing past the frame */
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 5);
	msb_buf_put(&body, "abcd", 4);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_DATA, &body) == -1);
	/* a NULL string with a length */
	m = msg(MSB_MUX_REQ_EXEC, 1); set_str(&m, NULL, 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);

	/* embedded NULs: refused in strings, fine in data */
	m = msg(MSB_MUX_REQ_EXEC, 1); set_str(&m, "ls\0-l", 5);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 1);
	msb_buf_put_string(&body, "ls\0-l", 5);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_EXEC, &body) == -1);
	m = msg(MSB_MUX_OPEN_DIRECT_TCPIP, 1); set_str(&m, "h", 1); m.port = 22;
	set_str2(&m, "a\0b", 3); m.orig_port = 22;
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	m = msg(MSB_MUX_DATA, 1); set_data(&m, (const uint8_t *)"a\0b", 3);
	CHECK(codec_encodes(&mux_codec, &m) == 0);

	/* booleans */
	for (unsigned v = 2; v < 256; v += 253) {
		msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, (uint8_t)v);
		CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_SHELL, &body) == -1);
		CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_REPLY, &body) == -1);
		msb_buf_reset(&body); msb_buf_put_u32(&body, 1);
		msb_buf_put_cstring(&body, "TERM"); msb_buf_put_u8(&body, (uint8_t)v);
		msb_buf_put_cstring(&body, "");
		CHECK(codec_decodes(&mux_codec, MSB_MUX_EXIT_SIGNAL, &body) == -1);
	}
	/* want_reply is always 0 for window-change and signal */
	m = msg(MSB_MUX_REQ_WINDOW_CHANGE, 1); m.want_reply = true;
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	m = msg(MSB_MUX_REQ_SIGNAL, 1); m.want_reply = true; set_str(&m, "INT", 3);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 1);
	msb_buf_put_u32(&body, 80); msb_buf_put_u32(&body, 24);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_WINDOW_CHANGE, &body) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 0);
	msb_buf_put_u32(&body, 80); msb_buf_put_u32(&body, 24);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_WINDOW_CHANGE, &body) == 1);

	/* sizes, ports, window */
	for (int which = 0; which < 2; which++) {
		m = msg(MSB_MUX_REQ_WINDOW_CHANGE, 1);
		m.cols = which ? 0x10000 : 80; m.rows = which ? 24 : 0x10000;
		CHECK(codec_encodes(&mux_codec, &m) == -1);
		msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u8(&body, 0);
		msb_buf_put_u32(&body, m.cols); msb_buf_put_u32(&body, m.rows);
		CHECK(codec_decodes(&mux_codec, MSB_MUX_REQ_WINDOW_CHANGE, &body) == -1);
		m = msg(MSB_MUX_REQ_PTY, 1); set_str(&m, "vt100", 5);
		m.cols = which ? 0x10000 : 80; m.rows = which ? 24 : UINT32_MAX;
		CHECK(codec_encodes(&mux_codec, &m) == -1);
	}
	/* The destination port must be a port; the originator's may be 0
	 * (clients that have no originating socket send 0). */
	static const uint32_t bad_ports[] = { 0, 65536, UINT32_MAX };
	for (size_t i = 0; i < 3; i++) {
		for (int which = 0; which < 2; which++) {
			if (which && bad_ports[i] == 0)
				continue;
			m = msg(MSB_MUX_OPEN_DIRECT_TCPIP, 1);
			set_str(&m, "h", 1); set_str2(&m, "o", 1);
			m.port = which ? 22 : bad_ports[i];
			m.orig_port = which ? bad_ports[i] : 22;
			CHECK(codec_encodes(&mux_codec, &m) == -1);
			msb_buf_reset(&body); msb_buf_put_u32(&body, 1);
			msb_buf_put_cstring(&body, "h"); msb_buf_put_u32(&body, m.port);
			msb_buf_put_cstring(&body, "o"); msb_buf_put_u32(&body, m.orig_port);
			CHECK(codec_decodes(&mux_codec, MSB_MUX_OPEN_DIRECT_TCPIP, &body) == -1);
		}
	}
	m = msg(MSB_MUX_WINDOW, 1);
	CHECK(codec_encodes(&mux_codec, &m) == -1);
	msb_buf_reset(&body); msb_buf_put_u32(&body, 1); msb_buf_put_u32(&body, 0);
	CHECK(codec_decodes(&mux_codec, MSB_MUX_WINDOW, &body) == -1);

	msb_buf_free(&body);
}

/* A stream of frames split at every byte decodes to the same messages. */
static void
stream(const struct msb_mux *s, size_t ns)
{
	struct msb_buf all, in;
	struct msb_mux d;
	size_t got = 0;

	msb_buf_init(&all, 64u * 1024 * 1024);
	msb_buf_init(&in, 2 * MSB_MUX_MAX_FRAME);
	for (size_t i = 0; i < ns; i++)
		CHECK(msb_mux_put(&all, &s[i]) == 0);
	const uint8_t *p = msb_buf_ptr(&all);
	size_t n = msb_buf_avail(&all);
	for (size_t off = 0; off < n; off += 1009) {
		size_t k = n - off < 1009 ? n - off : 1009;
		msb_buf_put(&in, p + off, k);
		int rc;
		while ((rc = msb_mux_get(&in, &d)) == 1) {
			CHECK(got < ns && mux_same(&s[got], &d));
			got++;
			msb_mux_consume(&in, &d);
		}
		CHECK(rc == 0);
	}
	CHECK_EQ_U64(got, ns);
	CHECK_EQ_U64(msb_buf_avail(&in), 0);
	msb_buf_free(&all);
	msb_buf_free(&in);
}

int
main(void)
{
	struct msb_mux s[64];

	memset(big, 'x', sizeof(big) - 1);
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7);
	size_t ns = samples(s);
	for (size_t i = 0; i < ns; i++)
		codec_checks(&mux_codec, &s[i]);
	stream(s, ns);
	rejects();
	return unit_done();
}
