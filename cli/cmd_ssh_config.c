/*
 * msb ssh config NAME: an entry for ~/.ssh/config that reaches sandbox NAME
 * through `msb ssh serve NAME --stdio`, like `vagrant ssh-config`. The host
 * key is pinned in msb's own known_hosts so that the first connection
 * neither prompts nor fails verification.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libssh/libssh.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "host/hostkey.h"
#include "lib/log.h"
#include "lib/safe_file.h"
#include "host/sandbox.h"
#include "usage.h"

/* More than any known_hosts msb writes; a larger one is not msb's. */
#define KNOWN_HOSTS_MAX (1u << 20)

static int
config_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb ssh config NAME [--alias A] [--user U]\n"
	    "\n"
	    "Prints an entry for ~/.ssh/config that reaches sandbox NAME through\n"
	    "'msb ssh serve NAME --stdio' as a ProxyCommand, and pins the server's host\n"
	    "key in MSB_HOME/ssh/known_hosts, so that 'ssh NAME.msb', sftp and scp work\n"
	    "at once:  msb ssh config devbox >> ~/.ssh/config\n"
	    "  --alias A   the Host name (default NAME.msb)\n"
	    "  --user U    the guest user to log in as (default root)\n");
	return status;
}

/* ssh expands %-tokens in ProxyCommand and UserKnownHostsFile: a literal % is %%. */
static void
put_percent_escaped(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			fputc('%', fp);
		fputc(*s, fp);
	}
}

/* The ProxyCommand runs through the user's shell: quote what it would split or expand. */
static void
put_shell_word(FILE *fp, const char *s)
{
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._+-") ==
	    strlen(s)) {
		put_percent_escaped(fp, s);
		return;
	}
	fputc('\'', fp);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", fp);
		else if (*p == '%')
			fputs("%%", fp);
		else
			fputc(*p, fp);
	}
	fputc('\'', fp);
}

/* "TYPE BASE64" of the host key's public half, in a malloc'd string. */
static char *
host_public_key(const char *path)
{
	ssh_key key = NULL;
	char *b64 = NULL, *line = NULL;

	if (msb_hostkey_ensure(path) != 0)
		exit(1);
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK)
		fatal("cannot read the host key %s", path);
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		fatal("cannot encode the public half of %s", path);
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	if (type == NULL || asprintf(&line, "%s %s", type, b64) < 0)
		fatal("cannot encode the public half of %s", path);
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return line;
}

/* Whether a known_hosts line names host among its comma-separated patterns. */
static bool
names_host(const char *line, size_t len, const char *host)
{
	size_t hl = strlen(host), field = strcspn(line, " \t");

	if (field > len)
		field = len;
	for (size_t i = 0; i < field;) {
		size_t n = strcspn(line + i, ",");
		if (i + n > field)
			n = field - i;
		if (n == hl && memcmp(line + i, host, hl) == 0)
			return true;
		i += n + 1;
	}
	return false;
}

/* Reads path (empty when missing), at most KNOWN_HOSTS_MAX bytes; malloc'd, NUL-terminated. */
static char *
read_known_hosts(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		char *empty = calloc(1, 1);
		if (empty == NULL)
			fatal("out of memory");
		*len = 0;
		return empty;
	}
	if (fd < 0)
		fatal("cannot read %s: %s", path, strerror(errno));
	char *buf = cli_read_all(fd, path, KNOWN_HOSTS_MAX, len);
	if (close(fd) != 0)
		fatal("cannot read %s: %s", path, strerror(errno));
	return buf;
}

/*
 * Replaces host's lines in known_hosts with one for pubkey. Written to a
 * temporary file and renamed over, so that a concurrent ssh reads either
 * the old file or the new one.
 */
static void
pin_host_key(const char *path, const char *host, const char *pubkey)
{
	size_t len;
	char *old = read_known_hosts(path, &len), *text = NULL;
	size_t tlen = 0;
	FILE *fp = open_memstream(&text, &tlen);

	if (fp == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(old + i, "\n");
		if (!names_host(old + i, n, host) && n > 0)
			fprintf(fp, "%.*s\n", (int)n, old + i);
		i += n + 1;
	}
	fprintf(fp, "%s %s\n", host, pubkey);
	if (fclose(fp) != 0 || text == NULL)
		fatal("out of memory");
	if (msb_safe_publish_path(path, text, tlen, 0600, true) != 0)
		fatal("cannot replace %s: %s", path, strerror(errno));
	free(text);
	free(old);
}

/* ssh_config takes a double-quoted argument for a path with spaces; no escape exists for '"'. */
static void
put_config_path(FILE *fp, const char *path)
{
	if (strpbrk(path, "\"\n") != NULL)
		fatal("cannot name %s in an ssh config (it holds a quote or a newline)", path);
	bool quote = strpbrk(path, " \t") != NULL;
	if (quote)
		fputc('"', fp);
	put_percent_escaped(fp, path);
	if (quote)
		fputc('"', fp);
}

int
cmd_ssh_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alias", required_argument, NULL, 'a' },
		{ "user", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *alias = NULL, *user = "root", *why;
	char dir[PATH_MAX], host_key[PATH_MAX], known[PATH_MAX], auth[PATH_MAX], self[PATH_MAX];
	char alias_buf[MSB_NAME_MAX + 8];
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': alias = optarg; break;
		case 'u': user = optarg; break;
		case 'N': name = optarg; break;
		case 'h': return config_usage(stdout, 0);
		default: return usage_bad_option(config_usage, "ssh config", ch, argv);
		}
	}
	if (optind < argc && name == NULL)
		name = argv[optind++];
	if (name == NULL)
		return usage_error(config_usage, "ssh config", "no sandbox name");
	if (optind != argc)
		return usage_error(config_usage, "ssh config", "unexpected '%s'", argv[optind]);
	if (msb_name_check(name, &why) != 0)
		fatal("invalid sandbox name '%s': %s", name, why);
	if (!sandbox_exists(name))
		fatal("no sandbox named '%s' (see 'msb ls', or 'msb create %s')", name, name);
	if (alias == NULL) {
		snprintf(alias_buf, sizeof(alias_buf), "%s.msb", name);
		alias = alias_buf;
	}
	/* Patterns (* ? !) or spaces would make the Host line match other hosts. */
	if (msb_name_check(alias, &why) != 0)
		fatal("invalid --alias '%s': %s", alias, why);
	if (msb_name_check(user, &why) != 0)
		fatal("invalid --user '%s': %s", user, why);

	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0 || (size_t)n >= sizeof(self) - 1)
		fatal("cannot find this program's path: %s", n < 0 ? strerror(errno) : "too long");
	self[n] = '\0';
	if (msb_home_path(dir, sizeof(dir), "ssh") != 0 ||
	    msb_home_path(host_key, sizeof(host_key), "ssh/host_ed25519_key") != 0 ||
	    msb_home_path(known, sizeof(known), "ssh/known_hosts") != 0 ||
	    msb_home_path(auth, sizeof(auth), "ssh/authorized_keys") != 0)
		fatal("MSB_HOME path too long");
	if (msb_mkdirs(dir, 0700) != 0)
		fatal("cannot create %s: %s", dir, strerror(errno));
	char *pubkey = host_public_key(host_key);
	pin_host_key(known, alias, pubkey);
	free(pubkey);

	printf("Host %s\n  User %s\n  ProxyCommand ", alias, user);
	put_shell_word(stdout, self);
	printf(" ssh serve %s --stdio\n  UserKnownHostsFile ", name);
	put_config_path(stdout, known);
	/* OpenSSH 10.1 warns of a key exchange that is not post-quantum; this
	 * transport is a pipe to a local process. Older clients skip the option. */
	printf("\n  HostKeyAlias %s\n  StrictHostKeyChecking yes\n"
	    "  IgnoreUnknown WarnWeakCrypto\n  WarnWeakCrypto no\n", alias);
	if (fflush(stdout) != 0)
		fatal("cannot write the entry: %s", strerror(errno));
	if (access(auth, F_OK) != 0)
		info("no key is authorized yet: add yours with "
		    "'msb ssh authorize --file ~/.ssh/id_ed25519.pub'");
	return 0;
}
