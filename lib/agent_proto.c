#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "agent_proto.h"
#include "frame.h"
#include "sftp_policy.h"

int
msb_agent_frame_begin(struct msb_buf *out, uint8_t type, size_t *start)
{
	return msb_frame_begin(out, type, start);
}

int
msb_agent_frame_end(struct msb_buf *out, size_t start)
{
	return msb_frame_end(out, start, MSB_AGENT_MAX_FRAME);
}

void
msb_agent_frame_abort(struct msb_buf *out, size_t start)
{
	msb_frame_abort(out, start);
}

int
msb_agent_frame_peek(const struct msb_buf *in, uint8_t *type,
    const uint8_t **body, size_t *len)
{
	return msb_frame_peek(in, MSB_AGENT_MAX_FRAME, type, body, len);
}

void
msb_agent_frame_consume(struct msb_buf *in, size_t body_len)
{
	msb_frame_consume(in, body_len);
}

/*
 * Each message body as a table (lib/frame.h): one description drives both
 * its encoder and its decoder. What a table cannot say (an absolute cwd,
 * an exit status that fits its kind) is checked after decoding.
 */
#define U32(type, field, lo, hi) \
	{ MSB_FIELD_U32, offsetof(type, field), 0, (lo), (hi) }
#define ANY32(type, field) U32(type, field, 0, UINT32_MAX)
#define U64(type, field) { MSB_FIELD_U64, offsetof(type, field), 0, 0, 0 }
#define BOOL(type, field) { MSB_FIELD_BOOL, offsetof(type, field), 0, 0, 1 }
#define CSTR(type, field, max) { MSB_FIELD_CSTR, offsetof(type, field), 0, 0, (max) }
#define CSTRV(type, field, count, most, max) \
	{ MSB_FIELD_CSTRV, offsetof(type, field), offsetof(type, count), (most), (max) }
/* The next n fields only when (the flags field & mask) == want. */
#define IF(type, flags, mask, want, n) \
	{ MSB_FIELD_IF, offsetof(type, flags), (n), (mask), (want) }
#define TAIL { MSB_FIELD_TAIL, 0, 0, 0, 0 }
#define END { MSB_FIELD_END, 0, 0, 0, 0 }

#define HELLO struct msb_agent_hello
static const struct msb_field f_hello[] = {
	ANY32(HELLO, magic), ANY32(HELLO, version), CSTR(HELLO, software, 256), END
};
#define ERR struct msb_agent_error
static const struct msb_field f_error[] = {
	ANY32(ERR, code), CSTR(ERR, message, MSB_AGENT_MAX_STRING), END
};
#define EXEC struct msb_agent_exec
static const struct msb_field f_exec[] = {
	U32(EXEC, flags, 0, MSB_EXEC_PTY | MSB_EXEC_ARGV),
	IF(EXEC, flags, MSB_EXEC_ARGV, MSB_EXEC_ARGV, 1),
	CSTRV(EXEC, argv, argc, MSB_AGENT_MAX_ARGS, MSB_AGENT_MAX_STRING),
	IF(EXEC, flags, MSB_EXEC_ARGV, 0, 1),
	CSTR(EXEC, command, MSB_AGENT_MAX_COMMAND),
	CSTRV(EXEC, env, envc, MSB_AGENT_MAX_ENV, MSB_AGENT_MAX_STRING),
	CSTR(EXEC, cwd, 4096), CSTR(EXEC, user, 256),
	IF(EXEC, flags, MSB_EXEC_PTY, MSB_EXEC_PTY, 3),
	CSTR(EXEC, term, 256), ANY32(EXEC, cols), ANY32(EXEC, rows),
	END
};
/* The policy is a tail: a session without one sends the user alone. */
#define SFTP struct msb_agent_sftp
static const struct msb_field f_sftp[] = {
	CSTR(SFTP, user, 256), TAIL,
	U32(SFTP, flags, 0, MSB_SFTP_F_ALL), CSTR(SFTP, deny, MSB_SFTP_LIST_MAX),
	CSTR(SFTP, allow, MSB_SFTP_LIST_MAX), END
};
#define CONNECT struct msb_agent_connect
static const struct msb_field f_connect[] = {
	CSTR(CONNECT, host, 1025), U32(CONNECT, port, 1, 65535), ANY32(CONNECT, timeout_ms), END
};
#define INFO struct msb_agent_info
static const struct msb_field f_info[] = {
	CSTR(INFO, software, 256), ANY32(INFO, protocol), U64(INFO, uptime_ms),
	CSTR(INFO, hostname, 256), END
};
static const struct msb_field f_empty[] = { END };
/* SIGNAL, WINDOW, SHUTDOWN */
struct u32_msg {
	uint32_t v;
};
static const struct msb_field f_u32[] = { ANY32(struct u32_msg, v), END };
/* struct winsize holds unsigned short */
struct resize {
	uint32_t cols, rows;
};
static const struct msb_field f_resize[] = {
	U32(struct resize, cols, 0, 0xffff), U32(struct resize, rows, 0, 0xffff), END
};
#define EXIT struct msb_agent_exit
static const struct msb_field f_exit[] = {
	U32(EXIT, kind, MSB_EXIT_CODE, MSB_EXIT_SIGNAL), U32(EXIT, value, 0, 255),
	BOOL(EXIT, core_dumped), END
};

static int
put(struct msb_buf *out, uint8_t type, const struct msb_field *f, const void *m)
{
	return msb_frame_put_fields(out, type, MSB_AGENT_MAX_FRAME, f, m);
}

/* msg is zeroed first: the decoder's heap fields must start NULL. */
static int
get(const uint8_t *p, size_t n, const struct msb_field *f, void *msg, size_t size)
{
	memset(msg, 0, size);
	return msb_frame_get_fields(p, n, f, msg);
}

int
msb_agent_put_hello(struct msb_buf *out, const struct msb_agent_hello *m)
{
	return put(out, MSB_AGENT_HELLO, f_hello, m);
}

int
msb_agent_put_empty(struct msb_buf *out, uint8_t type)
{
	return put(out, type, f_empty, NULL);
}

int
msb_agent_put_ok(struct msb_buf *out)
{
	return msb_agent_put_empty(out, MSB_AGENT_OK);
}

int
msb_agent_put_info_request(struct msb_buf *out)
{
	return msb_agent_put_empty(out, MSB_AGENT_INFO);
}

int
msb_agent_put_error(struct msb_buf *out, uint32_t code, const char *message)
{
	struct msb_agent_error e = { .code = code, .message = (char *)message };

	return put(out, MSB_AGENT_ERROR, f_error, &e);
}

int
msb_agent_put_exec(struct msb_buf *out, const struct msb_agent_exec *m)
{
	return put(out, MSB_AGENT_EXEC, f_exec, m);
}

int
msb_agent_put_sftp(struct msb_buf *out, const struct msb_agent_sftp *m)
{
	return put(out, MSB_AGENT_SFTP, f_sftp, m);
}

int
msb_agent_put_connect(struct msb_buf *out, const struct msb_agent_connect *m)
{
	return put(out, MSB_AGENT_CONNECT, f_connect, m);
}

int
msb_agent_put_info(struct msb_buf *out, const struct msb_agent_info *m)
{
	return put(out, MSB_AGENT_INFO, f_info, m);
}

int
msb_agent_put_u32_msg(struct msb_buf *out, uint8_t type, uint32_t v)
{
	struct u32_msg m = { .v = v };

	return put(out, type, f_u32, &m);
}

int
msb_agent_put_shutdown(struct msb_buf *out, uint32_t mode)
{
	return msb_agent_put_u32_msg(out, MSB_AGENT_SHUTDOWN, mode);
}

/* The payload is the whole body, not a string: no table. */
int
msb_agent_put_data(struct msb_buf *out, uint8_t type, const void *p, size_t n)
{
	size_t start;

	if (n > MSB_AGENT_MAX_DATA || msb_agent_frame_begin(out, type, &start) != 0)
		return -1;
	if (msb_buf_put(out, p, n) != 0) {
		msb_agent_frame_abort(out, start);
		return -1;
	}
	return msb_agent_frame_end(out, start);
}

int
msb_agent_put_resize(struct msb_buf *out, uint32_t cols, uint32_t rows)
{
	struct resize m = { .cols = cols, .rows = rows };

	return put(out, MSB_AGENT_RESIZE, f_resize, &m);
}

int
msb_agent_put_exit(struct msb_buf *out, const struct msb_agent_exit *m)
{
	return put(out, MSB_AGENT_EXIT, f_exit, m);
}

/* Decoders */

int
msb_agent_get_hello(const uint8_t *p, size_t n, struct msb_agent_hello *m)
{
	return get(p, n, f_hello, m, sizeof(*m));
}

int
msb_agent_get_error(const uint8_t *p, size_t n, struct msb_agent_error *m)
{
	return get(p, n, f_error, m, sizeof(*m));
}

int
msb_agent_get_exec(const uint8_t *p, size_t n, struct msb_agent_exec *m)
{
	if (get(p, n, f_exec, m, sizeof(*m)) != 0)
		return -1;
	bool bad = (m->flags & MSB_EXEC_ARGV) != 0 && m->argc == 0;
	/* The agent's own cwd is no business of the host: only absolute. */
	bad |= m->cwd[0] != '\0' && m->cwd[0] != '/';
	for (uint32_t i = 0; !bad && i < m->envc; i++)
		bad = strchr(m->env[i], '=') == NULL || m->env[i][0] == '=';
	if (bad) {
		msb_agent_exec_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_sftp(const uint8_t *p, size_t n, struct msb_agent_sftp *m)
{
	if (get(p, n, f_sftp, m, sizeof(*m)) != 0)
		return -1;
	if (m->allow != NULL && m->allow[0] != '\0' && (m->flags & MSB_SFTP_F_ALLOW) == 0) {
		msb_agent_sftp_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_connect(const uint8_t *p, size_t n, struct msb_agent_connect *m)
{
	if (get(p, n, f_connect, m, sizeof(*m)) != 0)
		return -1;
	if (m->host[0] == '\0') {
		msb_agent_connect_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_info(const uint8_t *p, size_t n, struct msb_agent_info *m)
{
	return get(p, n, f_info, m, sizeof(*m));
}

int
msb_agent_get_resize(const uint8_t *p, size_t n, uint32_t *cols, uint32_t *rows)
{
	struct resize m;

	if (get(p, n, f_resize, &m, sizeof(m)) != 0)
		return -1;
	*cols = m.cols;
	*rows = m.rows;
	return 0;
}

int
msb_agent_get_u32_msg(const uint8_t *p, size_t n, uint32_t *v)
{
	struct u32_msg m;

	if (get(p, n, f_u32, &m, sizeof(m)) != 0)
		return -1;
	*v = m.v;
	return 0;
}

int
msb_agent_get_exit(const uint8_t *p, size_t n, struct msb_agent_exit *m)
{
	if (get(p, n, f_exit, m, sizeof(*m)) != 0)
		return -1;
	/* A code is 0..255 and never dumps core; a signal is 1..64. */
	if ((m->kind == MSB_EXIT_CODE && m->core_dumped) ||
	    (m->kind == MSB_EXIT_SIGNAL && (m->value == 0 || m->value > 64))) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

void
msb_agent_hello_free(struct msb_agent_hello *m)
{
	msb_frame_free_fields(f_hello, m);
}

void
msb_agent_error_free(struct msb_agent_error *m)
{
	msb_frame_free_fields(f_error, m);
}

void
msb_agent_exec_free(struct msb_agent_exec *m)
{
	msb_frame_free_fields(f_exec, m);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_sftp_free(struct msb_agent_sftp *m)
{
	msb_frame_free_fields(f_sftp, m);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_connect_free(struct msb_agent_connect *m)
{
	msb_frame_free_fields(f_connect, m);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_info_free(struct msb_agent_info *m)
{
	msb_frame_free_fields(f_info, m);
	memset(m, 0, sizeof(*m));
}

const char *
msb_agent_msg_name(uint8_t type)
{
	switch (type) {
	case MSB_AGENT_HELLO: return "HELLO";
	case MSB_AGENT_OK: return "OK";
	case MSB_AGENT_ERROR: return "ERROR";
	case MSB_AGENT_EXEC: return "EXEC";
	case MSB_AGENT_SFTP: return "SFTP";
	case MSB_AGENT_CONNECT: return "CONNECT";
	case MSB_AGENT_INFO: return "INFO";
	case MSB_AGENT_SHUTDOWN: return "SHUTDOWN";
	case MSB_AGENT_STDIN: return "STDIN";
	case MSB_AGENT_STDIN_EOF: return "STDIN_EOF";
	case MSB_AGENT_RESIZE: return "RESIZE";
	case MSB_AGENT_SIGNAL: return "SIGNAL";
	case MSB_AGENT_WINDOW: return "WINDOW";
	case MSB_AGENT_STDOUT: return "STDOUT";
	case MSB_AGENT_STDERR: return "STDERR";
	case MSB_AGENT_EXIT: return "EXIT";
	default: return "unknown";
	}
}

const char *
msb_agent_err_name(uint32_t code)
{
	switch (code) {
	case MSB_AGENT_E_PROTOCOL: return "protocol error";
	case MSB_AGENT_E_VERSION: return "unsupported protocol version";
	case MSB_AGENT_E_NO_USER: return "no such user";
	case MSB_AGENT_E_EXEC: return "cannot execute";
	case MSB_AGENT_E_CWD: return "bad working directory";
	case MSB_AGENT_E_REFUSED: return "connection refused";
	case MSB_AGENT_E_UNREACHABLE: return "unreachable";
	case MSB_AGENT_E_TIMEOUT: return "timed out";
	case MSB_AGENT_E_BAD_NAME: return "name does not resolve";
	case MSB_AGENT_E_INTERNAL: return "internal error";
	case MSB_AGENT_E_PERMISSION: return "permission denied";
	default: return "unknown error";
	}
}
