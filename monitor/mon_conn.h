/*
 * One connection as the monitor keeps it, shared by its three parts: the
 * process side (monitor.c: children, signals, the serve loop), the
 * dispatcher (mon_dispatch.c: the table of what each peer may send in each
 * phase) and the handlers the table names (mon_auth.c, mon_worker.c).
 *
 * The handlers act on the process only through the mon_* effects declared
 * here, which monitor.c defines; the monitor's unit test and fuzz target
 * define them in regress/mon_fixture.c instead, to run the real dispatcher
 * and handlers over socketpairs with no child processes.
 */
#ifndef MSB_MON_CONN_H
#define MSB_MON_CONN_H

#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "host/authkeys.h"
#include "fail_delay.h"
#include "login_route.h"
#include "mon_io.h"
#include "monitor.h"
#include "lib/monitor_proto.h"
#include "recorder.h"
#include "session_limits.h"
#include "tenant_keys.h"

#define MON_USER_MAX 256

enum mon_phase { PH_PREAUTH, PH_POSTAUTH, PH_CLOSING };

struct mon {
	const struct monitor_opts *o;
	struct tenant_keys keys;
	bool keys_loaded;
	const char *sandbox;           /* the one served: --sandbox's, or the login's; NULL: none such */
	struct login_route route;      /* the gateway's reading of the login name */
	int serve_hold;                /* the gateway's hold on the sandbox (msb rm waits) */
	struct fail_delay delay;
	struct msb_authkey cert_key;   /* what a certificate login may do, once accepted */
	const char *peer;          /* numeric client address, NULL without a network peer */
	char peer_buf[NI_MAXHOST];
	int client_fd, status_fd;
	int mux_worker;            /* the session worker's end of "mux", until it starts */
	sigset_t mask;
	struct mon_peer pre, ses;
	pid_t pre_pid, ses_pid;
	struct msb_cgroup ses_cg;  /* the session worker's resource limits */
	struct recorder rec;       /* --record */
	enum mon_phase phase;
	unsigned failures;
	bool seen_request;
	char *user;                /* fixed by the first request */
	char user_log[MON_USER_MAX * 4 + 1];
	const struct msb_authkey *key;  /* the accepted one */
	int status;
	int64_t grace_deadline, kill_deadline;
	bool sent_term, sent_kill; /* a child that dies of these died of us */
};

/* The peers that send to the monitor. */
enum mon_sender { MON_FROM_PREAUTH, MON_FROM_WORKER };

/* Reads what one peer sent and hands each frame to the dispatcher. */
void mon_service(struct mon *m, struct mon_peer *p, enum mon_sender from);

/*
 * Handlers named by the dispatch table: NULL, or what the frame violated
 * (the dispatcher then ends the connection).
 */
const char *mon_auth_request(struct mon *m, const struct msb_mon *req);
const char *mon_worker_audit(struct mon *m, const struct msb_mon *msg);
const char *mon_worker_record_open(struct mon *m, const struct msb_mon *msg);

/* The keys that may open the sandbox (mon_auth.c). */
int mon_load_keys(struct mon *m);

/* Effects on the process (monitor.c). */
/* Anything outside the table, or malformed: ends everything now. */
_Noreturn void mon_violation(struct mon *m, const char *who, const char *what);
/* Stops serving: children get SIGTERM now, SIGKILL after a grace time. */
void mon_close(struct mon *m, int status);
/* As mon_close, but the preauth child ends first, telling the client why. */
void mon_close_after_preauth(struct mon *m, int status);
/* Whether the listener admits one more connection to the sandbox (--max-connections). */
bool mon_admitted(struct mon *m);
/* The login is accepted: the session worker starts. */
void mon_authenticated(struct mon *m);

#endif
