/*
 * msb image: build, list and remove guest images (kernel, initramfs and
 * root disk template under MSB_HOME/images/).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vmctl/image/image.h"
#include "lib/log.h"
#include "usage.h"

static int
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb image build [NAME] [--rootfs DIR | --rootfs-tar FILE]\n"
	    "                       [--kernel PATH [--kernel-version VER]] [--force]\n"
	    "       msb image ls\n"
	    "       msb image rm NAME\n"
	    "\n"
	    "build makes MSB_HOME/images/NAME (default: \"default\") from the\n"
	    "host's cloud kernel and a root filesystem: the directory DIR, the\n"
	    "tarball FILE (as from docker export), or else a small Debian root\n"
	    "gathered from this host's packages. An image already built is kept\n"
	    "unless --force.\n");
	return status;
}

static int
image_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rootfs", required_argument, NULL, 'd' },
		{ "rootfs-tar", required_argument, NULL, 't' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "kernel-version", required_argument, NULL, 'v' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct msb_image_spec spec = { .name = "default" };
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': spec.rootfs_dir = optarg; break;
		case 't': spec.rootfs_tar = optarg; break;
		case 'k': spec.kernel = optarg; break;
		case 'v': spec.kernel_version = optarg; break;
		case 'f': spec.force = 1; break;
		case 'h': return usage(stdout, 0);
		default: return usage_bad_option(usage, "image build", ch, argv);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		return usage_error(usage, "image build", "one image NAME, not '%s' too", argv[1]);
	if (argc == 1)
		spec.name = argv[0];
	if (spec.rootfs_dir != NULL && spec.rootfs_tar != NULL)
		return usage_error(usage, "image build", "--rootfs and --rootfs-tar cannot go together");
	if (spec.kernel_version != NULL && spec.kernel == NULL)
		return usage_error(usage, "image build", "--kernel-version goes with --kernel");
	return msb_image_build(&spec) == 0 ? 0 : 1;
}

int
cmd_image(int argc, char **argv)
{
	static const char *const commands[] = { "build", "ls", "rm", "help" };

	if (argc < 2)
		return usage_error(usage, "image", "no image command given");
	if (strcmp(argv[1], "build") == 0)
		return image_build(argc - 1, argv + 1);
	bool ls = strcmp(argv[1], "ls") == 0 || strcmp(argv[1], "list") == 0;
	if ((ls || strcmp(argv[1], "rm") == 0) && argc > 2 && usage_is_help(argv[2]))
		return usage(stdout, 0);
	if (ls) {
		if (argc != 2)
			return usage_error(usage, "image ls", "unexpected '%s'", argv[2]);
		return msb_image_list(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "rm") == 0) {
		if (argc < 3)
			return usage_error(usage, "image rm", "no image name");
		if (argc > 3)
			return usage_error(usage, "image rm", "one image name, not '%s' too", argv[3]);
		return msb_image_remove(argv[2]) == 0 ? 0 : 1;
	}
	if (usage_is_help(argv[1]))
		return usage(stdout, 0);
	return usage_unknown(usage, "image", argv[1], commands, sizeof(commands) / sizeof(commands[0]));
}
