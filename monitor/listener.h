/*
 * The listener of `msb ssh serve`: accepts TCP connections and hands each
 * to a freshly exec'd msb-monitor (fd 3 the connection, fd 4 a status
 * socket, see below). It never reads a byte from a client itself.
 *
 * Like OpenSSH's MaxStartups, it refuses new connections at random while
 * many are still unauthenticated, and all of them past a hard cap; like
 * PerSourceMaxStartups, it caps the unauthenticated connections of one
 * source; and a source whose connections keep failing authentication, or
 * end without trying, is turned away at once for a while (sshd's
 * PerSourcePenalties, simplified). A source is an IPv4 address or an IPv6
 * /64 (source_group.h). Past authentication it caps the connections open
 * at once to one sandbox.
 *
 * The status socket (fd 4 of the monitor, a stream socketpair): once the
 * client authenticated, the monitor writes "auth-ok SANDBOX\n" and waits
 * for one line back: "admit\n", or "full\n" when SANDBOX already has
 * max_connections authenticated connections; then the listener closes it.
 */
#ifndef MSB_LISTENER_H
#define MSB_LISTENER_H

#include <limits.h>

/* msb-monitor's exit status when the client failed to authenticate. */
#define MSB_MONITOR_EXIT_AUTH_FAIL 2
/* ... when it went away without trying to (OpenSSH's "noauth"). */
#define MSB_MONITOR_EXIT_NOAUTH 3
/* ... when its sandbox had max_connections already. */
#define MSB_MONITOR_EXIT_FULL 4

#define MSB_STATUS_AUTH_OK "auth-ok "
#define MSB_STATUS_ADMIT   "admit\n"
#define MSB_STATUS_FULL    "full\n"
/* The longest status line: "auth-ok " + a sandbox name + "\n". */
#define MSB_STATUS_LINE_MAX 128

/* Monitors alive at once (authenticated or not); more are refused. */
#define MSB_LISTENER_MAX_CONNS 256u
/* A limit that is not set. */
#define MSB_LIMIT_NONE UINT_MAX

/* What an operator can set (serve_limits.h has the options and parsers). */
struct msb_listener_limits {
	unsigned startups_begin;  /* unauthenticated connections before random refusal */
	unsigned startups_rate;   /* refusal percentage at startups_begin */
	unsigned startups_full;   /* refuse every connection from here on */
	unsigned per_source_startups;  /* unauthenticated connections of one source */
	unsigned penalty_s;       /* turn a source away for this long (0: never) ... */
	unsigned penalty_fails;   /* ... after this many failures (or no-auth ends) ... */
	unsigned penalty_window_s;/* ... within this many seconds */
	unsigned max_connections; /* authenticated connections per sandbox */
	unsigned max_sessions;    /* session channels per connection (the monitor's) */
	unsigned idle_stop_s;     /* stop a served sandbox idle this long (0: never) */
};

#define MSB_LISTENER_LIMITS_DEFAULT { \
	.startups_begin = 10, .startups_rate = 30, .startups_full = 30, \
	.per_source_startups = MSB_LIMIT_NONE, \
	.penalty_s = 30, .penalty_fails = 3, .penalty_window_s = 60, \
	.max_connections = MSB_LIMIT_NONE, .max_sessions = MSB_LIMIT_NONE, .idle_stop_s = 0, \
}

/*
 * Binds host:port (port "0" picks a free one), prints "listening on H:P"
 * on stderr, and warns when the address is not a loopback one. Returns
 * the listening fd, or -1 after logging why.
 */
int msb_listen(const char *host, const char *port);

/*
 * Serves lfd until SIGINT or SIGTERM, then closes it, sends SIGTERM to
 * every monitor and returns 0 once they are gone.
 */
int msb_listener_run(int lfd, const char *monitor, char *const argv[],
    const struct msb_listener_limits *limits);

#endif
