/*
 * msb ssh [connect] NAME [-- CMD...]: a native session through libmsb (an
 * in-process client and msb's own server on a socketpair). With no command
 * and a terminal it attaches a shell; otherwise it behaves like `ssh host
 * CMD`: streams live, stdin forwarded, the remote exit status returned.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/log.h"
#include "msb/msb.h"
#include "host/sandbox.h"
#include "usage.h"

/* ssh's own code for "the connection, not the command, failed". */
#define EXIT_CONNECT 255

static int
native_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb ssh [connect] [options] NAME [-- COMMAND [ARGS...]]\n"
	    "\n"
	    "Opens a shell in sandbox NAME, or runs COMMAND there through its shell\n"
	    "(the remaining words joined by spaces, as ssh does). No listener, key or\n"
	    "ssh binary is involved; a stopped sandbox is started first.\n"
	    "  --name NAME      the sandbox (for one called serve, authorize or connect)\n"
	    "  --user U         the guest user (default root)\n"
	    "  -t / -T          force / refuse a PTY (default: a PTY for a shell on a terminal)\n"
	    "  --detach-keys K  keys that detach from a shell (default %s; \"\" disables)\n"
	    "Exit status: the remote one; 128+N when it died by signal N; 255 when the\n"
	    "session could not be set up.\n", MSB_DEFAULT_DETACH_KEYS);
	return status;
}

/* The words after "--" as one command string. */
static char *
join(int argc, char **argv)
{
	size_t len = 1;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len), *p = s;
	if (s == NULL)
		fatal("out of memory");
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (i > 0)
			*p++ = ' ';
		memcpy(p, argv[i], n);
		p += n;
	}
	*p = '\0';
	return s;
}

static void
ensure_started(const char *name)
{
	struct sandbox_status st;

	if (sandbox_status_read(name, &st) != 0)
		exit(EXIT_CONNECT);
	if (st.state != SANDBOX_RUNNING && st.state != SANDBOX_STARTING)
		sandbox_start(name, true);
}

static int
finish(msb_ssh_client *c, msb_status st, int status, int sig, const char *name)
{
	if (st != MSB_OK && st != MSB_DETACHED) {
		/* The server's and the guest's words may be in it. */
		const char *msg = msb_ssh_client_errmsg(c);
		char esc[2048];
		error("%s", msb_log_escape(esc, sizeof(esc), msg, strlen(msg)));
		msb_ssh_client_close(c);
		return EXIT_CONNECT;
	}
	msb_ssh_client_close(c);
	if (st == MSB_DETACHED) {
		info("detached from sandbox '%s' (the remote shell was ended)", name);
		return 0;
	}
	if (sig != 0) {
		error("remote command killed by signal %d (%s)", sig, strsignal(sig));
		return 128 + sig;
	}
	return status;
}

int
cmd_ssh_native(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "user", required_argument, NULL, 'u' },
		{ "detach-keys", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *detach = NULL;
	msb_ssh_client_opts co;
	int ch, tty = -1;

	msb_ssh_client_opts_init(&co);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:tTh", opts, NULL)) != -1) {
		switch (ch) {
		case 'N': name = optarg; break;
		case 'u': co.user = optarg; break;
		case 'd': detach = optarg; break;
		case 't': tty = 1; break;
		case 'T': tty = 0; break;
		case 'h': return native_usage(stdout, 0);
		default: return usage_bad_option(native_usage, "ssh", ch, argv);
		}
	}
	/* getopt consumes a "--" that directly follows the options. */
	bool dashes = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	if (name == NULL && !dashes && optind < argc)
		name = argv[optind++];
	if (!dashes && optind < argc && strcmp(argv[optind], "--") == 0) {
		optind++;
		dashes = true;
	}
	if (!dashes && optind < argc && usage_is_help(argv[optind]))
		return native_usage(stdout, 0);
	if (!dashes && optind < argc && argv[optind][0] == '-')
		return usage_error(native_usage, "ssh", "%s after the sandbox name? options go "
		    "before it (msb ssh %s %s -- COMMAND)", argv[optind], argv[optind], name);
	if (!dashes && optind < argc)
		return usage_error(native_usage, "ssh", "'%s' after the sandbox name: put the "
		    "command after -- (msb ssh %s -- %s)", argv[optind], name, argv[optind]);
	if (name == NULL)
		return usage_error(native_usage, "ssh", "no sandbox name");
	char *command = optind < argc ? join(argc - optind, argv + optind) : NULL;
	bool terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	bool pty = tty == 1 || (tty == -1 && command == NULL && terminal);

	msb_sandbox *sb;
	msb_ssh_client *c = NULL;
	if (msb_sandbox_open(name, &sb) == MSB_OK) {
		ensure_started(name);
		msb_ssh_connect(sb, &co, &c);
	}
	if (c == NULL) {
		const char *msg = msb_sandbox_errmsg(sb);
		char esc[2048];
		error("%s", msb_log_escape(esc, sizeof(esc), msg, strlen(msg)));
		msb_sandbox_close(sb);
		free(command);
		return EXIT_CONNECT;
	}
	msb_sandbox_close(sb);

	msb_status st;
	int status = 0, sig = 0;
	if (pty && terminal) {
		msb_ssh_attach_opts ao;
		msb_ssh_attach_opts_init(&ao);
		ao.command = command;
		ao.detach_keys = detach;
		st = msb_ssh_client_attach_run(c, &ao, &status, &sig);
	} else {
		msb_ssh_exec_opts eo = { .tty = pty };
		st = msb_ssh_client_run(c, command, &eo, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO,
		    &status, &sig);
	}
	free(command);
	return finish(c, st, status, sig, name);
}
