/*
 * msb ssh serve | authorize: the SSH server's front end. serve checks
 * everything it can before the first client arrives (sandbox, host key,
 * authorized keys, preauth account), then runs the listener (or, with
 * --stdio, one monitor on stdin/stdout); authorize edits authorized_keys.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/authkeys.h"
#include "cli.h"
#include "host/helpers.h"
#include "host/hostkey.h"
#include "monitor/listener.h"
#include "lib/log.h"
#include "host/preauth_env.h"
#include "monitor/record_file.h"
#include "lib/relay.h"
#include "lib/safe_file.h"
#include "host/sandbox.h"
#include "monitor/serve_limits.h"
#include "lib/sftp_policy.h"
#include "host/spawn.h"
#include "lib/strict_modes.h"
#include "monitor/tenant_keys.h"
#include "usage.h"

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "2222"
#define MAX_IDLE_S   (100u * 24 * 3600)

static int
ssh_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb ssh [connect] NAME [-- CMD]  a shell or command in NAME\n"
	    "                                        (msb ssh connect --help)\n"
	    "       msb ssh serve NAME [options]     serve SSH for sandbox NAME\n"
	    "       msb ssh serve --all [options]    one gateway for every sandbox: log in as\n"
	    "                                        SANDBOX or USER+SANDBOX\n"
	    "       msb ssh authorize [--sandbox NAME] [--cert-authority [--principals LIST]]\n"
	    "                         --file F | --key \"LINE\" | --stdin\n"
	    "                                        add public keys to authorized_keys\n"
	    "       msb ssh config NAME [--alias A] [--user U]\n"
	    "                                        print a ~/.ssh/config entry for NAME\n"
	    "\n"
	    "serve options:\n"
	    "  --name NAME            the sandbox (instead of the positional NAME)\n"
	    "  --host H --port P      listen address (default %s:%s, or\n"
	    "                         $MSB_DEFAULT_SSH_HOST / $MSB_DEFAULT_SSH_PORT)\n"
	    "  --check                check the configuration (keys, host key, account) and exit\n"
	    "  --stdio                serve one connection on stdin/stdout (ProxyCommand);\n"
	    "                         logs errors only unless --log-level\n"
	    "  --user U               guest user for every request (default: login name)\n"
	    "  --no-sftp              refuse the sftp subsystem\n"
	    "  --sftp-read-only       refuse SFTP requests that write (sftp-server -R)\n"
	    "  --sftp-deny LIST       refuse these SFTP requests (sftp-server -P)\n"
	    "  --sftp-allow LIST      refuse all other SFTP requests (sftp-server -p);\n"
	    "                         names as 'msb-sftp-server -Q requests' lists them\n"
	    "  --host-key PATH        default MSB_HOME/ssh/host_ed25519_key (created if missing)\n"
	    "  --authorized-keys PATH default MSB_HOME/ssh/authorized_keys (every sandbox);\n"
	    "                         the sandbox's own authorized_keys is read too\n"
	    "  --trusted-user-ca-keys FILE  CA keys (one per line) whose user certificates\n"
	    "                         open the sandbox (principal: its name or the login)\n"
	    "  --idle-timeout DUR     e.g. 90s, 10m, 2h; 0 disables (default 10m)\n"
	    "  --accept-env NAMES     comma-separated variables clients may set\n"
	    "                         (LANG, LC_* and TERM always)\n"
	    "  --log-level L          quiet|error|info|verbose|debug (default info)\n"
	    "  --record DIR           an asciicast of each shell, command and subsystem\n"
	    "                         in DIR (root's, 0600, append-only)\n"
	    "  --record-input         record what the client types too\n"
	    "  --record-max SIZE      cap per recording (default 64M; K, M, G)\n",
	    DEFAULT_HOST, DEFAULT_PORT);
	msb_serve_limits_usage(fp);
	fprintf(fp,
	    "\n"
	    "authorize options:\n"
	    "  --sandbox NAME         the sandbox's own authorized_keys: that sandbox only\n"
	    "                         (default MSB_HOME/ssh/authorized_keys: every sandbox)\n"
	    "  --cert-authority       the keys are CAs: their user certificates open it\n"
	    "  --principals LIST      with --cert-authority: the principals it accepts\n"
	    "                         (default: the sandbox's name or the login name)\n");
	return status;
}

/* 0, 90, 90s, 10m, 2h, 1d. */
static unsigned
parse_duration(const char *s)
{
	unsigned v;

	if (msb_duration_parse(s, MAX_IDLE_S, &v) != 0)
		fatal("invalid duration '%s' (e.g. 90s, 10m, 2h; 0 disables)", s);
	return v;
}

/* NAME or NAME_* style patterns, comma-separated. */
static void
check_env_list(const char *list)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		bool ok = n > 0 && (isalpha((unsigned char)p[0]) || p[0] == '_');
		for (size_t i = 0; ok && i < n; i++)
			ok = isalnum((unsigned char)p[i]) || p[i] == '_' || (p[i] == '*' && i == n - 1);
		if (!ok)
			fatal("invalid --accept-env list '%s': names of letters, digits and _, "
			    "optionally ending in *", list);
		if (p[n] == '\0')
			return;
		p += n + 1;
	}
}

static void
ssh_dir(char *buf, size_t len)
{
	if (msb_home_path(buf, len, "ssh") != 0)
		fatal("MSB_HOME path too long");
	if (msb_mkdirs(buf, 0700) != 0)
		fatal("cannot create %s: %s", buf, strerror(errno));
	int fd = msb_strict_open(buf, MSB_STRICT_SSH_DIR);
	if (fd < 0)
		exit(1);
	close(fd);
}

/* Whether a listen address is this host's loopback alone. */
static bool
loopback_host(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Keys in the sandbox's own file (absent: none); exits on a file StrictModes refuse. */
static size_t
own_keys(const char *name)
{
	struct tenant_keys t;
	char own[PATH_MAX];

	if (sandbox_path(own, sizeof(own), name, "authorized_keys") != 0)
		fatal("path too long");
	if (tenant_keys_load(&t, own, "", -1, NULL) != 0)
		exit(1);
	size_t n = t.set[TENANT_KEYS_SANDBOX].n;
	tenant_keys_free(&t);
	return n;
}

/* Keys of every sandbox's own file, for the gateway. */
static size_t
every_own_keys(void)
{
	char dir[PATH_MAX];
	const char *why;
	size_t n = 0;

	if (msb_home_path(dir, sizeof(dir), "sandboxes") != 0)
		fatal("MSB_HOME path too long");
	DIR *d = opendir(dir);
	if (d == NULL && errno != ENOENT)
		fatal("cannot read %s: %s", dir, strerror(errno));
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		if (msb_name_check(e->d_name, &why) == 0 && sandbox_exists(e->d_name))
			n += own_keys(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/*
 * Something must open the sandbox (with the gateway, name is NULL: any
 * sandbox): a key in its own file or the global one, or a trusted CA. The
 * global file opens every sandbox of MSB_HOME, which a listener others can
 * reach should say.
 */
static void
need_keys(const char *name, const char *global, const char *cas, const char *host, bool stdio)
{
	struct tenant_keys t;

	if (tenant_keys_load(&t, "", global, -1, cas) != 0)
		exit(1);
	size_t nglobal = t.set[TENANT_KEYS_GLOBAL].n, ncas = t.set[TENANT_KEYS_CAS].n;
	tenant_keys_free(&t);
	if (cas != NULL && ncas == 0)
		fatal("no usable CA key in %s", cas);
	size_t n = nglobal + ncas + (name != NULL ? own_keys(name) : every_own_keys());
	if (n == 0 && name != NULL)
		fatal("no authorized keys for sandbox '%s' (neither its own authorized_keys nor "
		    "%s has one); add one with 'msb ssh authorize --sandbox %s --file "
		    "~/.ssh/id_ed25519.pub'", name, global, name);
	if (n == 0)
		fatal("no authorized keys for any sandbox; add one with 'msb ssh authorize "
		    "--sandbox NAME --file ~/.ssh/id_ed25519.pub'");
	if (nglobal > 0 && !stdio && !loopback_host(host))
		info("warning: %s holds %zu %s every sandbox of this MSB_HOME, and %s is not "
		    "loopback; give tenants keys of their own sandbox with 'msb ssh authorize "
		    "--sandbox NAME'", global, nglobal, nglobal == 1 ? "key that opens" :
		    "keys that open", host);
}

static void
ensure_running(const char *name)
{
	struct sandbox_status st;

	if (sandbox_status_read(name, &st) != 0)
		fatal("cannot read the state of sandbox '%s'", name);
	if (st.state == SANDBOX_RUNNING || st.state == SANDBOX_STARTING)
		return;
	info("sandbox '%s' is %s: starting it", name, sandbox_state_name(st.state));
	sandbox_start(name, false);
}

/* An unknown request name would otherwise only show when a client uses SFTP. */
static void
check_sftp_list(const char *what, const char *list)
{
	uint32_t mask;
	char err[256];

	if (msb_sftp_list_parse(what, list, &mask, err, sizeof(err)) != 0)
		fatal("--sftp-%s: %s", what, err);
}

/* Refused here, at serve start, rather than at the first connection. */
static void
record_dir_check(const char *path, char *abs, size_t len)
{
	int fd = msb_record_dir_open(path);

	if (fd < 0)
		exit(1);
	close(fd);
	/* The monitor opens it again: the same directory, wherever it runs. */
	if (realpath(path, abs) == NULL || strlen(abs) >= len)
		fatal("--record %s: %s", path, strerror(errno));
}

static const char *
record_max_check(const char *size)
{
	uint64_t bytes;

	if (msb_record_max_parse(size, &bytes) != 0)
		fatal("invalid --record-max '%s' (bytes, with K, M or G: 64K to 64G)", size);
	return size;
}

/* Runs one monitor on a socketpair whose other end is relayed to stdin/stdout. */
static int
serve_stdio(const char *monitor, char *const argv[])
{
	int sp[2], status;
	sigset_t mask;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
		fatal("socketpair: %s", strerror(errno));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || sigprocmask(SIG_SETMASK, NULL, &mask) != 0)
		fatal("signals: %s", strerror(errno));
	pid_t pid = msb_spawn(monitor, argv, &sp[1], 1, NULL, &mask, 0);
	if (pid < 0)
		return 1;
	close(sp[1]);
	int rc = msb_relay(STDIN_FILENO, STDOUT_FILENO, sp[0], sp[0]);
	close(sp[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			fatal("waitpid: %s", strerror(errno));
	}
	if (rc != 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "all", no_argument, NULL, 'G' },
		{ "check", no_argument, NULL, 'C' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "stdio", no_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-sftp", no_argument, NULL, 'n' },
		{ "sftp-read-only", no_argument, NULL, 'R' },
		{ "sftp-deny", required_argument, NULL, 'D' },
		{ "sftp-allow", required_argument, NULL, 'W' },
		{ "host-key", required_argument, NULL, 'k' },
		{ "authorized-keys", required_argument, NULL, 'a' },
		{ "trusted-user-ca-keys", required_argument, NULL, 'T' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "accept-env", required_argument, NULL, 'e' },
		{ "log-level", required_argument, NULL, 'L' },
		/* serve_limits.h: the listener's and the monitor's limits */
		{ "max-startups", required_argument, NULL, 'X' },
		{ "per-source-max-startups", required_argument, NULL, 'X' },
		{ "penalty", required_argument, NULL, 'X' },
		{ "max-sessions", required_argument, NULL, 'X' },
		{ "max-connections", required_argument, NULL, 'X' },
		{ "idle-stop", required_argument, NULL, 'X' },
		{ "record", required_argument, NULL, 'r' },
		{ "record-input", no_argument, NULL, 'I' },
		{ "record-max", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct msb_listener_limits limits = MSB_LISTENER_LIMITS_DEFAULT;
	char limit_err[256], max_sessions[16];
	int li = 0;
	const char *record_max = NULL;
	char record_dir[PATH_MAX] = "";
	bool record_input = false;
	const char *name = NULL, *host = getenv("MSB_DEFAULT_SSH_HOST"),
	    *port = getenv("MSB_DEFAULT_SSH_PORT"), *user = NULL, *accept_env = NULL,
	    *level = NULL, *cas = NULL, *sftp_deny = NULL, *sftp_allow = NULL;
	char host_key[PATH_MAX] = "", auth_keys[PATH_MAX] = "", audit[PATH_MAX], dir[PATH_MAX];
	char monitor[PATH_MAX], cant[MSB_HELPER_WHY_LEN], idle[16];
	bool stdio = false, no_sftp = false, sftp_ro = false, all = false, check_only = false;
	unsigned idle_s = 600;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, &li)) != -1) {
		switch (ch) {
		case 'X':
			if (msb_serve_limit_set(&limits, opts[li].name, optarg, limit_err,
			    sizeof(limit_err)) != 0)
				fatal("%s", limit_err);
			break;
		case 'N': name = optarg; break;
		case 'G': all = true; break;
		case 'C': check_only = true; break;
		case 'H': host = optarg; break;
		case 'P': port = optarg; break;
		case 'S': stdio = true; break;
		case 'u': user = optarg; break;
		case 'n': no_sftp = true; break;
		case 'R': sftp_ro = true; break;
		case 'D': check_sftp_list("deny", optarg); sftp_deny = optarg; break;
		case 'W': check_sftp_list("allow", optarg); sftp_allow = optarg; break;
		case 'k': snprintf(host_key, sizeof(host_key), "%s", optarg); break;
		case 'a': snprintf(auth_keys, sizeof(auth_keys), "%s", optarg); break;
		case 'T': cas = optarg; break;
		case 'i': idle_s = parse_duration(optarg); break;
		case 'e': check_env_list(optarg); accept_env = optarg; break;
		case 'L': msb_log_level_option(optarg); level = optarg; break;
		case 'r': record_dir_check(optarg, record_dir, sizeof(record_dir)); break;
		case 'I': record_input = true; break;
		case 'M': record_max = record_max_check(optarg); break;
		case 'h': return ssh_usage(stdout, 0);
		default: return usage_bad_option(ssh_usage, "ssh serve", ch, argv);
		}
	}
	if (optind < argc && name == NULL && !all)
		name = argv[optind++];
	if (name == NULL && !all)
		return usage_error(ssh_usage, "ssh serve", "no sandbox name (or --all)");
	if (name != NULL && all)
		return usage_error(ssh_usage, "ssh serve", "--all serves every sandbox: no NAME");
	if (optind != argc)
		return usage_error(ssh_usage, "ssh serve", "unexpected '%s' after the sandbox name",
		    argv[optind]);
	/* As a ProxyCommand, stderr is the user's terminal: only errors belong there. */
	if (level == NULL) {
		level = stdio ? "error" : "info";
		msb_log_level_option(level);
	}
	host = host != NULL && host[0] != '\0' ? host : DEFAULT_HOST;
	port = port != NULL && port[0] != '\0' ? port : DEFAULT_PORT;
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 || atoi(port) > 65535)
		fatal("invalid port '%s'", port);
	if (user != NULL && (user[0] == '\0' || strlen(user) > 256))
		fatal("invalid --user '%s'", user);

	const char *why;
	if (!all && msb_name_check(name, &why) != 0)
		fatal("invalid sandbox name '%s': %s", name, why);
	if (!all && !sandbox_exists(name))
		fatal("no sandbox named '%s' (see 'msb ls', or 'msb create %s')", name, name);
	ssh_dir(dir, sizeof(dir));
	if ((host_key[0] == '\0' && msb_home_path(host_key, sizeof(host_key), "ssh/host_ed25519_key") != 0) ||
	    (auth_keys[0] == '\0' && msb_home_path(auth_keys, sizeof(auth_keys), "ssh/authorized_keys") != 0) ||
	    msb_home_path(audit, sizeof(audit), "ssh/audit.log") != 0)
		fatal("path too long");
	if (msb_hostkey_ensure(host_key) != 0)
		exit(1);
	need_keys(name, auth_keys, cas, host, stdio);
	if (geteuid() == 0) {
		uid_t u;
		gid_t g;
		if (msb_preauth_user(msb_preauth_user_default(), &u, &g) != 0 ||
		    msb_preauth_chroot_ensure(MSB_PREAUTH_CHROOT) != 0)
			exit(1);
	} else {
		info("not running as root: the preauth child is confined by seccomp and rlimits "
		    "only (no chroot, no separate user)");
	}
	if (msb_helper_find(monitor, sizeof(monitor), "msb-monitor", cant, sizeof(cant)) != 0)
		fatal("%s", cant);
	if (check_only) {
		info("the configuration is usable");
		return 0;
	}
	/* Held until this process exits; the gateway's monitors hold theirs. */
	if (!all && sandbox_serve_hold(name) < 0)
		fatal("cannot lock sandbox '%s' for serving: %s", name, strerror(errno));
	if (!all)
		ensure_running(name);

	snprintf(idle, sizeof(idle), "%u", idle_s);
	char *margv[48] = {
		"msb-monitor", "--host-key", host_key,
		"--authorized-keys", auth_keys, "--audit-log", audit,
		"--idle-timeout", idle, "--log-level", (char *)level,
	};
	size_t n = 11;
	if (all) {
		margv[n++] = "--all";
	} else {
		margv[n++] = "--sandbox";
		margv[n++] = (char *)name;
	}
	if (user != NULL) {
		margv[n++] = "--user";
		margv[n++] = (char *)user;
	}
	if (accept_env != NULL) {
		margv[n++] = "--accept-env";
		margv[n++] = (char *)accept_env;
	}
	if (no_sftp)
		margv[n++] = "--no-sftp";
	if (cas != NULL) {
		margv[n++] = "--trusted-user-ca-keys";
		margv[n++] = (char *)cas;
	}
	if (sftp_ro)
		margv[n++] = "--sftp-read-only";
	if (sftp_deny != NULL) {
		margv[n++] = "--sftp-deny";
		margv[n++] = (char *)sftp_deny;
	}
	if (sftp_allow != NULL) {
		margv[n++] = "--sftp-allow";
		margv[n++] = (char *)sftp_allow;
	}
	if (limits.max_sessions != MSB_LIMIT_NONE) {
		snprintf(max_sessions, sizeof(max_sessions), "%u", limits.max_sessions);
		margv[n++] = "--max-sessions";
		margv[n++] = max_sessions;
	}
	if (record_dir[0] != '\0') {
		margv[n++] = "--record";
		margv[n++] = record_dir;
		if (record_input)
			margv[n++] = "--record-input";
		if (record_max != NULL) {
			margv[n++] = "--record-max";
			margv[n++] = (char *)record_max;
		}
	} else if (record_input || record_max != NULL) {
		fatal("--record-input and --record-max need --record DIR");
	}
	margv[n] = NULL;

	if (stdio)
		return serve_stdio(monitor, margv);
	int lfd = msb_listen(host, port);
	if (lfd < 0)
		return 1;
	/* --port 0: say the port the kernel picked. */
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char bound[8];
	if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
		snprintf(bound, sizeof(bound), "%u", ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port));
		port = bound;
	}
	if (all)
		info("serving every sandbox of %s; connect with: ssh -p %s SANDBOX@%s or "
		    "USER+SANDBOX@%s (Ctrl-C stops serving; the sandboxes keep running)",
		    msb_home(), port, host, host);
	else
		info("serving sandbox '%s'; connect with: ssh -p %s root@%s (Ctrl-C stops serving; "
		    "the sandbox keeps running)", name, port, host);
	return msb_listener_run(lfd, monitor, margv, &limits);
}

/* Whether ks holds key in the same role (a user's key, or a CA). */
static bool
known(const struct msb_authkeys *ks, size_t n, const struct msb_authkey *k)
{
	for (size_t i = 0; i < n; i++) {
		if (ks->keys[i].cert_authority == k->cert_authority &&
		    ssh_key_cmp(ks->keys[i].key, k->key, SSH_KEY_CMP_PUBLIC) == 0)
			return true;
	}
	return false;
}

/* Appends text to path in one write, after a newline if the file lacks a final one. */
static void
append_keys(const char *path, const char *text, size_t len)
{
	struct stat st;
	char last = '\n';
	const char *base;
	int dirfd = msb_safe_dir(path, &base);
	int fd = dirfd < 0 ? -1 : openat(dirfd, base,
	    O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);

	if (fd < 0)
		fatal("cannot open %s: %s", path, strerror(errno));
	close(dirfd);
	if (msb_strict_check_fd(fd, path, MSB_STRICT_AUTH_KEYS) != 0)
		exit(1);
	if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, O_APPEND) != 0 || fchmod(fd, 0600) != 0)
		fatal("cannot chmod %s: %s", path, strerror(errno));
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		fatal("cannot read %s: %s", path, strerror(errno));
	if ((last != '\n' && write(fd, "\n", 1) != 1) ||
	    write(fd, text, len) != (ssize_t)len || close(fd) != 0)
		fatal("cannot write %s: %s", path, strerror(errno));
}

/*
 * The commonest mistake: ~/.ssh/id_ed25519 for ~/.ssh/id_ed25519.pub. Said
 * once, instead of a complaint about every line of the key.
 */
static bool
is_private_key(const char *text)
{
	const char *begin = strstr(text, "-----BEGIN ");

	if (begin == NULL)
		return false;
	const char *end = strchr(begin, '\n');
	const char *what = strstr(begin, "PRIVATE KEY-----");
	return what != NULL && (end == NULL || what < end);
}

static int
cmd_authorize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "stdin", no_argument, NULL, 's' },
		{ "sandbox", required_argument, NULL, 'S' },
		{ "cert-authority", no_argument, NULL, 'C' },
		{ "principals", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *keyline = NULL, *what, *sandbox = NULL, *principals = NULL;
	bool from_stdin = false, ca = false;
	char dir[PATH_MAX], path[PATH_MAX];
	int ch, sources = 0;
	char *text;
	size_t len;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': file = optarg; sources++; break;
		case 'k': keyline = optarg; sources++; break;
		case 's': from_stdin = true; sources++; break;
		case 'S': sandbox = optarg; break;
		case 'C': ca = true; break;
		case 'p': principals = optarg; break;
		case 'h': return ssh_usage(stdout, 0);
		default: return usage_bad_option(ssh_usage, "ssh authorize", ch, argv);
		}
	}
	if (optind != argc)
		return usage_error(ssh_usage, "ssh authorize", "unexpected '%s'", argv[optind]);
	if (sources != 1)
		return usage_error(ssh_usage, "ssh authorize", "%s of --file, --key and --stdin",
		    sources == 0 ? "one" : "only one");
	if (principals != NULL && !ca)
		return usage_error(ssh_usage, "ssh authorize", "--principals needs --cert-authority");
	const char *why;
	if (sandbox != NULL && msb_name_check(sandbox, &why) != 0)
		fatal("invalid sandbox name '%s': %s", sandbox, why);
	if (sandbox != NULL && !sandbox_exists(sandbox))
		fatal("no sandbox named '%s' (see 'msb ls')", sandbox);
	char prefix[1024] = "";
	if (ca && snprintf(prefix, sizeof(prefix), "cert-authority%s%s%s ",
	    principals != NULL ? ",principals=\"" : "", principals != NULL ? principals : "",
	    principals != NULL ? "\"" : "") >= (int)sizeof(prefix))
		fatal("--principals list too long");
	if (keyline != NULL) {
		what = "--key";
		if (strchr(keyline, '\n') != NULL && keyline[strcspn(keyline, "\n") + 1] != '\0')
			fatal("--key takes one line");
		if ((text = strdup(keyline)) == NULL)
			fatal("out of memory");
		len = strlen(text);
	} else if (from_stdin) {
		what = "stdin";
		text = cli_read_all(STDIN_FILENO, what, MSB_AUTHKEYS_FILE_MAX, &len);
	} else {
		what = file;
		int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			fatal("cannot read %s: %s", file, strerror(errno));
		text = cli_read_all(fd, file, MSB_AUTHKEYS_FILE_MAX, &len);
		close(fd);
	}
	if (memchr(text, '\0', len) != NULL)
		fatal("%s: contains a NUL byte; not a public key file", what);
	if (is_private_key(text)) {
		if (file != NULL)
			fatal("%s is a private key; pass the public key (%s.pub)", file, file);
		fatal("%s holds a private key; pass the public key (the .pub file)", what);
	}

	/* Every line must be a key (or blank/comment) before anything is written. */
	struct msb_authkeys have;
	/* A key line is far longer than 16 bytes, so this bounds the key count. */
	struct msb_authkey *fresh = calloc(len / 16 + 1, sizeof(*fresh));
	size_t *at = calloc(len / 16 + 1, sizeof(*at));   /* each key's line in out */
	char *out = malloc(len + 2 + (len / 16 + 1) * strlen(prefix));
	size_t nfresh = 0, outlen = 0;
	unsigned lineno = 0, bad = 0;
	if (fresh == NULL || at == NULL || out == NULL)
		fatal("out of memory");
	for (char *line = text, *next; line < text + len; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? (*next = '\0', next + 1) : text + len;
		line[strcspn(line, "\r")] = '\0';
		lineno++;
		char *full = NULL;
		while (*line == ' ' || *line == '\t')
			line++;
		bool blank = *line == '\0' || *line == '#';
		if (asprintf(&full, "%s%s", blank ? "" : prefix, line) < 0)
			fatal("out of memory");
		why = NULL;
		int r = msb_authkey_parse(full, &fresh[nfresh], &why);
		if (r < 0) {
			error("%s line %u: not a usable %s: %s", what, lineno,
			    ca ? "CA public key (a plain key line, no options)" : "public key", why);
			bad++;
		}
		if (r <= 0) {
			free(full);
			continue;
		}
		size_t n = strlen(full);
		while (n > 0 && (full[n - 1] == ' ' || full[n - 1] == '\t'))
			n--;
		at[nfresh] = outlen;
		memcpy(out + outlen, full, n);
		free(full);
		outlen += n;
		out[outlen++] = '\n';
		nfresh++;
	}
	if (bad > 0)
		fatal("nothing written: fix the line%s above", bad > 1 ? "s" : "");
	if (nfresh == 0)
		fatal("%s holds no public key; nothing written", what);

	if (sandbox != NULL) {
		if (sandbox_path(path, sizeof(path), sandbox, "authorized_keys") != 0)
			fatal("path too long");
	} else {
		ssh_dir(dir, sizeof(dir));
		if (msb_home_path(path, sizeof(path), "ssh/authorized_keys") != 0)
			fatal("path too long");
	}
	if (access(path, F_OK) == 0) {
		if (msb_authkeys_load(path, &have) != 0)
			exit(1);
	} else {
		have = (struct msb_authkeys){ NULL, 0 };
	}

	/* Keep only keys neither on file nor earlier in the input, in input order. */
	char *keep = malloc(outlen + 1);
	size_t keeplen = 0;
	if (keep == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < nfresh; i++) {
		char fp[128] = "?";
		const char *type = ssh_key_type_to_char(ssh_key_type(fresh[i].key));
		struct msb_authkeys earlier = { fresh, i };
		msb_key_fingerprint(fresh[i].key, fp, sizeof(fp));
		if (known(&have, have.n, &fresh[i]) || known(&earlier, i, &fresh[i])) {
			info("already authorized%s: %s %s", ca ? " as a CA" : "", type, fp);
			continue;
		}
		const char *l = out + at[i];
		size_t n = (size_t)(strchr(l, '\n') - l) + 1;
		memcpy(keep + keeplen, l, n);
		keeplen += n;
		info("authorized %s%s %s%s%s", ca ? "CA " : "", type, fp,
		    sandbox != NULL ? " for sandbox " : " for every sandbox",
		    sandbox != NULL ? sandbox : "");
	}
	if (keeplen > 0)
		append_keys(path, keep, keeplen);
	for (size_t i = 0; i < nfresh; i++)
		msb_authkey_free(&fresh[i]);
	msb_authkeys_free(&have);
	free(fresh);
	free(at);
	free(keep);
	free(out);
	free(text);
	return 0;
}

/*
 * `msb ssh X Y...` with X no sandbox but close to a subcommand is a typo
 * ("srve devbox"); `msb ssh X` alone is a native session to X.
 */
static bool
typo(int argc, char **argv, const char *const *commands, size_t n)
{
	const char *why;

	return argc > 2 && argv[1][0] != '-' && usage_suggest(argv[1], commands, n) != NULL &&
	    (msb_name_check(argv[1], &why) != 0 || !sandbox_exists(argv[1]));
}

int
cmd_ssh(int argc, char **argv)
{
	static const char *const commands[] = {
		"serve", "authorize", "config", "connect", "help",
	};

	if (argc < 2)
		return usage_error(ssh_usage, "ssh", "no sandbox name or command");
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "authorize") == 0)
		return cmd_authorize(argc - 1, argv + 1);
	if (strcmp(argv[1], "config") == 0)
		return cmd_ssh_config(argc - 1, argv + 1);
	if (usage_is_help(argv[1]))
		return ssh_usage(stdout, 0);
	if (strcmp(argv[1], "connect") == 0)
		return cmd_ssh_native(argc - 1, argv + 1);
	if (typo(argc, argv, commands, sizeof(commands) / sizeof(commands[0])))
		return usage_unknown(ssh_usage, "ssh", argv[1], commands,
		    sizeof(commands) / sizeof(commands[0]));
	return cmd_ssh_native(argc, argv);
}
