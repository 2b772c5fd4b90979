/*
 * msb-sftp-server: the SFTP server on stdin/stdout, a drop-in for
 * OpenSSH's sftp-server (`sftp -D`, or Subsystem in sshd_config).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/sftp_policy.h"
#include "sftp_server.h"

static void
usage(void)
{
	fprintf(stderr, "usage: msb-sftp-server [-ehR] [-d start_directory] "
	    "[-l log_level]\n\t[-P denied_requests] [-p allowed_requests] "
	    "[-u umask]\n"
	    "       msb-sftp-server -Q protocol_feature\n");
	exit(1);
}

static _Noreturn void
query(const char *what)
{
	if (strcasecmp(what, "requests") != 0) {
		fprintf(stderr, "Invalid query type\n");
		exit(1);
	}
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++)
		printf("%s\n", msb_sftp_requests[i].name);
	exit(fflush(stdout) == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	struct msb_sftp_opts opts = { .home = NULL, .policy = NULL };
	struct msb_sftp_policy policy;
	enum msb_log_level level = MSB_LOG_ERROR;
	const char *dir = NULL, *deny = NULL, *allow = NULL;
	bool read_only = false;
	char err[256];
	char *end;
	long mask;
	int ch;

	msb_log_init("msb-sftp-server", level);
	while ((ch = getopt(argc, argv, "d:ehl:P:p:Q:Ru:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			/* Logs always go to stderr; accepted for sftp-server compatibility. */
			break;
		case 'l':
			msb_log_level_option(optarg);
			break;
		case 'P':
			if (deny != NULL)
				fatal("Refused requests already set");
			deny = optarg;
			break;
		case 'p':
			if (allow != NULL)
				fatal("Permitted requests already set");
			allow = optarg;
			break;
		case 'Q':
			query(optarg);
		case 'R':
			read_only = true;
			break;
		case 'u':
			errno = 0;
			mask = strtol(optarg, &end, 8);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    mask < 0 || mask > 0777)
				fatal("invalid umask \"%s\"", optarg);
			umask((mode_t)mask);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (msb_sftp_policy_set(&policy, read_only, deny, allow, err, sizeof(err)) != 0)
		fatal("%s", err);
	opts.policy = &policy;
	/* A client that goes away mid-reply is an ordinary end, not a signal death. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal: %s", strerror(errno));
	if (dir != NULL && chdir(dir) != 0)
		error("chdir \"%s\": %s", dir, strerror(errno));
	return msb_sftp_serve(STDIN_FILENO, STDOUT_FILENO, &opts) == 0 ? 0 : 1;
}
