/*
 * The audit trail: the monitor writes the log, the worker tells it what
 * each channel ran or reached and what came of it.
 */
#include "config.h"

#include <string.h>

#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "session.h"

static void
mon_send(struct session *s, const struct msb_mon *m)
{
	/* The monitor reads promptly; a full buffer means it is gone or
	 * stuck, and an audit record must not be dropped silently. */
	if (msb_mon_put(&s->mon_out, m) != 0)
		fatal_f("cannot queue %s for the monitor", msb_mon_msg_name(m->type));
}

void
audit_open(struct session *s, struct chan *c)
{
	const char *detail = c->detail != NULL ? c->detail : "";
	size_t n = strlen(detail);
	struct msb_mon m = {
		.type = MSB_MON_AUDIT_OPEN,
		.chan = c->id,
		.kind = c->kind == CHAN_TCPIP ? MSB_MON_KIND_DIRECT_TCPIP : MSB_MON_KIND_SESSION,
		.detail = detail,
		/* The monitor's frame is smaller than a command may be. */
		.detail_len = n < MSB_MON_MAX_STRING ? n : MSB_MON_MAX_STRING,
	};

	mon_send(s, &m);
	c->audited = true;
}

void
audit_close(struct session *s, struct chan *c)
{
	if (!c->audited)
		return;
	struct msb_mon m = {
		.type = MSB_MON_AUDIT_CLOSE,
		.chan = c->id,
		.bytes_in = c->bytes_in,
		.bytes_out = c->bytes_out,
		.exit = c->exit,
	};

	mon_send(s, &m);
	c->audited = false;
}
