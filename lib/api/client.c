/*
 * ssh.connect(): a native client. Both key pairs are made in memory for
 * this one connection, the server is msb's own monitor on a socketpair,
 * and the client is libssh's, so no listener, key file or ssh binary is
 * involved.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"

#define CONNECT_TIMEOUT_S 60L
#define CLOSE_WAIT_MS     5000

MSB_API void
msb_ssh_client_opts_init(msb_ssh_client_opts *opts)
{
	if (opts != NULL)
		*opts = (msb_ssh_client_opts){ .user = "root", .term = NULL, .sftp = 1 };
}

MSB_API const char *
msb_ssh_client_errmsg(const msb_ssh_client *c)
{
	return c != NULL ? c->err.msg : "no client";
}

/* Host key as a memfd (private, wiped from memory) and the client's public key as authorized_keys text. */
static msb_status
key_files(ssh_key host, ssh_key client, int *hk_fd, int *ak_fd, struct api_err *e)
{
	char *priv = NULL, *pub = NULL, line[1024];

	*hk_fd = *ak_fd = -1;
	if (ssh_pki_export_privkey_base64(host, NULL, NULL, NULL, &priv) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(client, &pub) != SSH_OK) {
		ssh_string_free_char(pub);
		if (priv != NULL) {
			explicit_bzero(priv, strlen(priv));
			ssh_string_free_char(priv);
		}
		return api_fail(e, MSB_ERR_KEYS, "cannot export the session keys");
	}
	int n = snprintf(line, sizeof(line), "%s %s msb-native-session\n",
	    ssh_key_type_to_char(ssh_key_type(client)), pub);
	ssh_string_free_char(pub);
	*hk_fd = api_memfd("msb-host-key", priv, strlen(priv));
	int saved = errno;
	explicit_bzero(priv, strlen(priv));
	ssh_string_free_char(priv);
	if (*hk_fd >= 0 && n > 0 && (size_t)n < sizeof(line))
		*ak_fd = api_memfd("msb-authorized-keys", line, (size_t)n);
	if (*ak_fd < 0) {
		if (*hk_fd >= 0)
			close(*hk_fd);
		*hk_fd = -1;
		return api_fail(e, MSB_ERR_SETUP, "memfd: %s", strerror(*hk_fd < 0 ? saved : errno));
	}
	return MSB_OK;
}

/* Ends a monitor that failed to serve us: it gets its socket's EOF first, then a kill. */
static void
reap(pid_t pid, int timeout_ms)
{
	int status;

	for (int waited = 0; waited < timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static msb_status
handshake(msb_ssh_client *c, int fd, ssh_key host, ssh_key client, const char *name,
    struct api_err *e)
{
	long timeout = CONNECT_TIMEOUT_S;
	int no = 0;
	ssh_key seen = NULL;

	c->fd = fd;
	c->session = ssh_new();
	if (c->session == NULL)
		return api_fail(e, MSB_ERR_NOMEM, "ssh_new failed");
	if (ssh_options_set(c->session, SSH_OPTIONS_FD, &fd) != SSH_OK)
		return api_fail(e, MSB_ERR_SSH, "libssh: %s", ssh_get_error(c->session));
	if (ssh_options_set(c->session, SSH_OPTIONS_HOST, name) != SSH_OK ||
	    ssh_options_set(c->session, SSH_OPTIONS_USER, c->user) != SSH_OK ||
	    ssh_options_set(c->session, SSH_OPTIONS_PROCESS_CONFIG, &no) != SSH_OK ||
	    ssh_options_set(c->session, SSH_OPTIONS_TIMEOUT, &timeout) != SSH_OK ||
	    ssh_options_set(c->session, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519") != SSH_OK)
		return api_fail(e, MSB_ERR_SSH, "libssh options: %s", ssh_get_error(c->session));
	if (ssh_connect(c->session) != SSH_OK)
		return api_fail(e, MSB_ERR_SSH, "SSH handshake with sandbox '%s' failed: %s", name,
		    ssh_get_error(c->session));
	if (ssh_get_server_publickey(c->session, &seen) != SSH_OK)
		return api_fail(e, MSB_ERR_SSH, "no host key: %s", ssh_get_error(c->session));
	int same = ssh_key_cmp(seen, host, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(seen);
	if (!same)
		return api_fail(e, MSB_ERR_SSH, "the server's host key is not the one made for it");
	int rc = ssh_userauth_publickey(c->session, NULL, client);
	if (rc != SSH_AUTH_SUCCESS)
		return api_fail(e, rc == SSH_AUTH_ERROR ? MSB_ERR_SSH : MSB_ERR_AUTH,
		    "authentication as '%s' failed: %s", c->user, ssh_get_error(c->session));
	return MSB_OK;
}

static void
client_free(msb_ssh_client *c)
{
	if (c->session != NULL) {
		ssh_disconnect(c->session);
		ssh_free(c->session);
	}
	/* libssh leaves a socket it was handed open; its EOF is the server's cue to end. */
	if (c->fd >= 0)
		close(c->fd);
	if (c->monitor > 0)
		reap(c->monitor, CLOSE_WAIT_MS);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

MSB_API msb_status
msb_ssh_connect(msb_sandbox *sb, const msb_ssh_client_opts *opts, msb_ssh_client **out)
{
	msb_ssh_client_opts o;
	ssh_key host = NULL, client = NULL;
	int sp[2] = { -1, -1 }, hk = -1, ak = -1;
	msb_status st;

	if (sb == NULL || out == NULL)
		return MSB_ERR_INVALID;
	*out = NULL;
	msb_ssh_client_opts_init(&o);
	if (opts != NULL)
		o = *opts;
	const char *term = o.term != NULL ? o.term : getenv("TERM");
	if (term == NULL || term[0] == '\0')
		term = "xterm";
	if (o.user == NULL || o.user[0] == '\0' || strlen(o.user) > 255 || strlen(term) > 127)
		return api_fail(&sb->err, MSB_ERR_INVALID, "invalid user or term");
	if ((st = api_sandbox_ready(sb->name, &sb->err)) != MSB_OK ||
	    (st = api_server_check(&sb->err)) != MSB_OK)
		return st;

	msb_ssh_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return api_fail(&sb->err, MSB_ERR_NOMEM, "out of memory");
	c->fd = -1;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return api_fail(&sb->err, MSB_ERR_NOMEM, "pthread_mutex_init failed");
	}
	snprintf(c->user, sizeof(c->user), "%s", o.user);
	snprintf(c->term, sizeof(c->term), "%s", term);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &host) != SSH_OK ||
	    ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &client) != SSH_OK) {
		st = api_fail(&sb->err, MSB_ERR_KEYS, "cannot generate Ed25519 keys");
		goto out;
	}
	if ((st = key_files(host, client, &hk, &ak, &sb->err)) != MSB_OK)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
		st = api_fail(&sb->err, MSB_ERR_SETUP, "socketpair: %s", strerror(errno));
		goto out;
	}
	const struct api_server_cfg cfg = {
		.sandbox = sb->name, .host_key_fd = hk, .authkeys_fd = ak, .sftp = o.sftp != 0,
	};
	st = api_server_spawn(&cfg, sp[1], &c->monitor, &sb->err);
	close(sp[1]);
	if (st != MSB_OK) {
		close(sp[0]);
		goto out;
	}
	st = handshake(c, sp[0], host, client, sb->name, &sb->err);
out:
	if (hk >= 0)
		close(hk);
	if (ak >= 0)
		close(ak);
	ssh_key_free(host);
	ssh_key_free(client);
	if (st != MSB_OK) {
		client_free(c);
		return st;
	}
	*out = c;
	api_ok(&sb->err);
	return api_ok(&c->err);
}

MSB_API msb_status
msb_ssh_client_close(msb_ssh_client *c)
{
	if (c != NULL)
		client_free(c);
	return MSB_OK;
}

void
msb_ssh_client_interrupt(msb_ssh_client *c)
{
	/* shutdown, not close: the descriptor stays libssh's until the client
	 * is closed, and a blocked poll or read on it wakes to an EOF.
	 * It fails only on a socket that is down already, which is the aim. */
	if (c != NULL && c->fd >= 0)
		(void)shutdown(c->fd, SHUT_RDWR);
}
