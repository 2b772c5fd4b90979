/*
 * msb-session: the per-connection session worker. Started by the monitor
 * after authentication, as the sandbox owner and without capabilities,
 * with fd 3 = the monitor's RPC (SESSION and RECORD_FILE in, AUDIT_* and
 * RECORD_OPEN out) and fd 4 = the
 * channel mux to the network child. This file is the process: options,
 * signals, rlimits and seccomp around the session (session_setup.c,
 * session_loop.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "session.h"
#include "lib/signals.h"

#define MON_FD 3
#define MUX_FD 4

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: msb-session [--log-level LEVEL]\n"
	    "Started by msb-monitor with fd 3 = monitor RPC and fd 4 = channel mux.\n");
	exit(2);
}

static void
check_fd(int fd, const char *what)
{
	if (fcntl(fd, F_GETFD) < 0)
		fatal("fd %d (%s) is not open: msb-session is started by msb-monitor", fd, what);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, 0 };
	int ch;

	msb_log_init("msb-session", MSB_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'l')
			msb_log_level_option(optarg);
		else
			usage();
	}
	if (optind != argc)
		usage();
	check_fd(MON_FD, "monitor RPC");
	check_fd(MUX_FD, "channel mux");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	int sigfd = msb_signalfd(sigs, NULL);

	/* One session per process; static for its 64 KiB scratch buffer. */
	static struct session session;
	struct session *s = &session;
	session_init(s, MON_FD, MUX_FD);
	session_read_setup(s);
	/* Past the recording cap a write fails (EFBIG) instead of killing us. */
	if ((s->flags & MSB_MON_F_RECORD) && signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	session_confine((s->flags & MSB_MON_F_RECORD) ? s->record_max : 0);
	session_begin(s);
	session_serve(s, sigfd);
	session_end(s);
	close(sigfd);
	return 0;
}
