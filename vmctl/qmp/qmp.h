/*
 * A QMP client for the QEMU a vmm supervises. It works both ways the vmm
 * needs: blocking (qmp_execute waits for the reply with a deadline) and from
 * the vmm's own poll loop (qmp_fd + qmp_on_readable dispatch events and the
 * replies of commands sent with qmp_send). Events go to a callback whenever
 * they arrive, before, between or during replies.
 *
 * Everything QEMU sends is untrusted: lines are capped at QMP_LINE_MAX and
 * parsed strictly; anything malformed is a protocol error after which the
 * connection is dead and every call returns QMP_EPROTO.
 */
#ifndef MSB_QMP_H
#define MSB_QMP_H

#include <stdint.h>

#include "json.h"

/* Longest line QEMU may send, "\r\n" included. */
#define QMP_LINE_MAX (1024 * 1024)

enum qmp_status {
	QMP_OK = 0,
	QMP_ECMD = -1,     /* QEMU answered with an error: see qmp_error_class/desc */
	QMP_ECLOSED = -2,  /* QEMU closed the connection (it exited, most likely) */
	QMP_ETIMEOUT = -3, /* no answer by the deadline; the connection stays usable */
	QMP_EPROTO = -4,   /* QEMU sent something that is not QMP: connection dead */
	QMP_ESYS = -5,     /* a system call failed (errno in the message): connection dead */
	QMP_EINVAL = -6,   /* the caller's mistake (bad arguments, ...): nothing was sent */
};

struct qmp_callbacks {
	/* An event; data is its "data" object or NULL when there is none. */
	void (*event)(void *arg, const char *name, const struct json_value *data);
	/*
	 * The answer to a command sent with qmp_send: status QMP_OK with its
	 * "return" value, or QMP_ECMD with ret NULL and the error in
	 * qmp_error_class/desc. Replies nobody waits for are dropped when this
	 * is NULL.
	 */
	void (*reply)(void *arg, uint64_t id, int status, const struct json_value *ret);
	void *arg;
};

struct qmp;

/* cb may be NULL, and is copied. NULL on allocation failure. */
struct qmp *qmp_new(const struct qmp_callbacks *cb);
void qmp_free(struct qmp *q);

/*
 * Connects to QEMU's QMP socket at path, retrying while it does not exist or
 * nobody listens yet, reads the greeting and negotiates capabilities, all
 * within timeout_ms. Call once per struct qmp. Returns a qmp_status.
 */
int qmp_connect(struct qmp *q, const char *path, int timeout_ms);

/* QEMU's version from the greeting (zeros before qmp_connect succeeded). */
void qmp_version(const struct qmp *q, int *major, int *minor, int *micro);

/*
 * Sends command cmd with arguments args_json (the text of a JSON object, or
 * NULL) and waits up to timeout_ms for its reply. On QMP_OK, *ret (when not
 * NULL) receives the "return" value, to be freed with json_free. Events and
 * replies to qmp_send commands that arrive meanwhile go to the callbacks,
 * which must not call qmp_execute themselves.
 */
int qmp_execute(struct qmp *q, const char *cmd, const char *args_json,
    struct json_value **ret, int timeout_ms);
/* Sends without waiting; the reply goes to the reply callback under *id. */
int qmp_send(struct qmp *q, const char *cmd, const char *args_json, uint64_t *id);

/* For poll(2): wait for POLLIN on this fd, then call qmp_on_readable. */
int qmp_fd(const struct qmp *q);
/*
 * Reads what is available without blocking and dispatches every complete
 * message. Returns QMP_OK, or QMP_ECLOSED / QMP_EPROTO / QMP_ESYS once the
 * connection is gone (call qmp_free then).
 */
int qmp_on_readable(struct qmp *q);
/* Waits up to timeout_ms for input and dispatches it; QMP_ETIMEOUT if none came. */
int qmp_wait(struct qmp *q, int timeout_ms);

/*
 * The last failure, printable: QEMU's error description, or what went wrong
 * locally. QEMU's text is reduced to printable characters and truncated.
 */
const char *qmp_error_desc(const struct qmp *q);
/* QEMU's error class ("CommandNotFound", ...) for QMP_ECMD, else "". */
const char *qmp_error_class(const struct qmp *q);
const char *qmp_status_str(int status);

#endif
