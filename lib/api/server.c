/*
 * ssh.server(): a reusable endpoint. Each serve call runs one msb-monitor
 * on the given connection, so every connection gets the same privilege
 * separation as `msb ssh serve`.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "host/authkeys.h"
#include "host/hostkey.h"
#include "host/msb_home.h"
#include "lib/relay.h"
#include "lib/strict_modes.h"

struct msb_ssh_server {
	struct api_err err;
	char sandbox[128];
	char host_key_path[PATH_MAX];
	int host_key_fd;
	char authkeys_path[PATH_MAX];
	int authkeys_fd;
	char *user;
	bool sftp;
};

MSB_API void
msb_ssh_server_opts_init(msb_ssh_server_opts *opts)
{
	if (opts != NULL)
		*opts = (msb_ssh_server_opts){ .sftp = 1 };
}

MSB_API const char *
msb_ssh_server_errmsg(const msb_ssh_server *srv)
{
	return srv != NULL ? srv->err.msg : "no server";
}

static msb_status
host_key(msb_ssh_server *srv, const msb_ssh_server_opts *o, struct api_err *e)
{
	struct api_capture cap;

	if (o->host_key != NULL) {
		ssh_key k = NULL;
		if (ssh_pki_import_privkey_base64(o->host_key, NULL, NULL, NULL, &k) != SSH_OK)
			return api_fail(e, MSB_ERR_KEYS, "host_key is not an unencrypted private key");
		ssh_key_free(k);
		srv->host_key_fd = api_memfd("msb-host-key", o->host_key, strlen(o->host_key));
		return srv->host_key_fd >= 0 ? MSB_OK :
		    api_fail(e, MSB_ERR_SETUP, "memfd: %s", strerror(errno));
	}
	api_capture_begin(&cap);
	int rc = o->host_key_path != NULL ?
	    snprintf(srv->host_key_path, sizeof(srv->host_key_path), "%s", o->host_key_path) < 0 :
	    msb_home_path(srv->host_key_path, sizeof(srv->host_key_path), "ssh/host_ed25519_key");
	if (rc == 0)
		rc = msb_hostkey_ensure(srv->host_key_path);
	api_capture_end();
	return rc == 0 ? MSB_OK : api_fail(e, MSB_ERR_KEYS, "host key: %s", cap.msg);
}

/*
 * In-memory keys go to a memfd, after the path's keys when both are given
 * (the file is then read once, now); a path alone is read per connection.
 * Either way the set must hold a usable key now.
 */
static msb_status
authorized_keys(msb_ssh_server *srv, const msb_ssh_server_opts *o, struct api_err *e)
{
	struct msb_authkeys ks = { NULL, 0 };
	struct api_capture cap;
	int rc = 0;

	api_capture_begin(&cap);
	if (o->authorized_keys_path != NULL)
		snprintf(srv->authkeys_path, sizeof(srv->authkeys_path), "%s", o->authorized_keys_path);
	else if (o->n_authorized_keys == 0)
		rc = msb_home_path(srv->authkeys_path, sizeof(srv->authkeys_path), "ssh/authorized_keys");
	size_t have = 0;
	if (rc == 0 && srv->authkeys_path[0] != '\0') {
		rc = msb_authkeys_load(srv->authkeys_path, &ks);
		have = ks.n;
		msb_authkeys_free(&ks);
	}
	api_capture_end();
	if (rc != 0)
		return api_fail(e, MSB_ERR_KEYS, "%s", cap.msg);
	if (o->n_authorized_keys == 0)
		return have > 0 ? MSB_OK : api_fail(e, MSB_ERR_KEYS, "no usable key in %s",
		    srv->authkeys_path);

	for (size_t i = 0; i < o->n_authorized_keys; i++) {
		const char *k = o->authorized_keys[i];
		if (k == NULL || strchr(k, '\n') != NULL)
			return api_fail(e, MSB_ERR_INVALID, "authorized key %zu: one line expected", i);
	}
	char *text = NULL;
	size_t tlen = 0;
	FILE *mem = open_memstream(&text, &tlen);
	if (mem == NULL)
		return api_fail(e, MSB_ERR_NOMEM, "out of memory");
	if (srv->authkeys_path[0] != '\0') {
		int fd = msb_strict_open(srv->authkeys_path, MSB_STRICT_AUTH_KEYS);
		FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (fd >= 0 && f == NULL)
			close(fd);
		char line[MSB_AUTHKEYS_LINE_MAX];
		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			fputs(line, mem);
		if (f != NULL)
			fclose(f);
		fputc('\n', mem);
	}
	for (size_t i = 0; i < o->n_authorized_keys; i++)
		fprintf(mem, "%s\n", o->authorized_keys[i]);
	if (fclose(mem) != 0 || text == NULL)
		return api_fail(e, MSB_ERR_NOMEM, "out of memory");
	api_capture_begin(&cap);
	rc = msb_authkeys_parse(text, tlen, "authorized_keys", &ks);
	api_capture_end();
	have = rc == 0 ? ks.n : 0;
	msb_authkeys_free(&ks);
	if (have == 0) {
		free(text);
		return api_fail(e, MSB_ERR_KEYS, "no usable authorized key%s%s",
		    cap.msg[0] != '\0' ? ": " : "", cap.msg);
	}
	srv->authkeys_fd = api_memfd("msb-authorized-keys", text, tlen);
	free(text);
	return srv->authkeys_fd >= 0 ? MSB_OK :
	    api_fail(e, MSB_ERR_SETUP, "memfd: %s", strerror(errno));
}

MSB_API void
msb_ssh_server_close(msb_ssh_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->host_key_fd >= 0)
		close(srv->host_key_fd);
	if (srv->authkeys_fd >= 0)
		close(srv->authkeys_fd);
	free(srv->user);
	free(srv);
}

MSB_API msb_status
msb_ssh_server_new(msb_sandbox *sb, const msb_ssh_server_opts *opts, msb_ssh_server **out)
{
	msb_ssh_server_opts o;
	msb_status st;

	if (sb == NULL || out == NULL)
		return MSB_ERR_INVALID;
	*out = NULL;
	msb_ssh_server_opts_init(&o);
	if (opts != NULL)
		o = *opts;
	if (o.user != NULL && (o.user[0] == '\0' || strlen(o.user) > 255))
		return api_fail(&sb->err, MSB_ERR_INVALID, "invalid user '%s'", o.user);
	if (o.n_authorized_keys > 0 && o.authorized_keys == NULL)
		return api_fail(&sb->err, MSB_ERR_INVALID, "n_authorized_keys without keys");
	if ((st = api_server_check(&sb->err)) != MSB_OK)
		return st;
	msb_ssh_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return api_fail(&sb->err, MSB_ERR_NOMEM, "out of memory");
	srv->host_key_fd = srv->authkeys_fd = -1;
	srv->sftp = o.sftp != 0;
	snprintf(srv->sandbox, sizeof(srv->sandbox), "%s", sb->name);
	if (o.user != NULL && (srv->user = strdup(o.user)) == NULL)
		st = api_fail(&sb->err, MSB_ERR_NOMEM, "out of memory");
	if (st == MSB_OK)
		st = host_key(srv, &o, &sb->err);
	if (st == MSB_OK)
		st = authorized_keys(srv, &o, &sb->err);
	if (st != MSB_OK) {
		msb_ssh_server_close(srv);
		return st;
	}
	*out = srv;
	return api_ok(&sb->err);
}

static msb_status
serve_start(msb_ssh_server *srv, int fd, pid_t *pid)
{
	msb_status st = api_sandbox_ready(srv->sandbox, &srv->err);

	if (st != MSB_OK)
		return st;
	const struct api_server_cfg cfg = {
		.sandbox = srv->sandbox, .host_key_path = srv->host_key_path,
		.host_key_fd = srv->host_key_fd, .authkeys_path = srv->authkeys_path,
		.authkeys_fd = srv->authkeys_fd, .user = srv->user, .sftp = srv->sftp,
	};
	return api_server_spawn(&cfg, fd, pid, &srv->err);
}

static msb_status
serve_finish(msb_ssh_server *srv, pid_t pid)
{
	switch (api_server_wait(pid)) {
	case 0: return api_ok(&srv->err);
	case 2: return api_fail(&srv->err, MSB_ERR_AUTH, "the client did not authenticate");
	default: return api_fail(&srv->err, MSB_ERR_SSH, "the connection ended with an error "
	    "(msb-monitor's messages and MSB_HOME/ssh/audit.log say which)");
	}
}

MSB_API msb_status
msb_ssh_server_serve_fd(msb_ssh_server *srv, int fd)
{
	int type;
	socklen_t len = sizeof(type);
	pid_t pid;

	if (srv == NULL)
		return MSB_ERR_INVALID;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
		return api_fail(&srv->err, MSB_ERR_INVALID, "fd %d is not a stream socket", fd);
	msb_status st = serve_start(srv, fd, &pid);
	return st != MSB_OK ? st : serve_finish(srv, pid);
}

MSB_API msb_status
msb_ssh_server_serve_stdio(msb_ssh_server *srv)
{
	int sp[2];
	pid_t pid;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct api_capture cap;

	if (srv == NULL)
		return MSB_ERR_INVALID;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
		return api_fail(&srv->err, MSB_ERR_IO, "socketpair: %s", strerror(errno));
	msb_status st = serve_start(srv, sp[1], &pid);
	close(sp[1]);
	if (st != MSB_OK) {
		close(sp[0]);
		return st;
	}
	/* A client that hangs up must end the relay with EPIPE, not the caller. */
	sigemptyset(&ign.sa_mask);
	int sig = sigaction(SIGPIPE, &ign, &old);
	api_capture_begin(&cap);
	int rc = sig == 0 ? msb_relay(STDIN_FILENO, STDOUT_FILENO, sp[0], sp[0]) : -1;
	api_capture_end();
	if (sig == 0)
		sigaction(SIGPIPE, &old, NULL);
	close(sp[0]);
	st = serve_finish(srv, pid);
	if (st == MSB_OK && rc != 0)
		st = api_fail(&srv->err, MSB_ERR_IO, "stdio relay: %s",
		    sig != 0 ? strerror(errno) : cap.msg);
	return st;
}
