/*
 * msb create | start | stop | rm | ls: the sandbox lifecycle.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "cli.h"
#include "lib/clock.h"
#include "host/disk.h"
#include "vmctl/jail/sandbox_uid.h"
#include "lib/log.h"
#include "host/sandbox.h"
#include "vmctl/sandbox_start.h"
#include "usage.h"

#define STOP_TIMEOUT_MS  (60 * 1000)

static void
check_name(const char *name)
{
	const char *why;

	if (msb_name_check(name, &why) != 0)
		fatal("invalid sandbox name '%s': %s", name, why);
}

static void
need_sandbox(const char *name)
{
	check_name(name);
	if (!sandbox_exists(name))
		fatal("no sandbox named '%s' (see 'msb ls', or 'msb create %s')", name, name);
}

/* Builds the image by running 'msb image build' (this same program). */
static void
ensure_image(const char *image, char *rootfs, size_t len)
{
	struct stat st;

	if (msb_home_path(rootfs, len, "images/%s/image.conf", image) != 0)
		fatal("path too long");
	if (stat(rootfs, &st) != 0) {
		info("image '%s' is not built yet; building it", image);
		pid_t pid = fork();
		if (pid < 0)
			fatal("fork: %s", strerror(errno));
		if (pid == 0) {
			execl("/proc/self/exe", "msb", "image", "build", image, (char *)NULL);
			fatal("cannot run msb image build: %s", strerror(errno));
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR)
				fatal("waitpid: %s", strerror(errno));
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fatal("building image '%s' failed", image);
	}
	if (msb_home_path(rootfs, len, "images/%s/rootfs.ext4", image) != 0)
		fatal("path too long");
}

static int
create_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb create NAME [--image IMG] [--memory MiB] [--cpus N] [--disk-size SIZE]\n"
	    "                  [--net none|user|user,host-loopback] [--accel auto|kvm|tcg]\n"
	    "                  [--forward tcp:ADDR:HOSTPORT:GUESTPORT]...\n"
	    "\n"
	    "Creates sandbox NAME with a copy of the image's root disk (the image is\n"
	    "built first if missing). Defaults: image %s, %u MiB, %u cpu, disk %llu G,\n"
	    "net none, accel auto. --net user reaches other hosts but not this one;\n"
	    "user,host-loopback also reaches this host (its loopback at 10.0.2.2).\n"
	    "--forward (with --net user) forwards a host TCP port to a guest port.\n",
	    SANDBOX_DEFAULT_IMAGE, SANDBOX_DEFAULT_MEMORY, SANDBOX_DEFAULT_CPUS,
	    (unsigned long long)(SANDBOX_DEFAULT_DISK >> 30));
	return status;
}

static int
cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "disk-size", required_argument, NULL, 'd' },
		{ "net", required_argument, NULL, 'n' },
		{ "accel", required_argument, NULL, 'a' },
		{ "forward", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_config cfg;
	char dir[PATH_MAX], path[PATH_MAX], rootfs[PATH_MAX], err[2048];
	const char *why;
	uint64_t u;
	int ch;

	sandbox_config_defaults(&cfg);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if (msb_name_check(optarg, &why) != 0)
				fatal("invalid image name '%s': %s", optarg, why);
			strcpy(cfg.image, optarg);
			break;
		case 'm':
			if (parse_size(optarg, &u) != 0)
				fatal("--memory takes MiB (e.g. 512), not '%s'", optarg);
			/* A bare number is MiB, as in QEMU's -m. */
			if (strspn(optarg, "0123456789") != strlen(optarg))
				u >>= 20;
			if (u < 64 || u > SANDBOX_MAX_MEMORY)
				fatal("--memory must be 64..%u MiB", SANDBOX_MAX_MEMORY);
			cfg.memory_mib = (unsigned)u;
			break;
		case 'c':
			if (parse_size(optarg, &u) != 0 || strspn(optarg, "0123456789") != strlen(optarg) ||
			    u == 0 || u > SANDBOX_MAX_CPUS)
				fatal("--cpus must be 1..%u", SANDBOX_MAX_CPUS);
			cfg.cpus = (unsigned)u;
			break;
		case 'd':
			if (parse_size(optarg, &u) != 0 || u < (64u << 20) || u > SANDBOX_MAX_DISK)
				fatal("--disk-size takes a size from 64M to 1T (e.g. 4G), not '%s'", optarg);
			cfg.disk_bytes = u;
			break;
		case 'n':
			if (sandbox_net_parse(optarg, &cfg.net) != 0)
				fatal("--net takes none, user or user,host-loopback, not '%s'", optarg);
			break;
		case 'a':
			if (sandbox_accel_parse(optarg, &cfg.accel) != 0)
				fatal("--accel takes auto, kvm or tcg, not '%s'", optarg);
			break;
		case 'f':
			if (cfg.nforwards == SANDBOX_MAX_FORWARDS)
				fatal("at most %d --forward options", SANDBOX_MAX_FORWARDS);
			if (sandbox_forward_parse(optarg, &cfg.forwards[cfg.nforwards]) != 0)
				fatal("--forward takes tcp:ADDR:HOSTPORT:GUESTPORT "
				    "(e.g. tcp:127.0.0.1:2200:22), not '%s'", optarg);
			cfg.nforwards++;
			break;
		case 'h':
			return create_usage(stdout, 0);
		default:
			return usage_bad_option(create_usage, "create", ch, argv);
		}
	}
	if (optind == argc)
		return usage_error(create_usage, "create", "no sandbox name");
	if (optind != argc - 1)
		return usage_error(create_usage, "create", "one sandbox name, not '%s' too",
		    argv[optind + 1]);
	if (cfg.nforwards > 0 && !sandbox_net_user(cfg.net))
		fatal("--forward needs --net user (the user network does the forwarding)");
	const char *name = argv[optind];
	check_name(name);
	ensure_image(cfg.image, rootfs, sizeof(rootfs));
	if (sandbox_path(dir, sizeof(dir), name, NULL) != 0 ||
	    msb_home_path(path, sizeof(path), "sandboxes") != 0)
		fatal("path too long");
	if (msb_mkdirs(path, 0700) != 0)
		fatal("cannot create %s: %s", path, strerror(errno));
	if (mkdir(dir, 0700) != 0) {
		if (errno == EEXIST)
			fatal("sandbox '%s' already exists", name);
		fatal("cannot create %s: %s", dir, strerror(errno));
	}
	if (geteuid() == 0) {
		char real[PATH_MAX];
		if (realpath(dir, real) == NULL) {
			snprintf(err, sizeof(err), "cannot resolve %.1500s: %s", dir, strerror(errno));
			cfg.uid = 0;
		} else {
			cfg.uid = sandbox_uid_alloc(real, err, sizeof(err));
		}
		if (cfg.uid == 0) {
			rmdir(dir);
			fatal("%s", err);
		}
	}
	if (sandbox_path(path, sizeof(path), name, "disk.img") != 0 ||
	    disk_create(rootfs, path, cfg.disk_bytes, err, sizeof(err)) != 0) {
		rmdir(dir);
		fatal("%s", err);
	}
	/* The config goes last: a sandbox exists once it has one. */
	if (sandbox_path(path, sizeof(path), name, "config") != 0 ||
	    sandbox_config_write(path, &cfg) != 0) {
		int saved = errno;
		if (sandbox_path(path, sizeof(path), name, "disk.img") == 0)
			unlink(path);
		rmdir(dir);
		fatal("cannot write the config: %s", strerror(saved));
	}
	info("created sandbox '%s' (image %s, %u MiB, %u cpu%s, net %s)", name, cfg.image,
	    cfg.memory_mib, cfg.cpus, cfg.cpus == 1 ? "" : "s", sandbox_net_name(cfg.net));
	if (sandbox_net_caveat(cfg.net) != NULL)
		info("%s", sandbox_net_caveat(cfg.net));
	return 0;
}

/* Starts a sandbox unless it runs already; exits with a message on failure. */
int
sandbox_start(const char *name, bool quiet)
{
	struct sandbox_started st;
	char err[PATH_MAX * 2 + 256];

	need_sandbox(name);
	if (sandbox_boot(name, &st, err, sizeof(err)) != 0)
		fatal("%s", err);
	if (quiet)
		return 0;
	if (st.already) {
		info("sandbox '%s' is already running", name);
		return 0;
	}
	info("sandbox '%s' started in %.2f s (%s%s%s)", name, st.ms / 1000.0, st.accel,
	    st.reason[0] != '\0' ? ": " : "", st.reason);
	struct sandbox_config cfg;
	char path[PATH_MAX];
	if (sandbox_path(path, sizeof(path), name, "config") == 0 &&
	    sandbox_config_read(path, &cfg) == 0 && sandbox_net_caveat(cfg.net) != NULL)
		info("%s", sandbox_net_caveat(cfg.net));
	return 0;
}

static int
start_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb start NAME\n"
	    "\n"
	    "Boots sandbox NAME and returns once its guest agent answers, saying how\n"
	    "long that took and which accelerator it got.\n");
	return status;
}

static int
stop_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb stop NAME [--force]\n"
	    "\n"
	    "Powers sandbox NAME off cleanly through its agent (waits up to %d s).\n"
	    "  -f, --force   quit QEMU at once\n", STOP_TIMEOUT_MS / 1000);
	return status;
}

static int
rm_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb rm NAME\n"
	    "\n"
	    "Removes a stopped sandbox: its config, disk and logs.\n");
	return status;
}

/*
 * The NAME of start, stop and rm, after their options (force is NULL for
 * a command without --force). False when the command is over (--help or a
 * usage error), with its exit status in *status.
 */
static bool
one_name(int argc, char **argv, usage_fn *usage, bool *force, const char **name, int *status)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, force != NULL ? ":fh" : ":h",
	    force != NULL ? opts : opts + 1, NULL)) != -1) {
		switch (ch) {
		case 'f': *force = true; break;
		case 'h': *status = usage(stdout, 0); return false;
		default: *status = usage_bad_option(usage, cmd, ch, argv); return false;
		}
	}
	if (optind == argc)
		*status = usage_error(usage, cmd, "no sandbox name");
	else if (optind != argc - 1)
		*status = usage_error(usage, cmd, "one sandbox name, not '%s' too", argv[optind + 1]);
	else
		*name = argv[optind];
	return optind == argc - 1;
}

static int
cmd_start(int argc, char **argv)
{
	const char *name;
	int status;

	if (!one_name(argc, argv, start_usage, NULL, &name, &status))
		return status;
	return sandbox_start(name, false);
}

static int
cmd_stop(int argc, char **argv)
{
	bool force = false;
	const char *name;
	struct sandbox_status st;
	int status;

	if (!one_name(argc, argv, stop_usage, &force, &name, &status))
		return status;
	need_sandbox(name);
	if (sandbox_status_read(name, &st) != 0)
		fatal("cannot read the state of '%s'", name);
	if (st.vmm_pid <= 0) {
		info("sandbox '%s' is not running (%s)", name, sandbox_state_name(st.state));
		return 0;
	}
	/* SIGTERM asks the vmm for a clean guest shutdown, SIGUSR1 to quit now. */
	if (kill(st.vmm_pid, force ? SIGUSR1 : SIGTERM) != 0 && errno != ESRCH)
		fatal("cannot signal the vmm (pid %d): %s", (int)st.vmm_pid, strerror(errno));
	int64_t deadline = msb_now_ms() + STOP_TIMEOUT_MS;
	while (msb_now_ms() < deadline) {
		if (sandbox_status_read(name, &st) == 0 && st.vmm_pid <= 0) {
			info("sandbox '%s' stopped", name);
			return 0;
		}
		poll(NULL, 0, 50);
	}
	fatal("sandbox '%s' did not stop within %d s; 'msb stop --force %s' ends it at once",
	    name, STOP_TIMEOUT_MS / 1000, name);
}

static int
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int rc = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path)) {
			rc = -1;
			continue;
		}
		/* A sandbox directory holds only files and sockets. */
		if (unlink(path) != 0)
			rc = -1;
	}
	closedir(d);
	return rmdir(dir) == 0 ? rc : -1;
}

static int
cmd_rm(int argc, char **argv)
{
	struct sandbox_status st;
	char dir[PATH_MAX];
	const char *name;
	int status;

	if (!one_name(argc, argv, rm_usage, NULL, &name, &status))
		return status;
	need_sandbox(name);
	if (sandbox_status_read(name, &st) != 0)
		fatal("cannot read the state of '%s'", name);
	if (st.vmm_pid > 0)
		fatal("sandbox '%s' is %s: stop it first ('msb stop %s')", name,
		    sandbox_state_name(st.state), name);
	if (sandbox_served(name))
		fatal("sandbox '%s' is served by a running 'msb ssh serve': stop that server first",
		    name);
	struct sandbox_config cfg;
	char cfgpath[PATH_MAX], real[PATH_MAX];
	if (sandbox_path(dir, sizeof(dir), name, NULL) != 0 ||
	    sandbox_path(cfgpath, sizeof(cfgpath), name, "config") != 0)
		fatal("path too long");
	bool release = sandbox_config_read(cfgpath, &cfg) == 0 && cfg.uid != 0 &&
	    realpath(dir, real) != NULL;
	if (remove_tree(dir) != 0)
		fatal("cannot remove %s: %s", dir, strerror(errno));
	if (release && geteuid() == 0)
		sandbox_uid_release(cfg.uid, real);
	info("removed sandbox '%s'", name);
	return 0;
}

int
cmd_sandbox(int argc, char **argv)
{
	const char *cmd = argv[0];

	/* --name NAME may stand wherever the name is positional, as in
	 * msb ssh: drop the flag and keep the name in its place. */
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--name") == 0) {
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	}

	if (strcmp(cmd, "create") == 0)
		return cmd_create(argc, argv);
	if (strcmp(cmd, "start") == 0)
		return cmd_start(argc, argv);
	if (strcmp(cmd, "stop") == 0)
		return cmd_stop(argc, argv);
	if (strcmp(cmd, "rm") == 0)
		return cmd_rm(argc, argv);
	return cmd_ls(argc, argv);
}
