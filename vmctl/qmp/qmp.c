#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "qmp.h"

/* How long a command may wait for room in the socket before QEMU counts as hung. */
#define QMP_SEND_TIMEOUT_MS 1000
/* Pause between attempts while QEMU has not created or opened its socket. */
#define QMP_RETRY_MS 20
#define QMP_READ_CHUNK 65536
/* Commands are a few hundred bytes; arguments are the caller's, so cap them too. */
#define QMP_COMMAND_MAX (64 * 1024)

struct qmp {
	int fd;
	struct qmp_callbacks cb;
	struct msb_buf in;
	size_t scanned;    /* bytes at the front of in known to hold no '\n' */
	bool eof;
	int dead;          /* the status that ended the connection, or 0 */
	bool greeted;
	uint64_t next_id;
	uint64_t waiting;  /* the id qmp_execute waits for, or 0 */
	bool got_reply;
	int reply_status;
	struct json_value *reply_ret;
	int version[3];
	char err_class[64];
	char err_desc[256];
};

static const struct json_limits qmp_limits = {
	.max_input = QMP_LINE_MAX,
	.max_depth = JSON_MAX_DEPTH_DEFAULT,
	.max_members = JSON_MAX_MEMBERS_DEFAULT,
};


static int
ms_left(int64_t deadline)
{
	int64_t left = deadline - msb_now_ms();

	if (left <= 0)
		return 0;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static void set_error(struct qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int die(struct qmp *q, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_error(struct qmp *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err_desc, sizeof(q->err_desc), fmt, ap);
	va_end(ap);
	q->err_class[0] = '\0';
}

/* Ends the connection for good: every later call returns status. */
static int
die(struct qmp *q, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err_desc, sizeof(q->err_desc), fmt, ap);
	va_end(ap);
	q->err_class[0] = '\0';
	q->dead = status;
	if (q->fd >= 0 && close(q->fd) != 0)
		debug_f("close: %s", strerror(errno));
	q->fd = -1;
	return status;
}

/*
 * Copies QEMU's text for logs and terminals: C0 and C1 controls become '?'
 * and truncation never splits a UTF-8 sequence (the parser vetted them).
 */
static void
copy_printable(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t n = 0;

	while (*p != '\0') {
		size_t k = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;

		if (n + k >= size)
			break;
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] < 0xa0))
			dst[n++] = '?';
		else {
			memcpy(dst + n, p, k);
			n += k;
		}
		p += k;
	}
	dst[n] = '\0';
}

struct qmp *
qmp_new(const struct qmp_callbacks *cb)
{
	struct qmp *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->fd = -1;
	if (cb != NULL)
		q->cb = *cb;
	msb_buf_init(&q->in, QMP_LINE_MAX);
	q->next_id = 1;
	return q;
}

void
qmp_free(struct qmp *q)
{
	if (q == NULL)
		return;
	if (q->fd >= 0 && close(q->fd) != 0)
		debug_f("close: %s", strerror(errno));
	json_free(q->reply_ret);
	msb_buf_free(&q->in);
	free(q);
}

static int
version_part(const struct json_value *qemu, const char *key, int *out)
{
	int64_t v;

	if (json_int(json_get(qemu, key), &v) != 0 || v < 0 || v > INT32_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

/* {"QMP": {"version": {"qemu": {"major":..}, "package": ..}, "capabilities": [..]}} */
static int
handle_greeting(struct qmp *q, const struct json_value *msg)
{
	const struct json_value *qmp = json_get(msg, "QMP");
	const struct json_value *qemu = json_get(json_get(qmp, "version"), "qemu");

	if (json_object_len(msg) != 1 || !json_is(qmp, JSON_OBJECT) ||
	    !json_is(json_get(qmp, "capabilities"), JSON_ARRAY) ||
	    version_part(qemu, "major", &q->version[0]) != 0 ||
	    version_part(qemu, "minor", &q->version[1]) != 0 ||
	    version_part(qemu, "micro", &q->version[2]) != 0)
		return die(q, QMP_EPROTO, "malformed QMP greeting");
	q->greeted = true;
	return QMP_OK;
}

static int
handle_event(struct qmp *q, const struct json_value *msg)
{
	const char *name = json_string(json_get(msg, "event"));
	const struct json_value *data = json_get(msg, "data");

	if (name == NULL || (data != NULL && !json_is(data, JSON_OBJECT)))
		return die(q, QMP_EPROTO, "malformed QMP event");
	if (q->cb.event != NULL)
		q->cb.event(q->cb.arg, name, data);
	return QMP_OK;
}

static int
handle_reply(struct qmp *q, struct json_value *msg)
{
	const struct json_value *err = json_get(msg, "error");
	const char *cls = json_string(json_get(err, "class"));
	const char *desc = json_string(json_get(err, "desc"));
	bool is_return = json_get(msg, "return") != NULL;
	int64_t id;
	int status;

	if (json_int(json_get(msg, "id"), &id) != 0 || id <= 0 ||
	    (uint64_t)id >= q->next_id)
		return die(q, QMP_EPROTO, "QMP reply to a command never sent");
	if (is_return == (err != NULL) || (err != NULL && (cls == NULL || desc == NULL)))
		return die(q, QMP_EPROTO, "malformed QMP reply");
	status = QMP_OK;
	if (err != NULL) {
		status = QMP_ECMD;
		copy_printable(q->err_class, sizeof(q->err_class), cls);
		copy_printable(q->err_desc, sizeof(q->err_desc), desc);
	}
	if ((uint64_t)id == q->waiting) {
		q->got_reply = true;
		q->reply_status = status;
		q->reply_ret = json_take(msg, "return");
	} else if (q->cb.reply != NULL)
		q->cb.reply(q->cb.arg, (uint64_t)id, status, json_get(msg, "return"));
	else
		debug_f("dropped the reply to command %" PRId64, id);
	return QMP_OK;
}

static int
handle_line(struct qmp *q, const char *line, size_t len)
{
	struct json_error jerr;
	struct json_value *msg = json_parse(line, len, &qmp_limits, &jerr);
	int rc;

	if (msg == NULL)
		return die(q, QMP_EPROTO, "invalid JSON from QEMU at byte %zu: %s",
		    jerr.offset, jerr.msg);
	if (!json_is(msg, JSON_OBJECT))
		rc = die(q, QMP_EPROTO, "QMP message is a %s, not an object",
		    json_type_name(json_type(msg)));
	else if (!q->greeted)
		rc = handle_greeting(q, msg);
	else if (json_get(msg, "event") != NULL)
		rc = handle_event(q, msg);
	else if (json_get(msg, "return") != NULL || json_get(msg, "error") != NULL)
		rc = handle_reply(q, msg);
	else
		rc = die(q, QMP_EPROTO, "unexpected QMP message");
	json_free(msg);
	return rc;
}

/* Handles the complete lines buffered, stopping early once *stop is true. */
static int
process_lines(struct qmp *q, const bool *stop)
{
	while (q->dead == 0 && !(stop != NULL && *stop)) {
		const char *p = (const char *)msb_buf_ptr(&q->in);
		size_t avail = msb_buf_avail(&q->in);
		const char *nl;
		int rc;

		if (avail == q->scanned)
			break;
		nl = memchr(p + q->scanned, '\n', avail - q->scanned);
		if (nl == NULL) {
			q->scanned = avail;
			break;
		}
		rc = handle_line(q, p, (size_t)(nl - p));
		msb_buf_consume(&q->in, (size_t)(nl - p) + 1);
		q->scanned = 0;
		if (rc != QMP_OK)
			return rc;
	}
	return q->dead;
}

/* One read; 0 also when nothing was there. EOF sets q->eof. */
static int
read_some(struct qmp *q)
{
	size_t want = msb_buf_room(&q->in);
	uint8_t *p;
	ssize_t n;

	if (want == 0)
		return die(q, QMP_EPROTO, "QMP line longer than %d bytes",
		    QMP_LINE_MAX);
	if (want > QMP_READ_CHUNK)
		want = QMP_READ_CHUNK;
	if ((p = msb_buf_reserve(&q->in, want)) == NULL)
		return die(q, QMP_ESYS, "out of memory for the QMP input");
	do
		n = read(q->fd, p, want);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return QMP_OK;
	if (n < 0 && errno == ECONNRESET)
		n = 0;
	if (n < 0)
		return die(q, QMP_ESYS, "read from QMP socket: %s", strerror(errno));
	if (n == 0)
		q->eof = true;
	msb_buf_commit(&q->in, (size_t)n);
	return QMP_OK;
}

int
qmp_on_readable(struct qmp *q)
{
	int rc;

	if (q->dead != 0)
		return q->dead;
	if ((rc = read_some(q)) != QMP_OK || (rc = process_lines(q, NULL)) != QMP_OK)
		return rc;
	if (q->eof)
		return die(q, QMP_ECLOSED, "QEMU closed the QMP connection");
	return QMP_OK;
}

/* Reads and handles input until *flag is set or the deadline passes. */
static int
pump_until(struct qmp *q, const bool *flag, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd;
		int rc;

		if ((rc = process_lines(q, flag)) != QMP_OK)
			return rc;
		if (*flag)
			return QMP_OK;
		if (q->eof)
			return die(q, QMP_ECLOSED, "QEMU closed the QMP connection");
		pfd.fd = q->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, ms_left(deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return die(q, QMP_ESYS, "poll: %s", strerror(errno));
		if (rc == 0) {
			set_error(q, "timed out waiting for QEMU");
			return QMP_ETIMEOUT;
		}
		if ((rc = read_some(q)) != QMP_OK)
			return rc;
	}
}

int
qmp_wait(struct qmp *q, int timeout_ms)
{
	struct pollfd pfd;
	int rc;

	if (q->dead != 0)
		return q->dead;
	pfd.fd = q->fd;
	pfd.events = POLLIN;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return die(q, QMP_ESYS, "poll: %s", strerror(errno));
	if (rc == 0) {
		set_error(q, "timed out waiting for QEMU");
		return QMP_ETIMEOUT;
	}
	return qmp_on_readable(q);
}

static int
send_all(struct qmp *q, const uint8_t *p, size_t n)
{
	int64_t deadline = msb_now_ms() + QMP_SEND_TIMEOUT_MS;

	while (n > 0) {
		ssize_t w = send(q->fd, p, n, MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };
		int rc;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return die(q, QMP_ECLOSED, "QEMU closed the QMP connection");
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return die(q, QMP_ESYS, "write to QMP socket: %s", strerror(errno));
		rc = poll(&pfd, 1, ms_left(deadline));
		if (rc < 0 && errno != EINTR)
			return die(q, QMP_ESYS, "poll: %s", strerror(errno));
		/* Half a command may be in the socket: the stream is beyond repair. */
		if (rc == 0)
			return die(q, QMP_ESYS, "QEMU stopped reading its QMP socket");
	}
	return QMP_OK;
}

/* {"execute":CMD,"arguments":ARGS,"id":ID}\r\n, ARGS re-serialized onto one line. */
static int
format_command(struct qmp *q, struct msb_buf *out, const char *cmd,
    const char *args_json, uint64_t id)
{
	char tail[40];
	int n;

	if (msb_buf_put(out, "{\"execute\":", 11) != 0 || json_append_string(out, cmd) != 0) {
		set_error(q, "invalid QMP command name");
		return QMP_EINVAL;
	}
	if (args_json != NULL) {
		struct json_error jerr;
		struct json_value *args = json_parse(args_json, strlen(args_json),
		    NULL, &jerr);
		int rc;

		if (args == NULL) {
			set_error(q, "invalid QMP arguments at byte %zu: %s",
			    jerr.offset, jerr.msg);
			return QMP_EINVAL;
		}
		rc = json_is(args, JSON_OBJECT) ? 0 : -1;
		if (rc == 0)
			rc = msb_buf_put(out, ",\"arguments\":", 13);
		if (rc == 0)
			rc = json_append_value(out, args);
		json_free(args);
		if (rc != 0) {
			set_error(q, "QMP arguments are not an object or too long");
			return QMP_EINVAL;
		}
	}
	n = snprintf(tail, sizeof(tail), ",\"id\":%" PRIu64 "}\r\n", id);
	if (n < 0 || (size_t)n >= sizeof(tail) || msb_buf_put(out, tail, (size_t)n) != 0) {
		set_error(q, "QMP command too long");
		return QMP_EINVAL;
	}
	return QMP_OK;
}

int
qmp_send(struct qmp *q, const char *cmd, const char *args_json, uint64_t *id)
{
	struct msb_buf out;
	int rc;

	if (q->dead != 0)
		return q->dead;
	if (q->fd < 0) {
		set_error(q, "not connected");
		return QMP_EINVAL;
	}
	msb_buf_init(&out, QMP_COMMAND_MAX);
	rc = format_command(q, &out, cmd, args_json, q->next_id);
	if (rc == QMP_OK) {
		*id = q->next_id++;
		rc = send_all(q, msb_buf_ptr(&out), msb_buf_avail(&out));
	}
	msb_buf_free(&out);
	return rc;
}

static int
execute_until(struct qmp *q, const char *cmd, const char *args_json,
    struct json_value **ret, int64_t deadline)
{
	uint64_t id;
	int rc;

	if (ret != NULL)
		*ret = NULL;
	if (q->waiting != 0) {
		set_error(q, "qmp_execute called from a QMP callback");
		return QMP_EINVAL;
	}
	if ((rc = qmp_send(q, cmd, args_json, &id)) != QMP_OK)
		return rc;
	q->waiting = id;
	q->got_reply = false;
	rc = pump_until(q, &q->got_reply, deadline);
	q->waiting = 0;
	if (rc == QMP_OK) {
		rc = q->reply_status;
		if (ret != NULL && rc == QMP_OK)
			*ret = q->reply_ret;
		else
			json_free(q->reply_ret);
		q->reply_ret = NULL;
		/* Dispatch what came behind the reply: poll will not signal it
		 * again. A failure there surfaces on the next call. */
		process_lines(q, NULL);
	}
	return rc;
}

int
qmp_execute(struct qmp *q, const char *cmd, const char *args_json,
    struct json_value **ret, int timeout_ms)
{
	return execute_until(q, cmd, args_json, ret, msb_now_ms() + timeout_ms);
}

/* A non-blocking connect; 1 when QEMU is not there yet and trying again may help. */
static int
try_connect(struct qmp *q, const struct sockaddr_un *sa, int *last_errno)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return die(q, QMP_ESYS, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		q->fd = fd;
		return QMP_OK;
	}
	*last_errno = errno;
	if (close(fd) != 0)
		debug_f("close: %s", strerror(errno));
	if (*last_errno == ENOENT || *last_errno == ECONNREFUSED ||
	    *last_errno == EAGAIN || *last_errno == EINTR)
		return 1;
	return die(q, QMP_ESYS, "connect to %s: %s", sa->sun_path,
	    strerror(*last_errno));
}

int
qmp_connect(struct qmp *q, const char *path, int timeout_ms)
{
	int64_t deadline = msb_now_ms() + timeout_ms;
	struct sockaddr_un sa;
	int rc, last_errno = 0;

	if (q->dead != 0)
		return q->dead;
	if (q->fd >= 0 || q->greeted) {
		set_error(q, "already connected");
		return QMP_EINVAL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return die(q, QMP_EINVAL, "QMP socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path));
	while ((rc = try_connect(q, &sa, &last_errno)) == 1) {
		int left = ms_left(deadline);

		if (left == 0) {
			q->dead = QMP_ETIMEOUT;
			set_error(q, "no QMP server at %s after %d ms: %s", path,
			    timeout_ms, strerror(last_errno));
			return QMP_ETIMEOUT;
		}
		if (poll(NULL, 0, left < QMP_RETRY_MS ? left : QMP_RETRY_MS) < 0 &&
		    errno != EINTR)
			return die(q, QMP_ESYS, "poll: %s", strerror(errno));
	}
	if (rc != QMP_OK)
		return rc;
	rc = pump_until(q, &q->greeted, deadline);
	if (rc == QMP_OK)
		rc = execute_until(q, "qmp_capabilities", NULL, NULL, deadline);
	if (rc == QMP_OK)
		return QMP_OK;
	/* A half-made connection is of no use: make the failure final. */
	if (q->dead == 0) {
		q->dead = rc;
		if (close(q->fd) != 0)
			debug_f("close: %s", strerror(errno));
		q->fd = -1;
	}
	return rc;
}

void
qmp_version(const struct qmp *q, int *major, int *minor, int *micro)
{
	*major = q->version[0];
	*minor = q->version[1];
	*micro = q->version[2];
}

int
qmp_fd(const struct qmp *q)
{
	return q->fd;
}

const char *
qmp_error_desc(const struct qmp *q)
{
	return q->err_desc;
}

const char *
qmp_error_class(const struct qmp *q)
{
	return q->err_class;
}

const char *
qmp_status_str(int status)
{
	switch (status) {
	case QMP_OK: return "ok";
	case QMP_ECMD: return "command failed";
	case QMP_ECLOSED: return "connection closed";
	case QMP_ETIMEOUT: return "timed out";
	case QMP_EPROTO: return "protocol error";
	case QMP_ESYS: return "system error";
	case QMP_EINVAL: return "invalid request";
	}
	return "unknown status";
}
