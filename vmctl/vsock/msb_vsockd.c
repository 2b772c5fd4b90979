/*
 * msb-vsockd: the vhost-user-vsock backend as a process of its own, for
 * tests and for a vmm that prefers to exec it rather than link it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "lib/log.h"
#include "lib/signals.h"
#include "vsock_backend.h"

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: msb-vsockd --vhost-user PATH --uds PATH --cid N [--log-level LEVEL]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vhost-user", required_argument, NULL, 'v' },
		{ "uds", required_argument, NULL, 'u' },
		{ "cid", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *vu_path = NULL, *uds_path = NULL;
	enum msb_log_level level = MSB_LOG_INFO;
	unsigned long long cid = 0;
	char *end;
	int ch;

	msb_log_init("msb-vsockd", level);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'v': vu_path = optarg; break;
		case 'u': uds_path = optarg; break;
		case 'c':
			errno = 0;
			cid = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg)
				fatal("bad --cid '%s'", optarg);
			break;
		case 'L':
			msb_log_level_option(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || vu_path == NULL || uds_path == NULL || cid == 0)
		usage();

	static const int stops[] = { SIGTERM, SIGINT, 0 };
	int sfd = msb_signalfd(stops, NULL);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));

	struct msb_vsock_backend *b = msb_vsock_backend_new(vu_path, uds_path, cid);
	if (b == NULL)
		exit(1);
	info("ready: vhost-user %s, host socket %s, guest cid %llu", vu_path, uds_path, cid);
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = msb_vsock_backend_fd(b), .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		/* The backend's own deadlines are honoured by a zero-wait run_once. */
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			fatal_f("poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN)
			break;
		if (msb_vsock_backend_run_once(b, 0) != 0)
			fatal("backend stopped");
	}
	info("stopping");
	msb_vsock_backend_free(b);
	return 0;
}
