/*
 * msb: the command-line front end.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

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
	    "  ls                      list sandboxes: state, pid, accelerator, uptime\n"
	    "  agent     talk to a guest agent directly (see 'msb agent --help')\n"
	    "  image build|ls|rm       guest images (see 'msb image help')\n"
	    "  ssh NAME [-- CMD]       a shell or command in a sandbox, over SSH\n"
	    "  ssh serve|authorize     SSH access to a sandbox (see 'msb ssh help')\n"
	    "  version   print the version\n");
	return status;
}

int
main(int argc, char **argv)
{
	static const char *const lifecycle[] = { "create", "start", "stop", "rm", "ls" };

	msb_log_init("msb", MSB_LOG_INFO);
	if (argc < 2)
		return usage(stderr, 2);
	if (strcmp(argv[1], "agent") == 0)
		return cmd_agent(argc - 1, argv + 1);
	if (strcmp(argv[1], "image") == 0)
		return cmd_image(argc - 1, argv + 1);
	if (strcmp(argv[1], "ssh") == 0)
		return cmd_ssh(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(lifecycle) / sizeof(lifecycle[0]); i++) {
		if (strcmp(argv[1], lifecycle[i]) == 0)
			return cmd_sandbox(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("msb %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return usage(stdout, 0);
	error("unknown command '%s'", argv[1]);
	return usage(stderr, 2);
}
