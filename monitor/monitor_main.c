/*
 * msb-monitor: the privileged monitor of one SSH connection, exec'd by the
 * listener of `msb ssh serve` (or by `msb ssh serve --stdio`).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "monitor.h"
#include "host/preauth_env.h"
#include "record_file.h"
#include "lib/sftp_policy.h"

static _Noreturn void
usage(void)
{
	fprintf(stderr,
	    "usage: msb-monitor --sandbox NAME|--all --host-key PATH|--host-key-fd N\n"
	    "                   --authorized-keys PATH|--authorized-keys-fd N\n"
	    "                   --audit-log PATH [--user U] [--no-sftp] [--idle-timeout SECS]\n"
	    "                   [--sftp-read-only] [--sftp-deny LIST] [--sftp-allow LIST]\n"
	    "                   [--accept-env NAMES] [--log-level L] [--preauth-user U]\n"
	    "                   [--chroot DIR] [--trusted-user-ca-keys PATH] [--max-sessions N]\n"
	    "                   [--record DIR [--record-input] [--record-max BYTES]]\n"
	    "\n"
	    "Serves one SSH connection: fd 3 is the client socket, fd 4 (optional) the\n"
	    "listener's status socket: \"auth-ok SANDBOX\\n\" once the client authenticated,\n"
	    "answered \"admit\\n\" or \"full\\n\". Exit status 0 ok, 1 error or protocol\n"
	    "violation, 2 authentication failed, 3 left without trying, 4 sandbox full.\n"
	    "  --max-sessions N  session channels open at once ('none': no limit)\n"
	    "  --host-key-fd N, --authorized-keys-fd N  read the key (set) from inherited\n"
	    "                    fd N, a regular file such as a memfd (native sessions)\n"
	    "  --all             the gateway: login SANDBOX or USER+SANDBOX picks the sandbox\n"
	    "  --user U          guest user for every request (default: the login name; with\n"
	    "                    --all, the USER of USER+SANDBOX, else U, else root)\n"
	    "  --idle-timeout S  seconds without traffic before the session ends (0: never)\n"
	    "  --accept-env L    environment names clients may set, besides LANG, LC_*, TERM\n"
	    "  --sftp-read-only, --sftp-deny L, --sftp-allow L  sftp-server's -R, -P, -p\n"
	    "  --preauth-user U  account of the preauth child when root (default %s,\n"
	    "                    or $MSB_PREAUTH_USER)\n"
	    "  --chroot DIR      empty directory the preauth child is confined to (%s)\n"
	    "  --trusted-user-ca-keys PATH  CA keys whose user certificates open the sandbox\n"
	    "  --record DIR      an asciicast of each session channel in DIR (root's, 0600)\n"
	    "  --record-input    with what the client typed; --record-max: bytes per file\n"
	    "Environment: MSB_LOGIN_GRACE_TIME (seconds, default %u), MSB_SESSION_VSOCK\n"
	    "(the agent address handed to the session worker, default the sandbox's vsock).\n",
	    MSB_PREAUTH_USER, MSB_PREAUTH_CHROOT, MONITOR_DEFAULT_GRACE_S);
	exit(1);
}

static unsigned
parse_seconds(const char *what, const char *s)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);

	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > 100u * 24 * 3600)
		fatal("invalid %s '%s' (seconds)", what, s);
	return (unsigned)v;
}

/* "none" or a number of channels. */
static unsigned
parse_count(const char *what, const char *s)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);

	if (strcmp(s, "none") == 0)
		return UINT_MAX;
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v >= UINT_MAX)
		fatal("invalid %s '%s'", what, s);
	return (unsigned)v;
}

/* Checked here so that a bad list stops the connection before anyone logs in. */
static const char *
sftp_list(const char *what, const char *list)
{
	uint32_t mask;
	char err[256];

	if (msb_sftp_list_parse(what, list, &mask, err, sizeof(err)) != 0)
		fatal("--sftp-%s: %s", what, err);
	return list;
}

/* An inherited descriptor's number: 4 and up, since 3 is the client. */
static int
parse_fd(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);

	if (errno != 0 || end == s || *end != '\0' || v < 4 || v > 64)
		fatal("invalid descriptor '%s'", s);
	return (int)v;
}

/* Moves an inherited descriptor out of the 3.. range the children use, close-on-exec. */
static int
adopt(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	if (nfd < 0 || close(fd) != 0)
		fatal("fd %d: %s", fd, strerror(errno));
	return nfd;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sandbox", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'G' },
		{ "host-key", required_argument, NULL, 'k' },
		{ "authorized-keys", required_argument, NULL, 'a' },
		{ "trusted-user-ca-keys", required_argument, NULL, 'T' },
		{ "audit-log", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-sftp", no_argument, NULL, 'n' },
		{ "sftp-read-only", no_argument, NULL, 'R' },
		{ "sftp-deny", required_argument, NULL, 'D' },
		{ "sftp-allow", required_argument, NULL, 'W' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "max-sessions", required_argument, NULL, 'M' },
		{ "accept-env", required_argument, NULL, 'e' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "preauth-user", required_argument, NULL, 'p' },
		{ "chroot", required_argument, NULL, 'c' },
		{ "host-key-fd", required_argument, NULL, 'K' },
		{ "authorized-keys-fd", required_argument, NULL, 'A' },
		{ "record", required_argument, NULL, 'r' },
		{ "record-input", no_argument, NULL, 'I' },
		{ "record-max", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor_opts o = {
		.preauth_user = msb_preauth_user_default(), .chroot_dir = MSB_PREAUTH_CHROOT,
		.idle_timeout_s = 600, .grace_s = MONITOR_DEFAULT_GRACE_S,
		.max_tries = MONITOR_DEFAULT_MAX_TRIES, .max_sessions = UINT_MAX,
		.log_level = MSB_LOG_INFO,
		.host_key_fd = -1, .authorized_keys_fd = -1, .record_max = MSB_RECORD_MAX_DEFAULT,
	};
	uint64_t record_max;
	int ch, type;
	socklen_t len = sizeof(type);
	struct stat st;

	msb_log_init("msb-monitor", MSB_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's': o.sandbox = optarg; break;
		case 'G': o.all = true; break;
		case 'k': o.host_key = optarg; break;
		case 'a': o.authorized_keys = optarg; break;
		case 'T': o.trusted_user_ca_keys = optarg; break;
		case 'l': o.audit_log = optarg; break;
		case 'u': o.user = optarg; break;
		case 'n': o.no_sftp = true; break;
		case 'R': o.sftp_read_only = true; break;
		case 'D': o.sftp_deny = sftp_list("deny", optarg); break;
		case 'W': o.sftp_allow = sftp_list("allow", optarg); break;
		case 'i': o.idle_timeout_s = parse_seconds("idle timeout", optarg); break;
		case 'M': o.max_sessions = parse_count("max sessions", optarg); break;
		case 'e': o.accept_env = optarg; break;
		case 'L':
			msb_log_level_option(optarg);
			o.log_level = msb_log_get_level();
			break;
		case 'p': o.preauth_user = optarg; break;
		case 'c': o.chroot_dir = optarg; break;
		case 'K': o.host_key_fd = parse_fd(optarg); o.host_key = "(in memory)"; break;
		case 'A':
			o.authorized_keys_fd = parse_fd(optarg);
			o.authorized_keys = "(in memory)";
			break;
		case 'r': o.record_dir = optarg; break;
		case 'I': o.record_input = true; break;
		case 'B':
			if (msb_record_max_parse(optarg, &record_max) != 0)
				fatal("invalid --record-max '%s' (bytes, with K, M or G: 64K to 64G)", optarg);
			o.record_max = record_max;
			break;
		default: usage();
		}
	}
	if (optind != argc || (o.sandbox == NULL) == !o.all || o.host_key == NULL ||
	    o.authorized_keys == NULL || o.audit_log == NULL)
		usage();
	const char *grace = getenv("MSB_LOGIN_GRACE_TIME");
	if (grace != NULL && grace[0] != '\0')
		o.grace_s = parse_seconds("MSB_LOGIN_GRACE_TIME", grace);
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
		fatal("fd 3 must be the client's stream socket");
	/* Key files first: one of them may sit on fd 4, where a status pipe is looked for. */
	if (o.host_key_fd >= 0)
		o.host_key_fd = adopt(o.host_key_fd);
	if (o.authorized_keys_fd >= 0)
		o.authorized_keys_fd = adopt(o.authorized_keys_fd);
	int client = adopt(3);
	int status = fstat(4, &st) == 0 && S_ISSOCK(st.st_mode) ? adopt(4) : -1;
	return monitor_run(&o, client, status);
}
