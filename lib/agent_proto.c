#include "config.h"

#include <stdlib.h>
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

/* Rolls a half-written frame back so a failed encode leaves out unchanged. */
static int
frame_finish(struct msb_buf *out, size_t start, int rc)
{
	if (rc != 0) {
		msb_agent_frame_abort(out, start);
		return -1;
	}
	return msb_agent_frame_end(out, start);
}

int
msb_agent_put_hello(struct msb_buf *out, const struct msb_agent_hello *m)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_HELLO, &start) != 0)
		return -1;
	int rc = msb_buf_put_u32(out, m->magic);
	rc |= msb_buf_put_u32(out, m->version);
	rc |= msb_buf_put_cstring(out, m->software);
	return frame_finish(out, start, rc);
}

int
msb_agent_put_empty(struct msb_buf *out, uint8_t type)
{
	size_t start;

	if (msb_agent_frame_begin(out, type, &start) != 0)
		return -1;
	return msb_agent_frame_end(out, start);
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
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_ERROR, &start) != 0)
		return -1;
	int rc = msb_buf_put_u32(out, code);
	rc |= msb_buf_put_cstring(out, message);
	return frame_finish(out, start, rc);
}

static int
put_strings(struct msb_buf *out, char *const *v, uint32_t n)
{
	int rc = msb_buf_put_u32(out, n);

	for (uint32_t i = 0; rc == 0 && i < n; i++)
		rc = msb_buf_put_cstring(out, v[i]);
	return rc;
}

int
msb_agent_put_exec(struct msb_buf *out, const struct msb_agent_exec *m)
{
	size_t start;
	int rc;

	if (msb_agent_frame_begin(out, MSB_AGENT_EXEC, &start) != 0)
		return -1;
	rc = msb_buf_put_u32(out, m->flags);
	if (m->flags & MSB_EXEC_ARGV)
		rc |= put_strings(out, m->argv, m->argc);
	else
		rc |= msb_buf_put_cstring(out, m->command);
	rc |= put_strings(out, m->env, m->envc);
	rc |= msb_buf_put_cstring(out, m->cwd);
	rc |= msb_buf_put_cstring(out, m->user);
	if (m->flags & MSB_EXEC_PTY) {
		rc |= msb_buf_put_cstring(out, m->term);
		rc |= msb_buf_put_u32(out, m->cols);
		rc |= msb_buf_put_u32(out, m->rows);
	}
	return frame_finish(out, start, rc);
}

int
msb_agent_put_sftp(struct msb_buf *out, const struct msb_agent_sftp *m)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_SFTP, &start) != 0)
		return -1;
	int rc = msb_buf_put_cstring(out, m->user);
	const char *deny = m->deny != NULL ? m->deny : "";
	const char *allow = m->allow != NULL ? m->allow : "";
	if (m->flags != 0 || deny[0] != '\0' || allow[0] != '\0') {
		rc |= msb_buf_put_u32(out, m->flags);
		rc |= msb_buf_put_cstring(out, deny);
		rc |= msb_buf_put_cstring(out, allow);
	}
	return frame_finish(out, start, rc);
}

int
msb_agent_put_connect(struct msb_buf *out, const struct msb_agent_connect *m)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_CONNECT, &start) != 0)
		return -1;
	int rc = msb_buf_put_cstring(out, m->host);
	rc |= msb_buf_put_u32(out, m->port);
	rc |= msb_buf_put_u32(out, m->timeout_ms);
	return frame_finish(out, start, rc);
}

int
msb_agent_put_info(struct msb_buf *out, const struct msb_agent_info *m)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_INFO, &start) != 0)
		return -1;
	int rc = msb_buf_put_cstring(out, m->software);
	rc |= msb_buf_put_u32(out, m->protocol);
	rc |= msb_buf_put_u64(out, m->uptime_ms);
	rc |= msb_buf_put_cstring(out, m->hostname);
	return frame_finish(out, start, rc);
}

int
msb_agent_put_u32_msg(struct msb_buf *out, uint8_t type, uint32_t v)
{
	size_t start;

	if (msb_agent_frame_begin(out, type, &start) != 0)
		return -1;
	return frame_finish(out, start, msb_buf_put_u32(out, v));
}

int
msb_agent_put_shutdown(struct msb_buf *out, uint32_t mode)
{
	return msb_agent_put_u32_msg(out, MSB_AGENT_SHUTDOWN, mode);
}

int
msb_agent_put_data(struct msb_buf *out, uint8_t type, const void *p, size_t n)
{
	size_t start;

	if (n > MSB_AGENT_MAX_DATA)
		return -1;
	if (msb_agent_frame_begin(out, type, &start) != 0)
		return -1;
	return frame_finish(out, start, msb_buf_put(out, p, n));
}

int
msb_agent_put_resize(struct msb_buf *out, uint32_t cols, uint32_t rows)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_RESIZE, &start) != 0)
		return -1;
	int rc = msb_buf_put_u32(out, cols);
	rc |= msb_buf_put_u32(out, rows);
	return frame_finish(out, start, rc);
}

int
msb_agent_put_exit(struct msb_buf *out, const struct msb_agent_exit *m)
{
	size_t start;

	if (msb_agent_frame_begin(out, MSB_AGENT_EXIT, &start) != 0)
		return -1;
	int rc = msb_buf_put_u32(out, m->kind);
	rc |= msb_buf_put_u32(out, m->value);
	rc |= msb_buf_put_u8(out, m->core_dumped ? 1 : 0);
	return frame_finish(out, start, rc);
}

/* Decoders */

static void
free_strings(char **v, uint32_t n)
{
	if (v == NULL)
		return;
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
get_strings(struct msb_reader *r, char ***out, uint32_t *count,
    uint32_t max_count, size_t max_len)
{
	uint32_t n;

	*out = NULL;
	*count = 0;
	if (msb_get_u32(r, &n) != 0)
		return -1;
	/* Each string costs at least its 4-byte length: reject counts the
	 * remaining input cannot hold before allocating for them. */
	if (n > max_count || n > msb_reader_left(r) / 4) {
		r->error = true;
		return -1;
	}
	char **v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL) {
		r->error = true;
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (msb_get_cstring(r, &v[i], max_len) != 0) {
			free_strings(v, i);
			return -1;
		}
	}
	*out = v;
	*count = n;
	return 0;
}

int
msb_agent_get_hello(const uint8_t *p, size_t n, struct msb_agent_hello *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_u32(&r, &m->magic);
	msb_get_u32(&r, &m->version);
	msb_get_cstring(&r, &m->software, 256);
	if (!msb_reader_done(&r)) {
		msb_agent_hello_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_error(const uint8_t *p, size_t n, struct msb_agent_error *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_u32(&r, &m->code);
	msb_get_cstring(&r, &m->message, MSB_AGENT_MAX_STRING);
	if (!msb_reader_done(&r)) {
		msb_agent_error_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_exec(const uint8_t *p, size_t n, struct msb_agent_exec *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	if (msb_get_u32(&r, &m->flags) != 0 ||
	    (m->flags & ~(MSB_EXEC_PTY | MSB_EXEC_ARGV)) != 0)
		return -1;
	if (m->flags & MSB_EXEC_ARGV) {
		if (get_strings(&r, &m->argv, &m->argc, MSB_AGENT_MAX_ARGS,
		    MSB_AGENT_MAX_STRING) == 0 && m->argc == 0)
			r.error = true;
	} else {
		msb_get_cstring(&r, &m->command, MSB_AGENT_MAX_COMMAND);
	}
	if (!r.error)
		get_strings(&r, &m->env, &m->envc, MSB_AGENT_MAX_ENV,
		    MSB_AGENT_MAX_STRING);
	msb_get_cstring(&r, &m->cwd, 4096);
	msb_get_cstring(&r, &m->user, 256);
	if (m->flags & MSB_EXEC_PTY) {
		msb_get_cstring(&r, &m->term, 256);
		msb_get_u32(&r, &m->cols);
		msb_get_u32(&r, &m->rows);
	}
	/* The agent's own cwd is no business of the host: only absolute. */
	if (!r.error && m->cwd[0] != '\0' && m->cwd[0] != '/')
		r.error = true;
	for (uint32_t i = 0; !r.error && i < m->envc; i++) {
		if (strchr(m->env[i], '=') == NULL || m->env[i][0] == '=')
			r.error = true;
	}
	if (!msb_reader_done(&r)) {
		msb_agent_exec_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_sftp(const uint8_t *p, size_t n, struct msb_agent_sftp *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_cstring(&r, &m->user, 256);
	bool empty_policy = false;
	if (msb_reader_left(&r) > 0) {
		msb_get_u32(&r, &m->flags);
		msb_get_cstring(&r, &m->deny, MSB_SFTP_LIST_MAX);
		msb_get_cstring(&r, &m->allow, MSB_SFTP_LIST_MAX);
		/* One encoding per request: no policy is no trailer. */
		empty_policy = m->flags == 0 && m->deny != NULL && m->deny[0] == '\0' &&
		    m->allow != NULL && m->allow[0] == '\0';
	}
	if (!msb_reader_done(&r) || empty_policy || (m->flags & ~MSB_SFTP_F_ALL) != 0 ||
	    (m->allow != NULL && m->allow[0] != '\0' &&
	    (m->flags & MSB_SFTP_F_ALLOW) == 0)) {
		msb_agent_sftp_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_connect(const uint8_t *p, size_t n, struct msb_agent_connect *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_cstring(&r, &m->host, 1025);
	msb_get_u32(&r, &m->port);
	msb_get_u32(&r, &m->timeout_ms);
	if (!msb_reader_done(&r) || m->port == 0 || m->port > 65535 ||
	    m->host[0] == '\0') {
		msb_agent_connect_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_info(const uint8_t *p, size_t n, struct msb_agent_info *m)
{
	struct msb_reader r;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_cstring(&r, &m->software, 256);
	msb_get_u32(&r, &m->protocol);
	msb_get_u64(&r, &m->uptime_ms);
	msb_get_cstring(&r, &m->hostname, 256);
	if (!msb_reader_done(&r)) {
		msb_agent_info_free(m);
		return -1;
	}
	return 0;
}

int
msb_agent_get_resize(const uint8_t *p, size_t n, uint32_t *cols, uint32_t *rows)
{
	struct msb_reader r;

	msb_reader_init(&r, p, n);
	msb_get_u32(&r, cols);
	msb_get_u32(&r, rows);
	/* struct winsize holds unsigned short */
	if (!msb_reader_done(&r) || *cols > 0xffff || *rows > 0xffff)
		return -1;
	return 0;
}

int
msb_agent_get_u32_msg(const uint8_t *p, size_t n, uint32_t *v)
{
	struct msb_reader r;

	msb_reader_init(&r, p, n);
	msb_get_u32(&r, v);
	return msb_reader_done(&r) ? 0 : -1;
}

int
msb_agent_get_exit(const uint8_t *p, size_t n, struct msb_agent_exit *m)
{
	struct msb_reader r;
	uint8_t core = 0;

	memset(m, 0, sizeof(*m));
	msb_reader_init(&r, p, n);
	msb_get_u32(&r, &m->kind);
	msb_get_u32(&r, &m->value);
	msb_get_u8(&r, &core);
	if (!msb_reader_done(&r) || core > 1 ||
	    (m->kind != MSB_EXIT_CODE && m->kind != MSB_EXIT_SIGNAL) ||
	    (m->kind == MSB_EXIT_CODE && (m->value > 255 || core)) ||
	    (m->kind == MSB_EXIT_SIGNAL && (m->value == 0 || m->value > 64)))
		return -1;
	m->core_dumped = core;
	return 0;
}

void
msb_agent_hello_free(struct msb_agent_hello *m)
{
	free(m->software);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_error_free(struct msb_agent_error *m)
{
	free(m->message);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_exec_free(struct msb_agent_exec *m)
{
	free(m->command);
	free_strings(m->argv, m->argc);
	free_strings(m->env, m->envc);
	free(m->cwd);
	free(m->user);
	free(m->term);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_sftp_free(struct msb_agent_sftp *m)
{
	free(m->user);
	free(m->deny);
	free(m->allow);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_connect_free(struct msb_agent_connect *m)
{
	free(m->host);
	memset(m, 0, sizeof(*m));
}

void
msb_agent_info_free(struct msb_agent_info *m)
{
	free(m->software);
	free(m->hostname);
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
