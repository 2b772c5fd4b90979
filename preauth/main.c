/*
 * msb-preauth: the network child, the only msb process that parses bytes
 * from the network. Started by the monitor with fd 3 = the client socket,
 * fd 4 = the monitor RPC, fd 5 = the channel mux. It takes the host key and
 * its settings from the monitor, sets up libssh, confines itself
 * (sandbox.c), and only then reads from the client.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "lib/log.h"
#include "monitor_rpc.h"
#include "sandbox.h"
#include "serve.h"

#define CLIENT_FD  3
#define MONITOR_FD 4
#define MUX_FD     5

#define ACCEPTED_KEY_TYPES \
	"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"rsa-sha2-512,rsa-sha2-256," \
	"ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com," \
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com," \
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com"

struct start_config {
	uint32_t log_level, idle_timeout_s, rekey_s;
	uint64_t rekey_bytes;
};

static _Noreturn void
usage(void)
{
	fatal("usage: msb-preauth [--chroot DIR --uid N --gid N] [--log-level LEVEL]\n"
	    "(started by msb-monitor with fd 3 = client, 4 = monitor, 5 = mux)");
}

static unsigned long
parse_id(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 || v >= UINT_MAX)
		fatal("bad %s '%s'", what, s);
	return v;
}

static void
parse_args(int argc, char **argv, struct preauth_identity *id)
{
	static const struct option opts[] = {
		{ "chroot", required_argument, NULL, 'c' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "log-level", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(id, 0, sizeof(*id));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			id->chroot_dir = optarg;
			break;
		case 'u':
			id->uid = (uid_t)parse_id(optarg, "uid");
			break;
		case 'g':
			id->gid = (gid_t)parse_id(optarg, "gid");
			break;
		case 'l':
			msb_log_level_option(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (getuid() == 0 && (id->chroot_dir == NULL || id->uid == 0 || id->gid == 0))
		fatal("as root, --chroot, --uid and --gid are required");
}

static void
check_fds(void)
{
	for (int fd = CLIENT_FD; fd <= MUX_FD; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			fatal("fd %d is not open: msb-preauth is started by msb-monitor", fd);
	}
}

static void
log_from_libssh(int priority, const char *function, const char *buffer, void *userdata)
{
	/* libssh quotes what the client sent (its banner, its disconnect reason). */
	char esc[2048];
	debug_f("libssh: %s", msb_log_escape(esc, sizeof(esc), buffer, strlen(buffer)));
}

/* Reads HOSTKEY into *key and CONFIG into *cfg; wipes the key text. */
static void
read_start(struct msb_buf *mon_in, ssh_key *key, struct start_config *cfg)
{
	struct msb_mon m;

	if (mon_rpc_read(MONITOR_FD, mon_in, &m) != 0 || m.type != MSB_MON_HOSTKEY)
		fatal_f("expected HOSTKEY from the monitor");
	char *text = malloc(m.key_len + 1);
	int rc = SSH_ERROR;
	if (text != NULL) {
		memcpy(text, m.key, m.key_len);
		text[m.key_len] = '\0';
		rc = ssh_pki_import_privkey_base64(text, NULL, NULL, NULL, key);
		explicit_bzero(text, m.key_len);
		free(text);
	}
	/* The frame held the key too: wipe it where it lies. */
	explicit_bzero(mon_in->data + mon_in->off, m.frame);
	msb_mon_consume(mon_in, &m);
	if (rc != SSH_OK)
		fatal_f("the host key from the monitor does not import");

	if (mon_rpc_read(MONITOR_FD, mon_in, &m) != 0 || m.type != MSB_MON_CONFIG)
		fatal_f("expected CONFIG from the monitor");
	if (m.version != MSB_MON_VERSION)
		fatal_f("monitor protocol version %u, expected %u", m.version, MSB_MON_VERSION);
	cfg->log_level = m.log_level;
	cfg->idle_timeout_s = m.idle_timeout_s;
	cfg->rekey_bytes = m.rekey_bytes;
	cfg->rekey_s = m.rekey_s;
	msb_mon_consume(mon_in, &m);
}

static const char *
hostkey_algorithms(ssh_key key)
{
	switch (ssh_key_type(key)) {
	case SSH_KEYTYPE_ED25519:
		return "ssh-ed25519";
	case SSH_KEYTYPE_ECDSA_P256:
		return "ecdsa-sha2-nistp256";
	case SSH_KEYTYPE_ECDSA_P384:
		return "ecdsa-sha2-nistp384";
	case SSH_KEYTYPE_ECDSA_P521:
		return "ecdsa-sha2-nistp521";
	case SSH_KEYTYPE_RSA:
		return "rsa-sha2-512,rsa-sha2-256";
	default:
		fatal_f("unsupported host key type %s", ssh_key_type_to_char(ssh_key_type(key)));
	}
}

/* Everything that could open a file happens here, before the sandbox. */
static ssh_session
setup_libssh(ssh_bind *bindp, ssh_key key, const struct start_config *cfg)
{
	int no = 0;
	int verbosity = msb_log_get_level() >= MSB_LOG_DEBUG ? SSH_LOG_PROTOCOL : SSH_LOG_WARNING;
	ssh_bind bind = ssh_bind_new();
	ssh_session session = ssh_new();

	if (bind == NULL || session == NULL)
		fatal_f("out of memory");
	if (ssh_set_log_callback(log_from_libssh) != SSH_OK ||
	    ssh_set_log_level(verbosity) != SSH_OK)
		fatal_f("cannot route libssh's log");
	if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
		hostkey_algorithms(key)) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES,
		ACCEPTED_KEY_TYPES) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK)
		fatal_f("ssh_bind_options_set: %s", ssh_get_error(bind));
	if (ssh_bind_accept_fd(bind, session, CLIENT_FD) != SSH_OK)
		fatal_f("ssh_bind_accept_fd: %s", ssh_get_error(bind));
	if (cfg->rekey_bytes > 0 &&
	    ssh_options_set(session, SSH_OPTIONS_REKEY_DATA, &cfg->rekey_bytes) != SSH_OK)
		fatal_f("rekey data: %s", ssh_get_error(session));
	if (cfg->rekey_s > 0 &&
	    ssh_options_set(session, SSH_OPTIONS_REKEY_TIME, &cfg->rekey_s) != SSH_OK)
		fatal_f("rekey time: %s", ssh_get_error(session));
	ssh_set_auth_methods(session, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_blocking(session, 0);
	*bindp = bind;
	return session;
}

int
main(int argc, char **argv)
{
	struct preauth_identity id;
	struct start_config cfg;
	struct msb_buf mon_in;
	ssh_key key = NULL;
	ssh_bind bind;

	msb_log_init("msb-preauth", MSB_LOG_INFO);
	parse_args(argc, argv, &id);
	check_fds();
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	if (ssh_init() != SSH_OK)
		fatal_f("ssh_init failed");
	msb_buf_init(&mon_in, MSB_MON_MAX_FRAME + 4);
	read_start(&mon_in, &key, &cfg);
	if (cfg.log_level <= MSB_LOG_DEBUG)
		msb_log_set_level((enum msb_log_level)cfg.log_level);
	ssh_session session = setup_libssh(&bind, key, &cfg);

	preauth_sandbox(&id);

	struct serve_params p = {
		.session = session, .mon_fd = MONITOR_FD, .mux_fd = MUX_FD,
		.mon_in = &mon_in, .idle_timeout_s = cfg.idle_timeout_s,
	};
	int status = preauth_serve(&p);
	ssh_free(session);
	ssh_bind_free(bind);
	msb_buf_free(&mon_in);
	return status;
}
