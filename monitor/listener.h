/*
 * The listener of `msb ssh serve`: accepts TCP connections and hands each
 * to a freshly exec'd msb-monitor (fd 3 the connection, fd 4 a status pipe
 * on which the monitor writes "auth-ok\n" once the client authenticated).
 * It never reads a byte from a client itself.
 *
 * Like OpenSSH's MaxStartups, it refuses new connections at random while
 * many are still unauthenticated, and all of them past a hard cap; and a
 * source whose connections keep failing authentication is turned away at
 * once for a while (sshd's PerSourcePenalties, simplified).
 */
#ifndef MSB_LISTENER_H
#define MSB_LISTENER_H

/* msb-monitor's exit status when the client failed to authenticate. */
#define MSB_MONITOR_EXIT_AUTH_FAIL 2

struct msb_listener_limits {
	unsigned startups_begin;  /* unauthenticated connections before random refusal */
	unsigned startups_rate;   /* refusal percentage at startups_begin */
	unsigned startups_full;   /* refuse every connection from here on */
	unsigned penalty_fails;   /* auth failures from one address ... */
	unsigned penalty_window_s;/* ... within this many seconds ... */
	unsigned penalty_s;       /* ... turn it away for this long */
};

#define MSB_LISTENER_LIMITS_DEFAULT { 10, 30, 30, 3, 60, 30 }

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
