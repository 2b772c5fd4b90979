/*
 * What the session worker reports after authentication: the audit records
 * of its channels, and its requests for recording files (--record).
 */
#include "config.h"

#include "audit.h"
#include "mon_conn.h"

const char *
mon_worker_audit(struct mon *m, const struct msb_mon *msg)
{
	char detail[1024];

	if (msg->type == MSB_MON_AUDIT_CLOSE) {
		msb_audit("channel %u close: %llu bytes in, %llu bytes out, exit %d", msg->chan,
		    (unsigned long long)msg->bytes_in, (unsigned long long)msg->bytes_out, (int)msg->exit);
		recorder_closed(&m->rec, msg->chan);
		return NULL;
	}
	/* While recording is on, no session channel runs without its file. */
	if (msg->kind == MSB_MON_KIND_SESSION && !recorder_has(&m->rec, msg->chan))
		return "AUDIT_OPEN of a session channel that is not recorded";
	msb_log_escape(detail, sizeof(detail), msg->detail, msg->detail_len);
	msb_audit("channel %u open %s: %s", msg->chan,
	    msg->kind == MSB_MON_KIND_SESSION ? "session" : "direct-tcpip", detail);
	return NULL;
}

const char *
mon_worker_record_open(struct mon *m, const struct msb_mon *msg)
{
	if (recorder_open(&m->rec, m->ses.fd, msg, m->sandbox, m->user) != 0)
		return "RECORD_OPEN with recording off, or its answer not read";
	return NULL;
}
