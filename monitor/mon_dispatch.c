/*
 * The monitor's table of what is permitted, the one lib/monitor_proto.h
 * describes: a frame is handled only if a row names its type, its sender
 * and the connection's phase. Anything else, a malformed frame or a
 * handler's refusal ends the connection (OpenSSH's monitor dispatches the
 * same way, from mon_dispatch_proto20).
 *
 * No row is once-only: the network child may ask as often as its tries
 * allow, and the worker reports every channel; what may happen once (the
 * move to POSTAUTH) is a phase change, which a phase column bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include "mon_conn.h"

#define IN(ph) (1u << (ph))

typedef const char *mon_handler(struct mon *m, const struct msb_mon *msg);

static const struct mon_rule {
	enum msb_mon_msg type;
	enum mon_sender from;
	unsigned phases;           /* IN(PH_...) for each phase it may arrive in */
	mon_handler *handle;
} rules[] = {
	{ MSB_MON_AUTH_REQUEST, MON_FROM_PREAUTH, IN(PH_PREAUTH), mon_auth_request },
	/* After a close the worker's last records still arrive. */
	{ MSB_MON_AUDIT_OPEN, MON_FROM_WORKER, IN(PH_POSTAUTH) | IN(PH_CLOSING), mon_worker_audit },
	{ MSB_MON_AUDIT_CLOSE, MON_FROM_WORKER, IN(PH_POSTAUTH) | IN(PH_CLOSING), mon_worker_audit },
	{ MSB_MON_RECORD_OPEN, MON_FROM_WORKER, IN(PH_POSTAUTH) | IN(PH_CLOSING),
	    mon_worker_record_open },
};

static const char *const sender_name[] = {
	[MON_FROM_PREAUTH] = "preauth child",
	[MON_FROM_WORKER] = "session worker",
};

static const char *const phase_name[] = {
	[PH_PREAUTH] = "before authentication",
	[PH_POSTAUTH] = "after authentication",
	[PH_CLOSING] = "while closing",
};

static void
dispatch(struct mon *m, enum mon_sender from, const struct msb_mon *msg)
{
	const char *who = sender_name[from];

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct mon_rule *r = &rules[i];
		if (r->type != msg->type || r->from != from)
			continue;
		if ((r->phases & IN(m->phase)) == 0) {
			char what[96];
			snprintf(what, sizeof(what), "%s %s", msb_mon_msg_name(msg->type),
			    phase_name[m->phase]);
			mon_violation(m, who, what);
		}
		const char *refused = r->handle(m, msg);
		if (refused != NULL)
			mon_violation(m, who, refused);
		return;
	}
	mon_violation(m, who, msb_mon_msg_name(msg->type));
}

void
mon_service(struct mon *m, struct mon_peer *p, enum mon_sender from)
{
	const char *who = sender_name[from];
	int r = mon_peer_fill(p);
	struct msb_mon msg;
	int got = 0;

	while (p->fd >= 0 && (got = msb_mon_get(&p->in, &msg)) == 1) {
		dispatch(m, from, &msg);
		if (p->fd >= 0)
			msb_mon_consume(&p->in, &msg);
	}
	if (p->fd >= 0 && got < 0)
		mon_violation(m, who, "malformed message");
	if (p->fd >= 0 && r <= 0) {
		if (msb_buf_avail(&p->in) > 0)
			mon_violation(m, who, "truncated message");
		verbose_f("the %s closed its channel", who);
		mon_peer_close(p);
	}
}
