/*
 * msb: the command-line front end.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lib/log.h"
#include "host/msb_home.h"
#include "usage.h"

static int
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb <command> [args]\n"
	    "\n"
	    "commands:\n"
	    "  create NAME [options]   create a sandbox (--image, --memory, --cpus,\n"
	    "                          --disk-size, --net none|user, --accel auto|kvm|tcg)\n"
	    "  start NAME              boot a sandbox; returns once its agent answers\n"
	    "  stop NAME [--force]     power a sandbox off (--force: at once)\n"
	    "  rm NAME                 remove a stopped sandbox and its disk\n"
	    "  ls [--json]             list sandboxes: state, pid, accelerator, uptime, net\n"
	    "  agent ...               talk to a guest agent directly\n"
	    "  image build|ls|rm       guest images\n"
	    "  ssh NAME [-- CMD]       a shell or command in a sandbox, over SSH\n"
	    "  ssh serve|authorize|config\n"
	    "                          SSH access to a sandbox for OpenSSH clients\n"
	    "  version                 print the version\n"
	    "\n"
	    "Every command answers --help; man msb has the details.\n");
	return status;
}

/*
 * A command that uses MSB_HOME stops here when StrictModes refuse it, with
 * that one message, not a second one from whatever needed a path in it.
 */
static bool
home_refused(int argc, char **argv, const char *const *commands, size_t n)
{
	static const char *const homeless[] = { "agent", "version", "help" };
	bool known = false;

	for (size_t i = 0; i < n; i++)
		known |= strcmp(argv[1], commands[i]) == 0;
	for (size_t i = 0; i < sizeof(homeless) / sizeof(homeless[0]); i++)
		known &= strcmp(argv[1], homeless[i]) != 0;
	for (int i = 2; known && i < argc && strcmp(argv[i], "--") != 0; i++)
		known = !usage_is_help(argv[i]);
	return known && msb_home() == NULL;
}

int
main(int argc, char **argv)
{
	/* The first LIFECYCLE are cmd_sandbox's. */
	static const char *const commands[] = {
		"create", "start", "stop", "rm", "ls", "agent", "image", "ssh", "version", "help",
	};
	enum { LIFECYCLE = 5 };

	msb_log_init("msb", MSB_LOG_INFO);
	if (argc < 2)
		return usage_error(usage, "", "no command given");
	if (home_refused(argc, argv, commands, sizeof(commands) / sizeof(commands[0])))
		return 1;
	if (strcmp(argv[1], "agent") == 0)
		return cmd_agent(argc - 1, argv + 1);
	if (strcmp(argv[1], "image") == 0)
		return cmd_image(argc - 1, argv + 1);
	if (strcmp(argv[1], "ssh") == 0)
		return cmd_ssh(argc - 1, argv + 1);
	for (size_t i = 0; i < LIFECYCLE; i++) {
		if (strcmp(argv[1], commands[i]) == 0)
			return cmd_sandbox(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		if (argc > 2 && usage_is_help(argv[2])) {
			printf("usage: msb version\n\nPrints msb's version.\n");
			return 0;
		}
		if (argc > 2)
			return usage_error(usage, "version", "unexpected '%s'", argv[2]);
		printf("msb %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (usage_is_help(argv[1]))
		return usage(stdout, 0);
	if (argv[1][0] == '-')
		return usage_error(usage, "", "unknown option '%s'", argv[1]);
	return usage_unknown(usage, "", argv[1], commands, sizeof(commands) / sizeof(commands[0]));
}
