#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/agent_proto.h"
#include "lib/sftp_policy.h"
#include "lib/buf.h"
#include "unit.h"

/* Big enough that only the protocol's own limits can refuse an encode. */
#define BIG_BUF (4u * 1024u * 1024u)

/* Checks b holds exactly one frame of type want and returns its body. */
static int
only_frame(const struct msb_buf *b, uint8_t want, const uint8_t **body,
    size_t *len)
{
	uint8_t type = 0;

	*body = NULL;
	*len = 0;
	if (!CHECK(msb_agent_frame_peek(b, &type, body, len) == 1))
		return -1;
	CHECK_EQ_U64(type, want);
	CHECK_EQ_U64(5 + *len, msb_buf_avail(b));
	CHECK_EQ_U64(msb_get_be32(msb_buf_ptr(b)), 1 + *len);
	return 0;
}

/*
 * Decoders with the result freed: only the return code matters here.
 * dec_T decodes with msb_agent_get_T into a local and frees it.
 */
#define DEC_FREED(T) \
	static int \
	dec_##T(const uint8_t *p, size_t n) \
	{ \
		struct msb_agent_##T m; \
		int rc = msb_agent_get_##T(p, n, &m); \
		msb_agent_##T##_free(&m); \
		return rc; \
	}
DEC_FREED(hello)
DEC_FREED(error)
DEC_FREED(exec)
DEC_FREED(sftp)
DEC_FREED(connect)
DEC_FREED(info)

static int
dec_resize(const uint8_t *p, size_t n)
{
	uint32_t c, r;

	return msb_agent_get_resize(p, n, &c, &r);
}

static int
dec_u32(const uint8_t *p, size_t n)
{
	uint32_t v;

	return msb_agent_get_u32_msg(p, n, &v);
}

static int
dec_exit(const uint8_t *p, size_t n)
{
	struct msb_agent_exit m;

	return msb_agent_get_exit(p, n, &m);
}

/* Sample messages, shared by the round-trip and the limit tests. */

static char *argv_ls[] = { "ls", "-l", "/tmp dir", NULL };
static char *env_some[] = { "A=1", "PATH=/usr/bin:/bin", "EMPTY=", "X==y", NULL };

static const struct msb_agent_exec exec_shell = {
	.flags = 0, .command = "echo hi; exit 3", .cwd = "", .user = "",
};
static const struct msb_agent_exec exec_argv_pty_env = {
	.flags = MSB_EXEC_ARGV | MSB_EXEC_PTY, .argv = argv_ls, .argc = 3,
	.env = env_some, .envc = 4, .cwd = "/tmp", .user = "alice",
	.term = "xterm-256color", .cols = 132, .rows = 43,
};
static const struct msb_agent_exec exec_argv = {
	.flags = MSB_EXEC_ARGV, .argv = argv_ls, .argc = 1, .cwd = "/",
	.user = "root",
};
static const struct msb_agent_exec exec_shell_pty = {
	.flags = MSB_EXEC_PTY, .command = "", .env = env_some, .envc = 1,
	.cwd = "", .user = "", .term = "", .cols = 0, .rows = 0xffff,
};

static int
enc_hello(struct msb_buf *b)
{
	const struct msb_agent_hello m = { MSB_AGENT_MAGIC, MSB_AGENT_VERSION,
	    "msb-agent 0.1.0" };

	return msb_agent_put_hello(b, &m);
}

static int
enc_ok(struct msb_buf *b)
{
	return msb_agent_put_ok(b);
}

static int
enc_error(struct msb_buf *b)
{
	return msb_agent_put_error(b, MSB_AGENT_E_NO_USER, "no user \"nobody2\"");
}

static int
enc_exec_shell(struct msb_buf *b)
{
	return msb_agent_put_exec(b, &exec_shell);
}

static int
enc_exec_full(struct msb_buf *b)
{
	return msb_agent_put_exec(b, &exec_argv_pty_env);
}

static int
enc_sftp(struct msb_buf *b)
{
	const struct msb_agent_sftp m = { "bob", 0, NULL, NULL };

	return msb_agent_put_sftp(b, &m);
}

static int
enc_connect(struct msb_buf *b)
{
	const struct msb_agent_connect m = { "example.org", 443, 10000 };

	return msb_agent_put_connect(b, &m);
}

static int
enc_info_request(struct msb_buf *b)
{
	return msb_agent_put_info_request(b);
}

static int
enc_info(struct msb_buf *b)
{
	const struct msb_agent_info m = { "msb-agent", 1, 0x123456789abull,
	    "devbox" };

	return msb_agent_put_info(b, &m);
}

static int
enc_shutdown(struct msb_buf *b)
{
	return msb_agent_put_shutdown(b, MSB_SHUTDOWN_REBOOT);
}

static int
enc_stdout(struct msb_buf *b)
{
	return msb_agent_put_data(b, MSB_AGENT_STDOUT, "out\0put", 7);
}

static int
enc_stdin_eof(struct msb_buf *b)
{
	return msb_agent_put_empty(b, MSB_AGENT_STDIN_EOF);
}

static int
enc_resize(struct msb_buf *b)
{
	return msb_agent_put_resize(b, 80, 24);
}

static int
enc_window(struct msb_buf *b)
{
	return msb_agent_put_u32_msg(b, MSB_AGENT_WINDOW, MSB_AGENT_STDIN_WINDOW);
}

static int
enc_exit(struct msb_buf *b)
{
	const struct msb_agent_exit m = { MSB_EXIT_SIGNAL, 11, true };

	return msb_agent_put_exit(b, &m);
}

struct enc_case {
	const char *name;
	uint8_t type;
	int (*encode)(struct msb_buf *);
	int (*decode)(const uint8_t *, size_t);  /* NULL: empty or raw body */
};

static const struct enc_case cases[] = {
	{ "hello", MSB_AGENT_HELLO, enc_hello, dec_hello },
	{ "ok", MSB_AGENT_OK, enc_ok, NULL },
	{ "error", MSB_AGENT_ERROR, enc_error, dec_error },
	{ "exec shell", MSB_AGENT_EXEC, enc_exec_shell, dec_exec },
	{ "exec full", MSB_AGENT_EXEC, enc_exec_full, dec_exec },
	{ "sftp", MSB_AGENT_SFTP, enc_sftp, dec_sftp },
	{ "connect", MSB_AGENT_CONNECT, enc_connect, dec_connect },
	{ "info request", MSB_AGENT_INFO, enc_info_request, NULL },
	{ "info", MSB_AGENT_INFO, enc_info, dec_info },
	{ "shutdown", MSB_AGENT_SHUTDOWN, enc_shutdown, dec_u32 },
	{ "stdout", MSB_AGENT_STDOUT, enc_stdout, NULL },
	{ "stdin eof", MSB_AGENT_STDIN_EOF, enc_stdin_eof, NULL },
	{ "resize", MSB_AGENT_RESIZE, enc_resize, dec_resize },
	{ "window", MSB_AGENT_WINDOW, enc_window, dec_u32 },
	{ "exit", MSB_AGENT_EXIT, enc_exit, dec_exit },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Round trips, value by value. */

static void
test_hello(void)
{
	struct msb_buf b;
	const uint8_t *body;
	size_t len;
	struct msb_agent_hello m;
	const struct msb_agent_hello nosoft = { 1, 2, NULL };

	msb_buf_init(&b, BIG_BUF);
	CHECK(enc_hello(&b) == 0);
	if (only_frame(&b, MSB_AGENT_HELLO, &body, &len) == 0 &&
	    CHECK(msb_agent_get_hello(body, len, &m) == 0)) {
		CHECK_EQ_U64(m.magic, MSB_AGENT_MAGIC);
		CHECK_EQ_U64(m.version, MSB_AGENT_VERSION);
		CHECK_STR(m.software, "msb-agent 0.1.0");
		msb_agent_hello_free(&m);
		CHECK(m.software == NULL);
	}
	/* The wire bytes, once, so the format cannot drift unnoticed. */
	CHECK_MEM(msb_buf_ptr(&b), "\0\0\0\x1c" "\x01" "MSBA" "\0\0\0\x01"
	    "\0\0\0\x0f" "msb-agent 0.1.0", 32);

	msb_buf_reset(&b);
	CHECK(msb_agent_put_hello(&b, &nosoft) == 0);
	if (only_frame(&b, MSB_AGENT_HELLO, &body, &len) == 0 &&
	    CHECK(msb_agent_get_hello(body, len, &m) == 0)) {
		CHECK_EQ_U64(m.magic, 1);
		CHECK_EQ_U64(m.version, 2);
		CHECK_STR(m.software, "");
		msb_agent_hello_free(&m);
	}
	msb_buf_free(&b);
}

static void
test_empty_messages(void)
{
	static const struct {
		int (*encode)(struct msb_buf *);
		uint8_t type;
	} empties[] = {
		{ enc_ok, MSB_AGENT_OK },
		{ enc_info_request, MSB_AGENT_INFO },
		{ enc_stdin_eof, MSB_AGENT_STDIN_EOF },
	};
	struct msb_buf b;
	const uint8_t *body;
	size_t len;

	msb_buf_init(&b, BIG_BUF);
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		msb_buf_reset(&b);
		CHECK(empties[i].encode(&b) == 0);
		if (only_frame(&b, empties[i].type, &body, &len) == 0)
			CHECK_EQ_U64(len, 0);
	}
	msb_buf_free(&b);
}

static void
test_error(void)
{
	struct msb_buf b;
	const uint8_t *body;
	size_t len;
	struct msb_agent_error m;

	msb_buf_init(&b, BIG_BUF);
	CHECK(enc_error(&b) == 0);
	if (only_frame(&b, MSB_AGENT_ERROR, &body, &len) == 0 &&
	    CHECK(msb_agent_get_error(body, len, &m) == 0)) {
		CHECK_EQ_U64(m.code, MSB_AGENT_E_NO_USER);
		CHECK_STR(m.message, "no user \"nobody2\"");
		msb_agent_error_free(&m);
	}
	msb_buf_reset(&b);
	CHECK(msb_agent_put_error(&b, UINT32_MAX, NULL) == 0);
	if (only_frame(&b, MSB_AGENT_ERROR, &body, &len) == 0 &&
	    CHECK(msb_agent_get_error(body, len, &m) == 0)) {
		CHECK_EQ_U64(m.code, UINT32_MAX);
		CHECK_STR(m.message, "");
		msb_agent_error_free(&m);
	}
	msb_buf_free(&b);
}

static void
check_strings(char **got, uint32_t gotc, char *const *want, uint32_t wantc)
{
	if (!CHECK_EQ_U64(gotc, wantc))
		return;
	if (wantc == 0) {
		CHECK(got == NULL || got[0] == NULL);
		return;
	}
	if (!CHECK(got != NULL))
		return;
	for (uint32_t i = 0; i < wantc; i++)
		CHECK_STR(got[i], want[i]);
	CHECK(got[wantc] == NULL);
}

static void
exec_round_trip(const struct msb_agent_exec *want)
{
	struct msb_buf b;
	const uint8_t *body;
	size_t len;
	struct msb_agent_exec m;

	msb_buf_init(&b, BIG_BUF);
	CHECK(msb_agent_put_exec(&b, want) == 0);
	if (only_frame(&b, MSB_AGENT_EXEC, &body, &len) != 0 ||
	    !CHECK(msb_agent_get_exec(body, len, &m) == 0)) {
		msb_buf_free(&b);
		return;
	}
	CHECK_EQ_U64(m.flags, want->flags);
	if (want->flags & MSB_EXEC_ARGV) {
		CHECK(m.command == NULL);
		check_strings(m.argv, m.argc, want->argv, want->argc);
	} else {
		CHECK_STR(m.command, want->command);
		CHECK(m.argv == NULL);
		CHECK_EQ_U64(m.argc, 0);
	}
	check_strings(m.env, m.envc, want->env, want->envc);
	CHECK_STR(m.cwd, want->cwd);
	CHECK_STR(m.user, want->user);
	if (want->flags & MSB_EXEC_PTY) {
		CHECK_STR(m.term, want->term);
		CHECK_EQ_U64(m.cols, want->cols);
		CHECK_EQ_U64(m.rows, want->rows);
	} else {
		CHECK(m.term == NULL);
		CHECK_EQ_U64(m.cols, 0);
		CHECK_EQ_U64(m.rows, 0);
	}
	msb_agent_exec_free(&m);
	CHECK(m.argv == NULL && m.env == NULL && m.cwd == NULL);
	msb_buf_free(&b);
}

static void
test_exec(void)
{
	exec_round_trip(&exec_shell);
	exec_round_trip(&exec_argv_pty_env);
	exec_round_trip(&exec_argv);
	exec_round_trip(&exec_shell_pty);
}

static void
test_sftp_connect_info(void)
{
	struct msb_buf b;
	const uint8_t *body;
	size_t len;
	struct msb_agent_sftp s;
	struct msb_agent_connect c;
	struct msb_agent_info in;
	const struct msb_agent_sftp root = { "", 0, NULL, NULL };
	const struct msb_agent_connect edge = { "::1", 65535, UINT32_MAX };

	msb_buf_init(&b, BIG_BUF);
	CHECK(enc_sftp(&b) == 0);
	if (only_frame(&b, MSB_AGENT_SFTP, &body, &len) == 0 &&
	    CHECK(msb_agent_get_sftp(body, len, &s) == 0)) {
		CHECK_STR(s.user, "bob");
		msb_agent_sftp_free(&s);
	}
	msb_buf_reset(&b);
	CHECK(msb_agent_put_sftp(&b, &root) == 0);
	if (only_frame(&b, MSB_AGENT_SFTP, &body, &len) == 0 &&
	    CHECK(msb_agent_get_sftp(body, len, &s) == 0)) {
		CHECK_STR(s.user, "");
		msb_agent_sftp_free(&s);
	}

	msb_buf_reset(&b);
	CHECK(enc_connect(&b) == 0);
	if (only_frame(&b, MSB_AGENT_CONNECT, &body, &len) == 0 &&
	    CHECK(msb_agent_get_connect(body, len, &c) == 0)) {
		CHECK_STR(c.host, "example.org");
		CHECK_EQ_U64(c.port, 443);
		CHECK_EQ_U64(c.timeout_ms, 10000);
		msb_agent_connect_free(&c);
	}
	msb_buf_reset(&b);
	CHECK(msb_agent_put_connect(&b, &edge) == 0);
	if (only_frame(&b, MSB_AGENT_CONNECT, &body, &len) == 0 &&
	    CHECK(msb_agent_get_connect(body, len, &c) == 0)) {
		CHECK_STR(c.host, "::1");
		CHECK_EQ_U64(c.port, 65535);
		CHECK_EQ_U64(c.timeout_ms, UINT32_MAX);
		msb_agent_connect_free(&c);
	}

	msb_buf_reset(&b);
	CHECK(enc_info(&b) == 0);
	if (only_frame(&b, MSB_AGENT_INFO, &body, &len) == 0 &&
	    CHECK(msb_agent_get_info(body, len, &in) == 0)) {
		CHECK_STR(in.software, "msb-agent");
		CHECK_EQ_U64(in.protocol, 1);
		CHECK_EQ_U64(in.uptime_ms, 0x123456789abull);
		CHECK_STR(in.hostname, "devbox");
		msb_agent_info_free(&in);
	}
	msb_buf_free(&b);
}

static void
test_data(void)
{
	static const uint8_t types[] = { MSB_AGENT_STDIN, MSB_AGENT_STDOUT,
	    MSB_AGENT_STDERR };
	static const size_t sizes[] = { 0, 1, 4096, MSB_AGENT_MAX_DATA };
	uint8_t *payload = unit_alloc(MSB_AGENT_MAX_DATA);
	struct msb_buf b;
	const uint8_t *body;
	size_t len;

	for (size_t i = 0; i < MSB_AGENT_MAX_DATA; i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	msb_buf_init(&b, BIG_BUF);
	for (size_t t = 0; t < sizeof(types); t++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			msb_buf_reset(&b);
			CHECK(msb_agent_put_data(&b, types[t], payload, sizes[s]) == 0);
			if (only_frame(&b, types[t], &body, &len) == 0) {
				CHECK_EQ_U64(len, sizes[s]);
				CHECK_MEM(body, payload, sizes[s]);
			}
		}
	}
	free(payload);
	msb_buf_free(&b);
}

static void
test_small_messages(void)
{
	static const uint32_t sizes[][2] = { { 80, 24 }, { 0, 0 },
	    { 0xffff, 0xffff }, { 1, 0xfffe } };
	static const struct { uint8_t type; uint32_t v; } u32s[] = {
		{ MSB_AGENT_SIGNAL, 15 }, { MSB_AGENT_WINDOW, 0 },
		{ MSB_AGENT_WINDOW, UINT32_MAX },
		{ MSB_AGENT_SHUTDOWN, MSB_SHUTDOWN_POWEROFF },
	};
	static const struct msb_agent_exit exits[] = {
		{ MSB_EXIT_CODE, 0, false }, { MSB_EXIT_CODE, 255, false },
		{ MSB_EXIT_SIGNAL, 9, false }, { MSB_EXIT_SIGNAL, 6, true },
		{ MSB_EXIT_SIGNAL, 64, false },
	};
	struct msb_buf b;
	const uint8_t *body;
	size_t len;
	uint32_t x, y;

	msb_buf_init(&b, BIG_BUF);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		msb_buf_reset(&b);
		CHECK(msb_agent_put_resize(&b, sizes[i][0], sizes[i][1]) == 0);
		if (only_frame(&b, MSB_AGENT_RESIZE, &body, &len) == 0 &&
		    CHECK(msb_agent_get_resize(body, len, &x, &y) == 0)) {
			CHECK_EQ_U64(x, sizes[i][0]);
			CHECK_EQ_U64(y, sizes[i][1]);
		}
	}
	for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		msb_buf_reset(&b);
		if (u32s[i].type == MSB_AGENT_SHUTDOWN)
			CHECK(msb_agent_put_shutdown(&b, u32s[i].v) == 0);
		else
			CHECK(msb_agent_put_u32_msg(&b, u32s[i].type, u32s[i].v) == 0);
		if (only_frame(&b, u32s[i].type, &body, &len) == 0 &&
		    CHECK(msb_agent_get_u32_msg(body, len, &x) == 0))
			CHECK_EQ_U64(x, u32s[i].v);
	}
	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		struct msb_agent_exit m;

		msb_buf_reset(&b);
		CHECK(msb_agent_put_exit(&b, &exits[i]) == 0);
		if (only_frame(&b, MSB_AGENT_EXIT, &body, &len) == 0 &&
		    CHECK(msb_agent_get_exit(body, len, &m) == 0)) {
			CHECK_EQ_U64(m.kind, exits[i].kind);
			CHECK_EQ_U64(m.value, exits[i].value);
			CHECK(m.core_dumped == exits[i].core_dumped);
		}
	}
	msb_buf_free(&b);
}

/* Framing */

/* A buffer holding exactly p[0..n) with cap == n, so ASan sees overreads. */
static void
exact_buf(struct msb_buf *b, const uint8_t *p, size_t n)
{
	msb_buf_init(b, n);
	CHECK(msb_buf_put(b, p, n) == 0);
}

static void
test_frame_peek_partial(void)
{
	for (size_t c = 0; c < NCASES; c++) {
		struct msb_buf ref, b;
		uint8_t type;
		const uint8_t *body;
		size_t len;

		msb_buf_init(&ref, BIG_BUF);
		CHECK(cases[c].encode(&ref) == 0);
		size_t n = msb_buf_avail(&ref);
		for (size_t i = 0; i < n; i++) {
			exact_buf(&b, msb_buf_ptr(&ref), i);
			if (!CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 0))
				fprintf(stderr, "  %s: prefix %zu of %zu\n",
				    cases[c].name, i, n);
			msb_buf_free(&b);
		}
		exact_buf(&b, msb_buf_ptr(&ref), n);
		CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 1);
		CHECK_EQ_U64(type, cases[c].type);
		CHECK_EQ_U64(len, n - 5);
		msb_buf_free(&b);
		msb_buf_free(&ref);
	}
}

static void
test_frame_lengths(void)
{
	static const uint32_t bad[] = { 0, MSB_AGENT_MAX_FRAME + 1,
	    0x80000000u, UINT32_MAX };
	struct msb_buf b;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	uint8_t hdr[5];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Rejected from the length alone: no need to wait for the body. */
		msb_put_be32(hdr, bad[i]);
		hdr[4] = MSB_AGENT_OK;
		exact_buf(&b, hdr, 4);
		CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == -1);
		msb_buf_free(&b);
		exact_buf(&b, hdr, 5);
		CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == -1);
		msb_buf_free(&b);
	}

	/* The largest legal frame, arriving in full. */
	size_t n = 4 + MSB_AGENT_MAX_FRAME;
	uint8_t *big = unit_alloc(n);
	msb_put_be32(big, MSB_AGENT_MAX_FRAME);
	big[4] = MSB_AGENT_STDOUT;
	exact_buf(&b, big, n - 1);
	CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 0);
	msb_buf_free(&b);
	exact_buf(&b, big, n);
	CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 1);
	CHECK_EQ_U64(len, MSB_AGENT_MAX_FRAME - 1);
	CHECK(body == msb_buf_ptr(&b) + 5);
	msb_buf_free(&b);
	free(big);

	/* The smallest: a type and no body. */
	msb_put_be32(hdr, 1);
	hdr[4] = 200;
	exact_buf(&b, hdr, 5);
	CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 1);
	CHECK_EQ_U64(type, 200);
	CHECK_EQ_U64(len, 0);
	msb_agent_frame_consume(&b, len);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	CHECK(msb_agent_frame_peek(&b, &type, &body, &len) == 0);
	msb_buf_free(&b);
}

/* Every case back to back, read out in order, whatever the arrival pattern. */
static void
test_frame_stream(void)
{
	struct msb_buf all, in;
	uint8_t type;
	const uint8_t *body;
	size_t len;

	msb_buf_init(&all, BIG_BUF);
	for (size_t c = 0; c < NCASES; c++)
		CHECK(cases[c].encode(&all) == 0);
	size_t total = msb_buf_avail(&all);

	for (size_t step = 1; step <= total; step = step * 3 + 1) {
		size_t fed = 0, next = 0;

		msb_buf_init(&in, 256);
		while (next < NCASES) {
			int rc = msb_agent_frame_peek(&in, &type, &body, &len);
			if (rc == 1) {
				CHECK_EQ_U64(type, cases[next].type);
				msb_agent_frame_consume(&in, len);
				next++;
				continue;
			}
			if (!CHECK(rc == 0) || !CHECK(fed < total))
				break;
			size_t k = total - fed < step ? total - fed : step;
			if (k > msb_buf_room(&in))
				k = msb_buf_room(&in);
			CHECK(msb_buf_put(&in, msb_buf_ptr(&all) + fed, k) == 0);
			fed += k;
		}
		CHECK_EQ_U64(next, NCASES);
		CHECK_EQ_U64(fed, total);
		CHECK_EQ_U64(msb_buf_avail(&in), 0);
		msb_buf_free(&in);
	}
	msb_buf_free(&all);
}

/* Decoders: truncation and trailing bytes */

static void
test_truncation_trailing(void)
{
	for (size_t c = 0; c < NCASES; c++) {
		struct msb_buf ref;
		const uint8_t *body;
		size_t len;

		if (cases[c].decode == NULL)
			continue;
		msb_buf_init(&ref, BIG_BUF);
		CHECK(cases[c].encode(&ref) == 0);
		if (only_frame(&ref, cases[c].type, &body, &len) != 0) {
			msb_buf_free(&ref);
			continue;
		}
		CHECK(cases[c].decode(body, len) == 0);
		for (size_t i = 0; i < len; i++) {
			uint8_t *pre = unit_alloc(i + 1);
			memcpy(pre, body, i);
			if (!CHECK(cases[c].decode(pre, i) == -1))
				fprintf(stderr, "  %s: prefix %zu of %zu\n",
				    cases[c].name, i, len);
			free(pre);
		}
		static const uint8_t tails[] = { 0, 1, 0xff };
		for (size_t t = 0; t < sizeof(tails); t++) {
			uint8_t *longer = unit_alloc(len + 1);
			memcpy(longer, body, len);
			longer[len] = tails[t];
			if (!CHECK(cases[c].decode(longer, len + 1) == -1))
				fprintf(stderr, "  %s: trailing byte\n", cases[c].name);
			free(longer);
		}
		msb_buf_free(&ref);
	}
}

/*
 * Semantic rejects. The encoders refuse what the tables forbid, so the
 * bodies the decoders must refuse are written here by hand: a reference
 * statement of the wire format, independent of the tables, which checks
 * the decoders against it.
 */

static void
ref_str(struct msb_buf *b, const char *s)
{
	CHECK(msb_buf_put_cstring(b, s) == 0);
}

static void
ref_u32(struct msb_buf *b, uint32_t v)
{
	CHECK(msb_buf_put_u32(b, v) == 0);
}

static void
ref_strings(struct msb_buf *b, char *const *v, uint32_t n)
{
	ref_u32(b, n);
	for (uint32_t i = 0; i < n; i++)
		ref_str(b, v[i]);
}

static void
ref_exec(struct msb_buf *b, const struct msb_agent_exec *m)
{
	ref_u32(b, m->flags);
	if (m->flags & MSB_EXEC_ARGV)
		ref_strings(b, m->argv, m->argc);
	else
		ref_str(b, m->command);
	ref_strings(b, m->env, m->envc);
	ref_str(b, m->cwd);
	ref_str(b, m->user);
	if (m->flags & MSB_EXEC_PTY) {
		ref_str(b, m->term);
		ref_u32(b, m->cols);
		ref_u32(b, m->rows);
	}
}

/* Decodes what write put in a fresh buffer with dec. */
#define REF_DECODES(dec, write) ({ \
	struct msb_buf b_; \
	msb_buf_init(&b_, BIG_BUF); \
	write; \
	int rc_ = dec(msb_buf_ptr(&b_), msb_buf_avail(&b_)); \
	msb_buf_free(&b_); \
	rc_; })

static int
exec_decodes(const struct msb_agent_exec *m)
{
	return REF_DECODES(dec_exec, ref_exec(&b_, m));
}

static char *
repeat_char(char c, size_t n)
{
	char *s = unit_alloc(n + 1);

	memset(s, c, n);
	return s;
}

/* *field (a string of m) at max bytes decodes; at max + 1 it is refused. */
static void
string_limit(struct msb_agent_exec *m, char **field, char c, size_t max)
{
	char *s = repeat_char(c, max + 1);

	*field = s + 1;
	CHECK(exec_decodes(m) == 0);
	*field = s;
	CHECK(exec_decodes(m) == -1);
	free(s);
}

static void
test_exec_rejects(void)
{
	struct msb_agent_exec m = exec_argv_pty_env;
	char *bad_env[] = { "A=1", "NOEQUALS", NULL };
	char *lead_eq[] = { "=value", NULL };

	CHECK(exec_decodes(&m) == 0);
	m.flags |= 0x4;
	CHECK(exec_decodes(&m) == -1);
	m.flags = MSB_EXEC_ARGV | 0x80000000u;
	CHECK(exec_decodes(&m) == -1);

	m = exec_argv;
	CHECK(exec_decodes(&m) == 0);
	m.argc = 0;
	CHECK(exec_decodes(&m) == -1);

	m = exec_shell;
	m.env = bad_env;
	m.envc = 1;
	CHECK(exec_decodes(&m) == 0);
	m.envc = 2;
	CHECK(exec_decodes(&m) == -1);
	m.env = lead_eq;
	m.envc = 1;
	CHECK(exec_decodes(&m) == -1);

	/* String length limits: at the limit passes, one more fails. */
	m = exec_shell;
	string_limit(&m, &m.command, 'c', MSB_AGENT_MAX_COMMAND);
	m = exec_shell;
	string_limit(&m, &m.cwd, '/', 4096);
	m = exec_shell;
	string_limit(&m, &m.user, 'u', 256);
	m = exec_shell_pty;
	string_limit(&m, &m.term, 'u', 256);

	/* Counts: at the maximum passes, one more fails. */
	char **many = unit_alloc((MSB_AGENT_MAX_ARGS + 2) * sizeof(*many));
	for (size_t i = 0; i <= MSB_AGENT_MAX_ARGS; i++)
		many[i] = "";
	m = exec_argv;
	m.argv = many;
	m.argc = MSB_AGENT_MAX_ARGS;
	CHECK(exec_decodes(&m) == 0);
	m.argc = MSB_AGENT_MAX_ARGS + 1;
	CHECK(exec_decodes(&m) == -1);
	free(many);
	many = unit_alloc((MSB_AGENT_MAX_ENV + 2) * sizeof(*many));
	for (size_t i = 0; i <= MSB_AGENT_MAX_ENV; i++)
		many[i] = "A=";
	m = exec_shell;
	m.env = many;
	m.envc = MSB_AGENT_MAX_ENV;
	CHECK(exec_decodes(&m) == 0);
	m.envc = MSB_AGENT_MAX_ENV + 1;
	CHECK(exec_decodes(&m) == -1);
	free(many);
}

/* Hand-built bodies for what the encoders cannot express. */
static void
test_exec_crafted(void)
{
	struct msb_buf b;

	msb_buf_init(&b, BIG_BUF);
	/* argc promises more strings than the input can hold. */
	msb_buf_put_u32(&b, MSB_EXEC_ARGV);
	msb_buf_put_u32(&b, 3);
	msb_buf_put_cstring(&b, "a");
	msb_buf_put_cstring(&b, "b");
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, MSB_EXEC_ARGV);
	msb_buf_put_u32(&b, MSB_AGENT_MAX_ARGS);
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, 0);
	msb_buf_put_cstring(&b, "true");
	msb_buf_put_u32(&b, UINT32_MAX);
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == -1);

	/* Embedded NULs in any string. */
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, 0);
	msb_buf_put_string(&b, "a\0b", 3);
	msb_buf_put_u32(&b, 0);
	msb_buf_put_cstring(&b, "");
	msb_buf_put_cstring(&b, "");
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == -1);
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, 0);
	msb_buf_put_cstring(&b, "ab");
	msb_buf_put_u32(&b, 1);
	msb_buf_put_string(&b, "A=\0", 3);
	msb_buf_put_cstring(&b, "");
	msb_buf_put_cstring(&b, "");
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == -1);
	/* The same body with a clean env string is accepted. */
	msb_buf_reset(&b);
	msb_buf_put_u32(&b, 0);
	msb_buf_put_cstring(&b, "ab");
	msb_buf_put_u32(&b, 1);
	msb_buf_put_string(&b, "A=1", 3);
	msb_buf_put_cstring(&b, "");
	msb_buf_put_cstring(&b, "");
	CHECK(dec_exec(msb_buf_ptr(&b), msb_buf_avail(&b)) == 0);
	msb_buf_free(&b);
}

static int
connect_decodes(const char *host, uint32_t port)
{
	return REF_DECODES(dec_connect, (ref_str(&b_, host), ref_u32(&b_, port), ref_u32(&b_, 0)));
}

static int
exit_decodes(uint32_t kind, uint32_t value, bool core)
{
	return REF_DECODES(dec_exit, (ref_u32(&b_, kind), ref_u32(&b_, value),
	    CHECK(msb_buf_put_u8(&b_, core) == 0)));
}

static int
resize_decodes(uint32_t cols, uint32_t rows)
{
	return REF_DECODES(dec_resize, (ref_u32(&b_, cols), ref_u32(&b_, rows)));
}

static void
test_other_rejects(void)
{
	CHECK(connect_decodes("h", 1) == 0);
	CHECK(connect_decodes("h", 65535) == 0);
	CHECK(connect_decodes("h", 0) == -1);
	CHECK(connect_decodes("h", 65536) == -1);
	CHECK(connect_decodes("h", UINT32_MAX) == -1);
	CHECK(connect_decodes("", 22) == -1);
	char *host = repeat_char('h', 1026);
	CHECK(connect_decodes(host + 1, 22) == 0);
	CHECK(connect_decodes(host, 22) == -1);
	free(host);

	CHECK(exit_decodes(MSB_EXIT_CODE, 255, false) == 0);
	CHECK(exit_decodes(MSB_EXIT_CODE, 256, false) == -1);
	CHECK(exit_decodes(MSB_EXIT_CODE, UINT32_MAX, false) == -1);
	CHECK(exit_decodes(MSB_EXIT_CODE, 1, true) == -1);
	CHECK(exit_decodes(MSB_EXIT_SIGNAL, 1, true) == 0);
	CHECK(exit_decodes(MSB_EXIT_SIGNAL, 0, false) == -1);
	CHECK(exit_decodes(MSB_EXIT_SIGNAL, 65, false) == -1);
	CHECK(exit_decodes(2, 1, false) == -1);
	/* A core flag byte other than 0 or 1. */
	static const uint8_t core2[] = { 0, 0, 0, 1, 0, 0, 0, 9, 2 };
	static const uint8_t core1[] = { 0, 0, 0, 1, 0, 0, 0, 9, 1 };
	CHECK(dec_exit(core1, sizeof(core1)) == 0);
	CHECK(dec_exit(core2, sizeof(core2)) == -1);

	CHECK(resize_decodes(0xffff, 0xffff) == 0);
	CHECK(resize_decodes(0x10000, 24) == -1);
	CHECK(resize_decodes(80, 0x10000) == -1);
	CHECK(resize_decodes(UINT32_MAX, UINT32_MAX) == -1);

	/* hello software, sftp user, info names: 256 bytes at most. */
	char *s = repeat_char('s', 257);
	for (int over = 0; over < 2; over++) {
		int want = over ? -1 : 0;
		const char *str = over ? s : s + 1;

		CHECK(REF_DECODES(dec_hello, (ref_u32(&b_, MSB_AGENT_MAGIC), ref_u32(&b_, 1),
		    ref_str(&b_, str))) == want);
		CHECK(REF_DECODES(dec_sftp, ref_str(&b_, str)) == want);
		CHECK(REF_DECODES(dec_info, (ref_str(&b_, "a"), ref_u32(&b_, 1),
		    CHECK(msb_buf_put_u64(&b_, 0) == 0), ref_str(&b_, str))) == want);
	}
	free(s);
}

/* Encoder limits: refusal leaves the buffer exactly as it was. */

static void
check_unchanged(const struct msb_buf *b, const uint8_t *before, size_t n)
{
	CHECK_EQ_U64(msb_buf_avail(b), n);
	CHECK_MEM(msb_buf_ptr(b), before, n);
}

static void
test_encoder_protocol_limits(void)
{
	static const uint8_t prefix[] = "already queued";
	struct msb_buf b;
	uint8_t *data = unit_alloc(MSB_AGENT_MAX_FRAME + 1);
	char *s = repeat_char('x', MSB_AGENT_MAX_FRAME);

	msb_buf_init(&b, BIG_BUF);
	CHECK(msb_buf_put(&b, prefix, sizeof(prefix)) == 0);
	CHECK(msb_agent_put_data(&b, MSB_AGENT_STDOUT, data,
	    MSB_AGENT_MAX_DATA + 1) == -1);
	check_unchanged(&b, prefix, sizeof(prefix));
	CHECK(msb_agent_put_data(&b, MSB_AGENT_STDIN, data, SIZE_MAX) == -1);
	check_unchanged(&b, prefix, sizeof(prefix));

	/*
	 * A body of MAX_FRAME - 1 bytes is the largest frame: an argv exec
	 * of four strings (flags, count, four strings, env count, cwd and
	 * user take 36 bytes besides the strings' own).
	 */
	size_t last = MSB_AGENT_MAX_FRAME - 1 - 36 - 3 * MSB_AGENT_MAX_STRING;
	char *full = s + MSB_AGENT_MAX_FRAME - MSB_AGENT_MAX_STRING;
	char *big_argv[] = { full, full, full, s + MSB_AGENT_MAX_FRAME - last, NULL };
	struct msb_agent_exec m = exec_argv;
	m.argv = big_argv;
	m.argc = 4;
	m.cwd = m.user = "";
	m.envc = 0;
	CHECK(msb_agent_put_exec(&b, &m) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), sizeof(prefix) + 4 + MSB_AGENT_MAX_FRAME);
	msb_buf_reset(&b);
	CHECK(msb_buf_put(&b, prefix, sizeof(prefix)) == 0);
	big_argv[3]--;
	CHECK(msb_agent_put_exec(&b, &m) == -1);
	check_unchanged(&b, prefix, sizeof(prefix));

	/* A string past its own limit. */
	CHECK(msb_agent_put_error(&b, 1, full - 1) == -1);
	check_unchanged(&b, prefix, sizeof(prefix));
	CHECK(msb_agent_put_error(&b, 1, full) == 0);

	const struct msb_agent_hello h = { 1, 1, s };
	const struct msb_agent_info in = { "a", 1, 2, s };
	const struct msb_agent_connect c = { s, 1, 1 };
	const struct msb_agent_sftp sf = { s, 0, NULL, NULL };
	msb_buf_reset(&b);
	CHECK(msb_buf_put(&b, prefix, sizeof(prefix)) == 0);
	CHECK(msb_agent_put_hello(&b, &h) == -1);
	CHECK(msb_agent_put_info(&b, &in) == -1);
	CHECK(msb_agent_put_connect(&b, &c) == -1);
	CHECK(msb_agent_put_sftp(&b, &sf) == -1);
	check_unchanged(&b, prefix, sizeof(prefix));
	msb_buf_free(&b);
	free(data);
	free(s);
}

/*
 * Every encoder into every buffer max below what it needs fails and leaves
 * the queued bytes alone; at exactly what it needs, it writes the same
 * bytes as into a roomy buffer.
 */
static void
test_encoder_small_max(void)
{
	static const uint8_t queued[] = { 9, 8, 7 };

	for (size_t c = 0; c < NCASES; c++) {
		struct msb_buf ref, b;

		msb_buf_init(&ref, BIG_BUF);
		CHECK(cases[c].encode(&ref) == 0);
		size_t need = msb_buf_avail(&ref);
		for (size_t max = 0; max < need; max++) {
			msb_buf_init(&b, max);
			CHECK(cases[c].encode(&b) == -1);
			CHECK_EQ_U64(msb_buf_avail(&b), 0);
			msb_buf_free(&b);

			msb_buf_init(&b, sizeof(queued) + max);
			CHECK(msb_buf_put(&b, queued, sizeof(queued)) == 0);
			if (!CHECK(cases[c].encode(&b) == -1))
				fprintf(stderr, "  %s: max %zu\n", cases[c].name, max);
			check_unchanged(&b, queued, sizeof(queued));
			msb_buf_free(&b);
		}
		msb_buf_init(&b, need);
		CHECK(cases[c].encode(&b) == 0);
		CHECK_EQ_U64(msb_buf_avail(&b), need);
		CHECK_MEM(msb_buf_ptr(&b), msb_buf_ptr(&ref), need);
		msb_buf_free(&b);
		msb_buf_free(&ref);
	}
}

/*
 * A sender's buffer usually has unsent bytes at its front and consumed
 * space before them; an encode may compact it half way through a frame.
 * The frame must come out intact whatever the layout.
 */
static void
test_encoder_buffer_layouts(void)
{
	uint8_t filler[600];

	for (size_t i = 0; i < sizeof(filler); i++)
		filler[i] = (uint8_t)i;
	for (size_t c = 0; c < NCASES; c++) {
		struct msb_buf ref;

		msb_buf_init(&ref, BIG_BUF);
		CHECK(cases[c].encode(&ref) == 0);
		size_t need = msb_buf_avail(&ref);
		for (size_t fill = 1; fill <= sizeof(filler); fill += 37) {
			for (size_t used = 0; used <= fill; used += 13) {
				struct msb_buf b;
				size_t left = fill - used;

				msb_buf_init(&b, BIG_BUF);
				CHECK(msb_buf_put(&b, filler, fill) == 0);
				msb_buf_consume(&b, used);
				CHECK(cases[c].encode(&b) == 0);
				if (CHECK_EQ_U64(msb_buf_avail(&b), left + need) &&
				    !(CHECK_MEM(msb_buf_ptr(&b), filler + used, left) &
				    CHECK_MEM(msb_buf_ptr(&b) + left, msb_buf_ptr(&ref), need)))
					fprintf(stderr, "  %s: fill %zu used %zu\n",
					    cases[c].name, fill, used);
				msb_buf_free(&b);
			}
		}
		msb_buf_free(&ref);
	}
}

static void
test_names(void)
{
	static const uint8_t types[] = { MSB_AGENT_HELLO, MSB_AGENT_OK,
	    MSB_AGENT_ERROR, MSB_AGENT_EXEC, MSB_AGENT_SFTP, MSB_AGENT_CONNECT,
	    MSB_AGENT_INFO, MSB_AGENT_SHUTDOWN, MSB_AGENT_STDIN,
	    MSB_AGENT_STDIN_EOF, MSB_AGENT_RESIZE, MSB_AGENT_SIGNAL,
	    MSB_AGENT_WINDOW, MSB_AGENT_STDOUT, MSB_AGENT_STDERR,
	    MSB_AGENT_EXIT };

	for (size_t i = 0; i < sizeof(types); i++) {
		CHECK(strcmp(msb_agent_msg_name(types[i]), "unknown") != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(msb_agent_msg_name(types[i]),
			    msb_agent_msg_name(types[j])) != 0);
	}
	CHECK_STR(msb_agent_msg_name(0), "unknown");
	CHECK_STR(msb_agent_msg_name(255), "unknown");
	for (uint32_t e = MSB_AGENT_E_PROTOCOL; e <= MSB_AGENT_E_PERMISSION; e++)
		CHECK(strcmp(msb_agent_err_name(e), "unknown error") != 0);
	CHECK_STR(msb_agent_err_name(0), "unknown error");
	CHECK_STR(msb_agent_err_name(MSB_AGENT_E_PERMISSION + 1), "unknown error");
}

/* The SFTP policy trailer: present only with a policy, one encoding each. */
static void
test_sftp_policy(void)
{
	struct msb_buf b, body;
	const uint8_t *p;
	size_t len;
	struct msb_agent_sftp s;
	const struct msb_agent_sftp ro = { "bob", MSB_SFTP_F_READ_ONLY, NULL, NULL };
	const struct msb_agent_sftp lists = { "", MSB_SFTP_F_ALLOW, "write,remove",
	    "open,read,write" };
	const struct msb_agent_sftp none = { "bob", 0, "", "" };

	msb_buf_init(&b, BIG_BUF);
	msb_buf_init(&body, BIG_BUF);
	CHECK(msb_agent_put_sftp(&b, &ro) == 0);
	if (only_frame(&b, MSB_AGENT_SFTP, &p, &len) == 0 &&
	    CHECK(msb_agent_get_sftp(p, len, &s) == 0)) {
		CHECK_STR(s.user, "bob");
		CHECK_EQ_U64(s.flags, MSB_SFTP_F_READ_ONLY);
		CHECK_STR(s.deny, "");
		CHECK_STR(s.allow, "");
		msb_agent_sftp_free(&s);
	}
	msb_buf_reset(&b);
	CHECK(msb_agent_put_sftp(&b, &lists) == 0);
	if (only_frame(&b, MSB_AGENT_SFTP, &p, &len) == 0 &&
	    CHECK(msb_agent_get_sftp(p, len, &s) == 0)) {
		CHECK_EQ_U64(s.flags, MSB_SFTP_F_ALLOW);
		CHECK_STR(s.deny, "write,remove");
		CHECK_STR(s.allow, "open,read,write");
		msb_agent_sftp_free(&s);
	}
	/* Without a policy the body is the user alone, as agents before it expect. */
	msb_buf_reset(&b);
	CHECK(msb_agent_put_sftp(&b, &none) == 0);
	if (only_frame(&b, MSB_AGENT_SFTP, &p, &len) == 0) {
		CHECK_EQ_U64(len, 4 + 3);
		if (CHECK(msb_agent_get_sftp(p, len, &s) == 0)) {
			CHECK_EQ_U64(s.flags, 0);
			CHECK(s.deny == NULL && s.allow == NULL);
			msb_agent_sftp_free(&s);
		}
	}

	struct {
		uint32_t flags;
		const char *deny, *allow;
		int want;
	} bodies[] = {
		{ 0, "", "", -1 },                        /* an empty trailer */
		{ 0x4, "", "", -1 },                      /* an unknown flag */
		{ 0, "", "open", -1 },                    /* allow without its flag */
		{ MSB_SFTP_F_ALLOW, "", "", 0 },          /* the agent rejects it, not the codec */
		{ 0, "open", "", 0 },
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		msb_buf_reset(&body);
		msb_buf_put_cstring(&body, "bob");
		msb_buf_put_u32(&body, bodies[i].flags);
		msb_buf_put_cstring(&body, bodies[i].deny);
		msb_buf_put_cstring(&body, bodies[i].allow);
		int rc = msb_agent_get_sftp(msb_buf_ptr(&body), msb_buf_avail(&body), &s);
		CHECK_EQ_U64((uint64_t)(int64_t)rc, (uint64_t)(int64_t)bodies[i].want);
		if (rc == 0)
			msb_agent_sftp_free(&s);
	}
	/* A truncated trailer, and one list past its bound. */
	msb_buf_reset(&body);
	msb_buf_put_cstring(&body, "bob");
	msb_buf_put_u32(&body, MSB_SFTP_F_READ_ONLY);
	CHECK(msb_agent_get_sftp(msb_buf_ptr(&body), msb_buf_avail(&body), &s) == -1);
	char *big = repeat_char('a', MSB_SFTP_LIST_MAX + 1);
	msb_buf_put_cstring(&body, big);
	msb_buf_put_cstring(&body, "");
	CHECK(msb_agent_get_sftp(msb_buf_ptr(&body), msb_buf_avail(&body), &s) == -1);
	free(big);
	msb_buf_free(&body);
	msb_buf_free(&b);
}

int
main(void)
{
	test_hello();
	test_empty_messages();
	test_error();
	test_exec();
	test_sftp_connect_info();
	test_sftp_policy();
	test_data();
	test_small_messages();
	test_frame_peek_partial();
	test_frame_lengths();
	test_frame_stream();
	test_truncation_trailing();
	test_exec_rejects();
	test_exec_crafted();
	test_other_rejects();
	test_encoder_protocol_limits();
	test_encoder_small_max();
	test_encoder_buffer_layouts();
	test_names();
	return unit_done();
}
