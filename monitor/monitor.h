/*
 * One connection's privileged monitor (msb-monitor): starts the preauth
 * child on the client socket, answers its authentication requests per the
 * phase table of lib/monitor_proto.h, then starts the session worker as
 * the sandbox owner and records what it reports in the audit log.
 */
#ifndef MSB_MONITOR_H
#define MSB_MONITOR_H

#include <stdbool.h>

#include "lib/log.h"

#define MONITOR_DEFAULT_GRACE_S   30u
#define MONITOR_DEFAULT_MAX_TRIES 6u
#define MONITOR_DEFAULT_ENV_ALLOW "LANG,LC_*,TERM"

struct monitor_opts {
	const char *sandbox;           /* NULL with all */
	bool all;                      /* the gateway: the login name picks the sandbox */
	const char *host_key;          /* a path, or the name of host_key_fd in messages */
	const char *authorized_keys;
	int host_key_fd;               /* an inherited file to read instead of the path, or -1 */
	int authorized_keys_fd;
	const char *trusted_user_ca_keys;  /* CA keys for every sandbox, or NULL */
	const char *audit_log;
	const char *user;          /* guest user for every request, or NULL: the login name */
	const char *accept_env;    /* extra env names, comma-separated, or NULL */
	const char *preauth_user;
	const char *chroot_dir;
	bool no_sftp;
	bool sftp_read_only;
	const char *sftp_deny;     /* checked SFTP request names, or NULL */
	const char *sftp_allow;
	const char *record_dir;    /* --record: session recordings go there, or NULL */
	bool record_input;
	unsigned long long record_max;  /* bytes per recording */
	unsigned idle_timeout_s;
	unsigned grace_s;
	unsigned max_tries;
	unsigned max_sessions;     /* session channels per connection, UINT_MAX: no limit */
	enum msb_log_level log_level;
};

/*
 * Serves the connection on client_fd; status_fd (or -1) is the listener's
 * status socket (listener.h), asked whether the sandbox may take one more
 * connection once the client authenticated. Returns the exit status: 0, 1
 * on an error or protocol violation, or MSB_MONITOR_EXIT_*.
 */
int monitor_run(const struct monitor_opts *o, int client_fd, int status_fd);

#endif
