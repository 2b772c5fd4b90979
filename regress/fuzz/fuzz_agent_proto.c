/*
 * libFuzzer target for the host <-> agent protocol codec.
 *
 * The first input byte picks a mode: the frame loop (the rest arrives as a
 * byte stream in chunks whose size the byte also picks, as a peer would
 * send it) or one decoder fed the rest directly. Every message that decodes
 * is re-encoded, into a buffer with consumed and unsent bytes at its front
 * so encoders meet compaction, and must come out byte for byte as it came
 * in and decode again to the same values; anything else abort()s.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/agent_proto.h"
#include "lib/buf.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A re-encoding under way: the filler still queued in front of the frame. */
struct reenc {
	struct msb_buf b;
	size_t queued;
};

static void
reenc_begin(struct reenc *e, unsigned layout)
{
	static const uint8_t filler[300];
	size_t fill = layout % sizeof(filler);

	msb_buf_init(&e->b, sizeof(filler) + 4 + MSB_AGENT_MAX_FRAME);
	EXPECT(msb_buf_put(&e->b, filler, fill) == 0);
	msb_buf_consume(&e->b, fill / 2);
	e->queued = fill - fill / 2;
}

/*
 * Checks the encoder's verdict, and on success that the frame it wrote
 * repeats the original body exactly. Returns the new body, or NULL when
 * the encoder rightly refused (the original was too big to re-frame).
 */
static const uint8_t *
reenc_check(struct reenc *e, int rc, uint8_t type, const uint8_t *body,
    size_t len)
{
	uint8_t t;
	const uint8_t *p;
	size_t n;

	if (len + 1 > MSB_AGENT_MAX_FRAME) {
		EXPECT(rc == -1);
		EXPECT(msb_buf_avail(&e->b) == e->queued);
		return NULL;
	}
	EXPECT(rc == 0);
	msb_buf_consume(&e->b, e->queued);
	EXPECT(msb_agent_frame_peek(&e->b, &t, &p, &n) == 1);
	EXPECT(t == type);
	EXPECT(n == len);
	EXPECT(msb_buf_avail(&e->b) == 5 + n);
	EXPECT(len == 0 || memcmp(p, body, len) == 0);
	return p;
}

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool
strv_eq(char **a, uint32_t na, char **b, uint32_t nb)
{
	if (na != nb)
		return false;
	if (na == 0)
		return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
	for (uint32_t i = 0; i < na; i++) {
		if (!str_eq(a[i], b[i]))
			return false;
	}
	return a[na] == NULL && b[na] == NULL;
}

static void
fuzz_hello(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_hello m, m2;
	struct reenc e;

	if (msb_agent_get_hello(p, n, &m) != 0)
		return;
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_hello(&e.b, &m),
	    MSB_AGENT_HELLO, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_hello(q, n, &m2) == 0);
		EXPECT(m.magic == m2.magic && m.version == m2.version &&
		    str_eq(m.software, m2.software));
		msb_agent_hello_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_hello_free(&m);
}

static void
fuzz_error(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_error m, m2;
	struct reenc e;

	if (msb_agent_get_error(p, n, &m) != 0)
		return;
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e,
	    msb_agent_put_error(&e.b, m.code, m.message), MSB_AGENT_ERROR, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_error(q, n, &m2) == 0);
		EXPECT(m.code == m2.code && str_eq(m.message, m2.message));
		msb_agent_error_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_error_free(&m);
}

static bool
exec_eq(const struct msb_agent_exec *a, const struct msb_agent_exec *b)
{
	if (a->flags != b->flags || !strv_eq(a->env, a->envc, b->env, b->envc) ||
	    !str_eq(a->cwd, b->cwd) || !str_eq(a->user, b->user))
		return false;
	if (a->flags & MSB_EXEC_ARGV) {
		if (a->argc == 0 || a->command != NULL || b->command != NULL ||
		    !strv_eq(a->argv, a->argc, b->argv, b->argc))
			return false;
	} else if (!str_eq(a->command, b->command) || a->argv != NULL ||
	    b->argv != NULL) {
		return false;
	}
	if (a->flags & MSB_EXEC_PTY)
		return str_eq(a->term, b->term) && a->cols == b->cols &&
		    a->rows == b->rows;
	return a->term == NULL && b->term == NULL;
}

static void
fuzz_exec(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_exec m, m2;
	struct reenc e;

	if (msb_agent_get_exec(p, n, &m) != 0)
		return;
	for (uint32_t i = 0; i < m.envc; i++)
		EXPECT(strchr(m.env[i], '=') != NULL && m.env[i][0] != '=');
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_exec(&e.b, &m),
	    MSB_AGENT_EXEC, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_exec(q, n, &m2) == 0);
		EXPECT(exec_eq(&m, &m2));
		msb_agent_exec_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_exec_free(&m);
}

static void
fuzz_sftp(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_sftp m, m2;
	struct reenc e;

	if (msb_agent_get_sftp(p, n, &m) != 0)
		return;
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_sftp(&e.b, &m),
	    MSB_AGENT_SFTP, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_sftp(q, n, &m2) == 0);
		EXPECT(str_eq(m.user, m2.user));
		EXPECT(m.flags == m2.flags);
		EXPECT(m.deny == NULL ? m2.deny == NULL : str_eq(m.deny, m2.deny));
		EXPECT(m.allow == NULL ? m2.allow == NULL : str_eq(m.allow, m2.allow));
		msb_agent_sftp_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_sftp_free(&m);
}

static void
fuzz_connect(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_connect m, m2;
	struct reenc e;

	if (msb_agent_get_connect(p, n, &m) != 0)
		return;
	EXPECT(m.port >= 1 && m.port <= 65535 && m.host[0] != '\0');
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_connect(&e.b, &m),
	    MSB_AGENT_CONNECT, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_connect(q, n, &m2) == 0);
		EXPECT(str_eq(m.host, m2.host) && m.port == m2.port &&
		    m.timeout_ms == m2.timeout_ms);
		msb_agent_connect_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_connect_free(&m);
}

static void
fuzz_info(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_info m, m2;
	struct reenc e;

	if (msb_agent_get_info(p, n, &m) != 0)
		return;
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_info(&e.b, &m),
	    MSB_AGENT_INFO, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_info(q, n, &m2) == 0);
		EXPECT(str_eq(m.software, m2.software) &&
		    m.protocol == m2.protocol && m.uptime_ms == m2.uptime_ms &&
		    str_eq(m.hostname, m2.hostname));
		msb_agent_info_free(&m2);
	}
	msb_buf_free(&e.b);
	msb_agent_info_free(&m);
}

static void
fuzz_resize(const uint8_t *p, size_t n, unsigned layout)
{
	uint32_t cols, rows, c2, r2;
	struct reenc e;

	if (msb_agent_get_resize(p, n, &cols, &rows) != 0)
		return;
	EXPECT(cols <= 0xffff && rows <= 0xffff);
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_resize(&e.b, cols, rows),
	    MSB_AGENT_RESIZE, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_resize(q, n, &c2, &r2) == 0);
		EXPECT(cols == c2 && rows == r2);
	}
	msb_buf_free(&e.b);
}

static void
fuzz_u32(uint8_t type, const uint8_t *p, size_t n, unsigned layout)
{
	uint32_t v, v2;
	struct reenc e;

	if (msb_agent_get_u32_msg(p, n, &v) != 0)
		return;
	reenc_begin(&e, layout);
	int rc = type == MSB_AGENT_SHUTDOWN ? msb_agent_put_shutdown(&e.b, v) :
	    msb_agent_put_u32_msg(&e.b, type, v);
	const uint8_t *q = reenc_check(&e, rc, type, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_u32_msg(q, n, &v2) == 0);
		EXPECT(v == v2);
	}
	msb_buf_free(&e.b);
}

static void
fuzz_exit(const uint8_t *p, size_t n, unsigned layout)
{
	struct msb_agent_exit m, m2;
	struct reenc e;

	if (msb_agent_get_exit(p, n, &m) != 0)
		return;
	EXPECT(m.kind == MSB_EXIT_SIGNAL ? m.value >= 1 && m.value <= 64 :
	    m.kind == MSB_EXIT_CODE && m.value <= 255 && !m.core_dumped);
	reenc_begin(&e, layout);
	const uint8_t *q = reenc_check(&e, msb_agent_put_exit(&e.b, &m),
	    MSB_AGENT_EXIT, p, n);
	if (q != NULL) {
		EXPECT(msb_agent_get_exit(q, n, &m2) == 0);
		EXPECT(m.kind == m2.kind && m.value == m2.value &&
		    m.core_dumped == m2.core_dumped);
	}
	msb_buf_free(&e.b);
}

/* Bodies without a decoder: raw stream data, or nothing at all. */
static void
fuzz_raw(uint8_t type, const uint8_t *p, size_t n, unsigned layout)
{
	struct reenc e;

	reenc_begin(&e, layout);
	if (type == MSB_AGENT_STDIN || type == MSB_AGENT_STDOUT ||
	    type == MSB_AGENT_STDERR) {
		int rc = msb_agent_put_data(&e.b, type, p, n);
		if (n > MSB_AGENT_MAX_DATA)
			EXPECT(rc == -1 && msb_buf_avail(&e.b) == e.queued);
		else
			reenc_check(&e, rc, type, p, n);
	} else if (n == 0) {
		int rc = type == MSB_AGENT_OK ? msb_agent_put_ok(&e.b) :
		    type == MSB_AGENT_INFO ? msb_agent_put_info_request(&e.b) :
		    msb_agent_put_empty(&e.b, type);
		reenc_check(&e, rc, type, p, n);
	}
	msb_buf_free(&e.b);
}

static void
fuzz_body(uint8_t type, const uint8_t *p, size_t n, unsigned layout)
{
	switch (type) {
	case MSB_AGENT_HELLO: fuzz_hello(p, n, layout); break;
	case MSB_AGENT_ERROR: fuzz_error(p, n, layout); break;
	case MSB_AGENT_EXEC: fuzz_exec(p, n, layout); break;
	case MSB_AGENT_SFTP: fuzz_sftp(p, n, layout); break;
	case MSB_AGENT_CONNECT: fuzz_connect(p, n, layout); break;
	case MSB_AGENT_RESIZE: fuzz_resize(p, n, layout); break;
	case MSB_AGENT_EXIT: fuzz_exit(p, n, layout); break;
	case MSB_AGENT_SIGNAL:
	case MSB_AGENT_WINDOW:
	case MSB_AGENT_SHUTDOWN:
		fuzz_u32(type, p, n, layout);
		break;
	case MSB_AGENT_INFO:
		/* The request is empty, the answer is not. */
		if (n == 0)
			fuzz_raw(type, p, n, layout);
		else
			fuzz_info(p, n, layout);
		break;
	default:
		fuzz_raw(type, p, n, layout);
		break;
	}
}

/* The receive loop of either peer, with the input arriving chunk by chunk. */
static void
fuzz_frames(const uint8_t *p, size_t n, size_t chunk)
{
	struct msb_buf in;
	size_t fed = 0;
	unsigned frames = 0;

	msb_buf_init(&in, 4 + MSB_AGENT_MAX_FRAME);
	for (;;) {
		uint8_t type;
		const uint8_t *body;
		size_t len;
		int rc = msb_agent_frame_peek(&in, &type, &body, &len);

		if (rc == 1) {
			EXPECT(len + 5 <= msb_buf_avail(&in));
			EXPECT(msb_get_be32(msb_buf_ptr(&in)) == len + 1);
			fuzz_body(type, body, len, frames++);
			msb_agent_frame_consume(&in, len);
			continue;
		}
		if (rc == -1) {
			uint32_t flen = msb_get_be32(msb_buf_ptr(&in));
			EXPECT(flen == 0 || flen > MSB_AGENT_MAX_FRAME);
			break;
		}
		EXPECT(rc == 0);
		size_t k = n - fed < chunk ? n - fed : chunk;
		if (k == 0)
			break;
		/* A legal frame always fits, so a full buffer means a bug. */
		EXPECT(k <= msb_buf_room(&in));
		EXPECT(msb_buf_put(&in, p + fed, k) == 0);
		fed += k;
	}
	msb_buf_free(&in);
}

static const uint8_t decoder_types[] = {
	MSB_AGENT_HELLO, MSB_AGENT_ERROR, MSB_AGENT_EXEC, MSB_AGENT_SFTP,
	MSB_AGENT_CONNECT, MSB_AGENT_INFO, MSB_AGENT_RESIZE, MSB_AGENT_SIGNAL,
	MSB_AGENT_EXIT,
};
#define NMODES (1 + sizeof(decoder_types))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned sel = data[0];
	unsigned mode = sel % NMODES;
	unsigned arg = sel / NMODES;

	if (mode == 0)
		fuzz_frames(data + 1, size - 1, 1 + (size_t)arg * arg);
	else
		fuzz_body(decoder_types[mode - 1], data + 1, size - 1, arg * 11);
	return 0;
}
