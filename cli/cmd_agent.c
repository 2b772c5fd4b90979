/*
 * msb agent --socket PATH <request>: one request to a guest agent, for
 * diagnosing a sandbox and for testing the agent on the host.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "cli.h"
#include "lib/log.h"
#include "lib/relay.h"
#include "usage.h"

#define MAX_ENV 256

static int
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb agent [--socket PATH | --vsock PATH] <request>\n"
	    "\n"
	    "requests:\n"
	    "  ping                        check that the agent answers\n"
	    "  info                        print the agent's version, uptime, hostname\n"
	    "  exec [options] -- CMD...    run CMD (through the user's shell -c unless --argv)\n"
	    "       --user U               guest user (default root)\n"
	    "       --cwd DIR              working directory (default: the user's home)\n"
	    "       --env NAME=VALUE       add to the environment (repeatable)\n"
	    "       --tty                  use a terminal; stderr joins stdout\n"
	    "       --size COLSxROWS       terminal size (default: this terminal's, else 80x24)\n"
	    "       --term NAME            terminal type (default $TERM, else xterm)\n"
	    "       --argv                 run CMD as an argument vector, no shell\n"
	    "  connect [--timeout MS] HOST PORT\n"
	    "                              relay stdin/stdout to HOST:PORT opened in the guest\n"
	    "  sftp [--user U]             speak SFTP on stdin/stdout (for sftp -D)\n"
	    "  shutdown [--reboot]         power the guest off (on a host agent: stop it)\n"
	    "\n"
	    "The socket defaults to $MSB_AGENT_SOCKET. --vsock PATH reaches the agent in\n"
	    "a microVM through its hybrid-vsock socket (guest port %u).\n",
	    MSB_AGENT_VSOCK_PORT);
	return status;
}

/* A failed request: the message and the exit status the shell expects. */
static int
request_failed(struct msb_agent_client *c)
{
	char esc[sizeof(c->err) + 64];
	/* The agent's words: escaped, as they come from the guest. */
	error("%s", msb_log_escape(esc, sizeof(esc), c->err, strlen(c->err)));
	if (c->err_code == MSB_AGENT_E_NO_USER || c->err_code == MSB_AGENT_E_EXEC)
		return 127;
	if (c->err_code == MSB_AGENT_E_CWD || c->err_code == MSB_AGENT_E_PERMISSION)
		return 126;
	return 1;
}

static int
parse_size(const char *s, uint32_t *cols, uint32_t *rows)
{
	unsigned c, r;
	char tail;

	if (sscanf(s, "%ux%u%c", &c, &r, &tail) != 2 || c == 0 || r == 0 ||
	    c > 0xffff || r > 0xffff)
		return -1;
	*cols = c;
	*rows = r;
	return 0;
}

static char *
join_args(int argc, char **argv)
{
	size_t len = 1;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	if (s == NULL)
		fatal("out of memory");
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int
do_exec(struct msb_agent_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "term", required_argument, NULL, 'T' },
		{ "argv", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct msb_agent_exec req = { .cwd = "", .user = "" };
	char *env[MAX_ENV + 1];
	bool size_given = false;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		switch (ch) {
		case 'u': req.user = optarg; break;
		case 'C': req.cwd = optarg; break;
		case 'e':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				fatal("--env takes NAME=VALUE, not '%s'", optarg);
			if (req.envc == MAX_ENV)
				fatal("too many --env options (at most %d)", MAX_ENV);
			env[req.envc++] = optarg;
			break;
		case 't': req.flags |= MSB_EXEC_PTY; break;
		case 's':
			if (parse_size(optarg, &req.cols, &req.rows) != 0)
				fatal("--size takes COLSxROWS, not '%s'", optarg);
			size_given = true;
			break;
		case 'T': req.term = optarg; break;
		case 'a': req.flags |= MSB_EXEC_ARGV; break;
		default: return usage_bad_option(usage, "agent exec", ch, argv);
		}
	}
	env[req.envc] = NULL;
	req.env = env;
	argc -= optind;
	argv += optind;
	if (argc == 0 && (req.flags & MSB_EXEC_ARGV))
		fatal("--argv needs a command");
	char *joined = NULL;
	if (req.flags & MSB_EXEC_ARGV) {
		req.argv = argv;
		req.argc = (uint32_t)argc;
	} else {
		req.command = joined = join_args(argc, argv);
	}
	int local_tty = (req.flags & MSB_EXEC_PTY) && isatty(STDIN_FILENO);
	if ((req.flags & MSB_EXEC_PTY) && !size_given) {
		struct winsize ws;
		req.cols = 80;
		req.rows = 24;
		if (local_tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
			req.cols = ws.ws_col;
			req.rows = ws.ws_row;
		}
	}
	if (req.term == NULL) {
		char *t = getenv("TERM");
		req.term = t != NULL && t[0] != '\0' ? t : "xterm";
	}
	if (msb_agent_put_exec(&c->out, &req) != 0)
		fatal("the command is too large to send");
	free(joined);
	if (msb_agent_client_request(c) != 0)
		return request_failed(c);
	return agent_exec_relay(c, local_tty);
}

static int
do_connect(struct msb_agent_client *c, int argc, char **argv)
{
	unsigned long timeout = 0;
	char *end;

	if (argc == 5 && strcmp(argv[1], "--timeout") == 0) {
		errno = 0;
		timeout = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || timeout == 0 || timeout > UINT32_MAX)
			fatal("bad timeout '%s'", argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc != 3)
		return usage_error(usage, "agent connect", "takes [--timeout MS] HOST PORT");
	errno = 0;
	unsigned long port = strtoul(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
		fatal("bad port '%s'", argv[2]);
	struct msb_agent_connect req = {
		.host = argv[1], .port = (uint32_t)port, .timeout_ms = (uint32_t)timeout,
	};
	if (msb_agent_put_connect(&c->out, &req) != 0)
		fatal("the host name is too long");
	if (msb_agent_client_request(c) != 0)
		return request_failed(c);
	if (msb_relay(STDIN_FILENO, STDOUT_FILENO, c->fd, c->fd) != 0) {
		error("relay: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int
do_sftp(struct msb_agent_client *c, int argc, char **argv)
{
	struct msb_agent_sftp req = { .user = "" };

	if (argc == 3 && strcmp(argv[1], "--user") == 0)
		req.user = argv[2];
	else if (argc != 1)
		return usage_error(usage, "agent sftp", "takes only [--user U]");
	if (msb_agent_put_sftp(&c->out, &req) != 0)
		fatal("the user name is too long");
	if (msb_agent_client_request(c) != 0)
		return request_failed(c);
	return msb_relay(STDIN_FILENO, STDOUT_FILENO, c->fd, c->fd) == 0 ? 0 : 1;
}

int
cmd_agent(int argc, char **argv)
{
	static const char *const requests[] = {
		"ping", "info", "exec", "connect", "sftp", "shutdown", "help",
	};
	const char *sock = getenv("MSB_AGENT_SOCKET");
	struct msb_agent_client c;
	int i = 1, rc, vsock = 0;

	if (argc > i + 1 && (strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "--vsock") == 0)) {
		vsock = argv[i][2] == 'v';
		sock = argv[i + 1];
		i += 2;
	}
	if (argc <= i)
		return usage_error(usage, "agent", "no request given");
	/* --help anywhere before a command's "--", and before the agent is reached. */
	for (int j = i; j < argc && strcmp(argv[j], "--") != 0; j++) {
		if (usage_is_help(argv[j]) && (j == i || argv[j][0] == '-'))
			return usage(stdout, 0);
	}
	/* The last, help, was answered above: it is listed for suggestions only. */
	bool known = false;
	for (size_t j = 0; j < sizeof(requests) / sizeof(requests[0]) - 1; j++)
		known = known || strcmp(argv[i], requests[j]) == 0;
	if (!known)
		return usage_unknown(usage, "agent", argv[i], requests,
		    sizeof(requests) / sizeof(requests[0]));
	if (sock == NULL || sock[0] == '\0')
		fatal("no agent socket: pass --socket PATH or set MSB_AGENT_SOCKET");
	signal(SIGPIPE, SIG_IGN);
	msb_agent_client_init(&c);
	if ((vsock ? msb_agent_client_connect_vsock(&c, sock, MSB_AGENT_VSOCK_PORT) :
	    msb_agent_client_connect_unix(&c, sock)) != 0)
		fatal("%s", c.err);

	const char *req = argv[i];
	argc -= i;
	argv += i;
	if (strcmp(req, "ping") == 0 || strcmp(req, "info") == 0) {
		struct msb_agent_info info;
		if (msb_agent_client_info(&c, &info) != 0) {
			char esc[sizeof(c.err) + 64];
			fatal("%s", msb_log_escape(esc, sizeof(esc), c.err, strlen(c.err)));
		}
		if (req[0] == 'p')
			printf("ok\n");
		else
			printf("software: %s\nprotocol: %u\nuptime_ms: %llu\nhostname: %s\n",
			    info.software, info.protocol,
			    (unsigned long long)info.uptime_ms, info.hostname);
		msb_agent_info_free(&info);
		rc = 0;
	} else if (strcmp(req, "exec") == 0) {
		rc = do_exec(&c, argc, argv);
	} else if (strcmp(req, "connect") == 0) {
		rc = do_connect(&c, argc, argv);
	} else if (strcmp(req, "sftp") == 0) {
		rc = do_sftp(&c, argc, argv);
	} else {
		uint32_t mode = argc == 2 && strcmp(argv[1], "--reboot") == 0 ?
		    MSB_SHUTDOWN_REBOOT : MSB_SHUTDOWN_POWEROFF;
		if (argc > 2 || (argc == 2 && mode != MSB_SHUTDOWN_REBOOT))
			return usage_error(usage, "agent shutdown", "unexpected '%s'", argv[1]);
		if (msb_agent_put_shutdown(&c.out, mode) != 0)
			fatal_f("encode");
		rc = msb_agent_client_request(&c) == 0 ? 0 : request_failed(&c);
	}
	msb_agent_client_close(&c);
	return rc;
}
