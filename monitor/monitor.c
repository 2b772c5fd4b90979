#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "mem_trim.h"
#include "authkeys.h"
#include "helpers.h"
#include "hostkey.h"
#include "listener.h"
#include "mon_io.h"
#include "monitor.h"
#include "preauth_env.h"
#include "recorder.h"
#include "sandbox.h"
#include "sandbox_start.h"
#include "signals.h"
#include "session_limits.h"
#include "spawn.h"
#include "ssh_cert.h"
#include "fail_delay.h"
#include "login_route.h"
#include "tenant_cert.h"
#include "cert_verify.h"

/* After the monitor gives up on a connection, how long children get to go. */
#define CLOSE_GRACE_MS 2000
/* How long the listener may take to answer "auth-ok" (it answers at once). */
#define ADMIT_WAIT_MS 5000
/* Where msb_spawn puts the third descriptor it hands the session worker. */
#define SESSION_DIR_FD 5
#define USER_MAX 256

enum phase { PH_PREAUTH, PH_POSTAUTH, PH_CLOSING };

struct mon {
	const struct monitor_opts *o;
	struct tenant_keys keys;
	bool keys_loaded;
	const char *sandbox;           /* the one served: --sandbox's, or the login's; NULL: none such */
	struct login_route route;      /* the gateway's reading of the login name */
	int serve_hold;                /* the gateway's hold on the sandbox (msb rm waits) */
	struct fail_delay delay;
	struct msb_authkey cert_key;   /* what a certificate login may do, once accepted */
	const char *peer;          /* numeric client address, NULL without a network peer */
	char peer_buf[NI_MAXHOST];
	int client_fd, status_fd;
	int mux_worker;            /* the session worker's end of "mux", until it starts */
	sigset_t mask;
	struct mon_peer pre, ses;
	pid_t pre_pid, ses_pid;
	struct msb_cgroup ses_cg;  /* the session worker's resource limits */
	struct recorder rec;       /* --record */
	enum phase phase;
	unsigned failures;
	bool seen_request;
	char *user;                /* fixed by the first request */
	char user_log[USER_MAX * 4 + 1];
	const struct msb_authkey *key;  /* the accepted one */
	int status;
	int64_t grace_deadline, kill_deadline;
	bool sent_term, sent_kill; /* a child that dies of these died of us */
};


static void
kill_child(struct mon *m, pid_t pid, int sig)
{
	m->sent_term |= sig == SIGTERM;
	m->sent_kill |= sig == SIGKILL;
	if (pid > 0 && kill(pid, sig) != 0 && errno != ESRCH)
		error_f("kill %ld: %s", (long)pid, strerror(errno));
}

/* Any step outside the phase table, or a malformed frame: end everything now. */
static _Noreturn void
violation(struct mon *m, const char *who, const char *what)
{
	msb_audit("protocol violation by the %s: %s; closing the connection", who, what);
	kill_child(m, m->pre_pid, SIGKILL);
	kill_child(m, m->ses_pid, SIGKILL);
	exit(1);
}

/* Stop serving: children get SIGTERM now and SIGKILL after CLOSE_GRACE_MS. */
static void
close_connection(struct mon *m, int status)
{
	m->status = status;
	m->phase = PH_CLOSING;
	mon_peer_close(&m->pre);
	kill_child(m, m->pre_pid, SIGTERM);
	kill_child(m, m->ses_pid, SIGTERM);
	m->kill_deadline = msb_now_ms() + CLOSE_GRACE_MS;
}

/* As close_connection, but the preauth child ends first, telling the client why. */
static void
close_after_preauth(struct mon *m, int status)
{
	m->status = status;
	m->phase = PH_CLOSING;
	m->kill_deadline = msb_now_ms() + CLOSE_GRACE_MS;
}

static void
peer_address(struct mon *m)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	m->peer = NULL;
	if (getpeername(m->client_fd, (struct sockaddr *)&ss, &len) != 0 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
		return;
	if (getnameinfo((struct sockaddr *)&ss, len, m->peer_buf, sizeof(m->peer_buf), NULL, 0,
	    NI_NUMERICHOST) == 0)
		m->peer = m->peer_buf;
}

static int
start_preauth(struct mon *m, int mon_end, int mux_end)
{
	char path[PATH_MAX], uid[16], gid[16];
	char *argv[9] = { "msb-preauth" };
	uid_t u;
	gid_t g;

	if (msb_helper_path(path, sizeof(path), "msb-preauth") != 0) {
		error("helper path too long");
		return -1;
	}
	if (geteuid() == 0) {
		if (msb_preauth_chroot_ensure(m->o->chroot_dir) != 0 ||
		    msb_preauth_user(m->o->preauth_user, &u, &g) != 0)
			return -1;
		snprintf(uid, sizeof(uid), "%lu", (unsigned long)u);
		snprintf(gid, sizeof(gid), "%lu", (unsigned long)g);
		argv[1] = "--chroot";
		argv[2] = (char *)m->o->chroot_dir;
		argv[3] = "--uid";
		argv[4] = uid;
		argv[5] = "--gid";
		argv[6] = gid;
	}
	int fds[3] = { m->client_fd, mon_end, mux_end };
	m->pre_pid = msb_spawn(path, argv, fds, 3, NULL, &m->mask, 0);
	return m->pre_pid < 0 ? -1 : 0;
}

static int
send_start(struct mon *m)
{
	char key[MSB_HOSTKEY_MAX];
	long n = m->o->host_key_fd >= 0 ?
	    msb_hostkey_read_fd(m->o->host_key_fd, m->o->host_key, key, sizeof(key)) :
	    msb_hostkey_read(m->o->host_key, key, sizeof(key));

	if (n < 0)
		return -1;
	struct msb_mon hk = { .type = MSB_MON_HOSTKEY, .key = key, .key_len = (size_t)n };
	int rc = mon_send(m->pre.fd, &hk);
	if (rc == 0)
		rc = fail_delay_init(&m->delay, key, (size_t)n);
	explicit_bzero(key, sizeof(key));
	if (rc != 0)
		return -1;
	struct msb_mon cfg = {
		.type = MSB_MON_CONFIG, .version = MSB_MON_VERSION, .log_level = m->o->log_level,
		.idle_timeout_s = m->o->idle_timeout_s,
		/* OpenSSH's ciphers rekey well before these; they bound a long session's key use. */
		.rekey_bytes = 1ull << 30, .rekey_s = 3600,
	};
	return mon_send(m->pre.fd, &cfg);
}

static const char *
method_name(uint32_t method)
{
	switch (method) {
	case MSB_MON_METHOD_NONE: return "none";
	case MSB_MON_METHOD_PASSWORD: return "password";
	case MSB_MON_METHOD_PUBLICKEY: return "publickey";
	case MSB_MON_METHOD_KBDINT: return "keyboard-interactive";
	default: return "other";
	}
}

/* The uid a sandbox runs as: its own (root made it), else its directory's owner. */
static int
sandbox_owner(const char *name, uid_t *uid, gid_t *gid)
{
	char dir[PATH_MAX], cfgpath[PATH_MAX];
	struct sandbox_config cfg;
	struct stat st;

	if (sandbox_path(dir, sizeof(dir), name, NULL) != 0 ||
	    sandbox_path(cfgpath, sizeof(cfgpath), name, "config") != 0 ||
	    stat(dir, &st) != 0 || sandbox_config_read(cfgpath, &cfg) != 0) {
		error("cannot find sandbox '%s': %s", name, strerror(errno));
		return -1;
	}
	*uid = cfg.uid != 0 ? cfg.uid : st.st_uid;
	*gid = cfg.uid != 0 ? (gid_t)cfg.uid : st.st_gid;
	return 0;
}

/*
 * A server outlives its sandbox's runs: one stopped or crashed since the
 * last connection boots again for this one (once, however many connections
 * wait on it). A failure is logged here; the session worker then tells the
 * client that the sandbox cannot be reached.
 */
static void
boot_sandbox(const char *name)
{
	struct sandbox_started st;
	char err[PATH_MAX * 2 + 256];

	if (sandbox_boot(name, &st, err, sizeof(err)) != 0) {
		error("%s", err);
		msb_audit("sandbox not running and could not be started");
		return;
	}
	if (!st.already)
		info("sandbox '%s' was not running: started it in %.2f s (%s)", name,
		    st.ms / 1000.0, st.accel);
}

/* Starts msb-session as the sandbox owner and tells it what to serve. */
static int
start_session(struct mon *m)
{
	char path[PATH_MAX], vsock[PATH_MAX + 8], dir[PATH_MAX], env[1024];
	char *argv[] = { "msb-session", NULL };
	struct msb_spawn_creds creds = { .uid = getuid(), .gid = getgid(), .no_caps = true };
	int sp[2], dirfd = -1;

	if (msb_helper_path(path, sizeof(path), "msb-session") != 0)
		return -1;
	const char *v = getenv("MSB_SESSION_VSOCK");
	if (v != NULL && v[0] != '\0') {
		snprintf(vsock, sizeof(vsock), "%s", v);
	} else if (sandbox_path(dir, sizeof(dir), m->sandbox, NULL) != 0) {
		return -1;
	} else {
		boot_sandbox(m->sandbox);
		/* The worker reaches its sandbox's sockets through this
		 * descriptor alone: the directories above it (root's home,
		 * say) need not be open to the sandbox's uid. */
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dirfd < 0) {
			error("cannot open %s: %s", dir, strerror(errno));
			return -1;
		}
		snprintf(vsock, sizeof(vsock), "vsock:/proc/self/fd/%d/vsock.sock", SESSION_DIR_FD);
	}
	if (geteuid() == 0 && sandbox_owner(m->sandbox, &creds.uid, &creds.gid) != 0) {
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	if (snprintf(env, sizeof(env), "%s%s%s", MONITOR_DEFAULT_ENV_ALLOW,
	    m->o->accept_env != NULL ? "," : "",
	    m->o->accept_env != NULL ? m->o->accept_env : "") >= (int)sizeof(env)) {
		error("--accept-env list too long");
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
		error_f("socketpair: %s", strerror(errno));
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	int fds[3] = { sp[1], m->mux_worker, dirfd };
	m->ses_pid = msb_spawn(path, argv, fds, dirfd >= 0 ? 3 : 2, &creds, &m->mask, 0);
	if (m->ses_pid > 0)
		session_limits_enter(&m->ses_cg, m->ses_pid);
	close(sp[1]);
	if (dirfd >= 0)
		close(dirfd);
	close(m->mux_worker);
	m->mux_worker = -1;
	mon_peer_init(&m->ses, sp[0]);
	if (m->ses_pid < 0)
		return -1;

	const char *guest = m->route.user[0] != '\0' ? m->route.user :
	    m->o->user != NULL ? m->o->user : m->o->all ? "root" : m->user;
	uint32_t flags = (m->key->no_pty ? MSB_MON_F_NO_PTY : 0) |
	    (m->key->no_port_forwarding ? MSB_MON_F_NO_PORT_FORWARD : 0) |
	    (m->o->no_sftp ? MSB_MON_F_NO_SFTP : 0) |
	    (m->o->sftp_read_only ? MSB_MON_F_SFTP_READ_ONLY : 0) |
	    (m->o->sftp_allow != NULL ? MSB_MON_F_SFTP_ALLOW : 0) |
	    (m->key->command != NULL ? MSB_MON_F_FORCED_COMMAND : 0) |
	    recorder_flags(&m->rec);
	const char *cmd = m->key->command != NULL ? m->key->command : "";
	const char *deny = m->o->sftp_deny != NULL ? m->o->sftp_deny : "";
	const char *allow = m->o->sftp_allow != NULL ? m->o->sftp_allow : "";
	struct msb_mon s = {
		.type = MSB_MON_SESSION, .version = MSB_MON_VERSION,
		.user = m->user, .user_len = strlen(m->user),
		.guest_user = guest, .guest_user_len = strlen(guest),
		.flags = flags, .command = cmd, .command_len = strlen(cmd),
		.vsock = vsock, .vsock_len = strlen(vsock),
		.env_allow = env, .env_allow_len = strlen(env),
		.log_level = m->o->log_level, .idle_timeout_s = m->o->idle_timeout_s,
		.sftp_deny = deny, .sftp_deny_len = strlen(deny),
		.sftp_allow = allow, .sftp_allow_len = strlen(allow),
		.max_sessions = m->o->max_sessions,
		.record_max = m->rec.max,
	};
	char esc[USER_MAX * 4 + 1];
	verbose_f("session worker %ld as uid %lu gid %lu, guest user %s", (long)m->ses_pid,
	    (unsigned long)creds.uid, (unsigned long)creds.gid,
	    msb_log_escape(esc, sizeof(esc), guest, strlen(guest)));
	return mon_send(m->ses.fd, &s);
}

static void
answer(struct mon *m, uint32_t result)
{
	unsigned left = m->failures < m->o->max_tries ? m->o->max_tries - m->failures : 0;
	struct msb_mon a = { .type = MSB_MON_AUTH_ANSWER, .result = result, .tries_left = left };

	if (mon_send(m->pre.fd, &a) != 0) {
		msb_audit("the preauth child stopped reading; closing the connection");
		close_connection(m, MSB_MONITOR_EXIT_AUTH_FAIL);
	}
}

/*
 * Whether the listener admits one more connection to this sandbox
 * (--max-connections). Without a listener (--stdio, native sessions) there
 * is nothing to count; a listener that does not answer admits nothing.
 */
static bool
admitted(struct mon *m)
{
	char line[MSB_STATUS_LINE_MAX], ans[16];
	size_t got = 0;

	if (m->status_fd < 0)
		return true;
	int n = snprintf(line, sizeof(line), "%s%s\n", MSB_STATUS_AUTH_OK, m->sandbox);
	if (n < 0 || (size_t)n >= sizeof(line) || write(m->status_fd, line, (size_t)n) != n) {
		error_f("status socket: %s", n < 0 || (size_t)n >= sizeof(line) ?
		    "sandbox name too long" : strerror(errno));
		return false;
	}
	int64_t deadline = msb_now_ms() + ADMIT_WAIT_MS;
	while (got < sizeof(ans) && memchr(ans, '\n', got) == NULL) {
		int64_t left = deadline - msb_now_ms();
		struct pollfd pfd = { .fd = m->status_fd, .events = POLLIN };
		int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t rd = r > 0 ? read(m->status_fd, ans + got, sizeof(ans) - got) : -1;
		if (rd < 0 && errno == EINTR)
			continue;
		if (rd <= 0) {
			error_f("the listener did not answer: %s", r == 0 ? "timed out" :
			    rd == 0 ? "closed" : strerror(errno));
			return false;
		}
		got += (size_t)rd;
	}
	close(m->status_fd);
	m->status_fd = -1;
	return got == strlen(MSB_STATUS_ADMIT) && memcmp(ans, MSB_STATUS_ADMIT, got) == 0;
}

static void
authenticated(struct mon *m)
{
	m->phase = PH_POSTAUTH;
	m->status = 0;
	/* As msb ssh serve NAME holds it: msb rm waits for the connection. */
	if (m->o->all && (m->serve_hold = sandbox_serve_hold(m->sandbox)) < 0)
		error("cannot hold sandbox '%s' for serving: %s", m->sandbox, strerror(errno));
	if (start_session(m) != 0) {
		msb_audit("cannot start the session worker; closing the connection");
		close_connection(m, 1);
		return;
	}
	/* From here on the monitor only relays audit records: the pages that
	 * key parsing touched in libssh and OpenSSL are not needed again. */
	msb_mem_trim();
}

/*
 * A certificate: checked here, never in the network child, against the CAs
 * this sandbox trusts. Returns the answer.
 */
static uint32_t
certificate(struct mon *m, const struct msb_mon *req, const uint8_t *blob, size_t len)
{
	struct msb_cert_request cr = {
		.now = (uint64_t)time(NULL), .login = m->user,
		.sandbox = m->sandbox != NULL ? m->sandbox : m->route.sandbox,
		.addr = m->peer,
	};
	struct msb_cert_verdict v;
	struct msb_authkey granted;
	const struct msb_authkey *ca = NULL;
	enum tenant_key_source src = TENANT_KEYS_SANDBOX;
	char type[64];

	msb_log_escape(type, sizeof(type), req->key, strcspn(req->key, " "));
	int rc = tenant_keys_cert(&m->keys, blob, len, &cr, &granted, &ca, &src, &v);
	if (rc == 0 && m->sandbox == NULL) {
		msb_authkey_free(&granted);
		snprintf(v.reason, sizeof(v.reason), "no such sandbox");
		rc = -1;
	}
	if (rc != 0) {
		msb_audit("rejected certificate for %s: %s ID \"%s\" serial %llu CA %s (%s)",
		    m->user_log, type, v.key_id, (unsigned long long)v.serial,
		    v.ca_fingerprint[0] != '\0' ? v.ca_fingerprint : "?", v.reason);
		msb_cert_verdict_free(&v);
		return MSB_MON_AUTH_DENY;
	}
	if (!req->is_signed) {
		verbose_f("certificate ID \"%s\" acceptable for %s", v.key_id, m->user_log);
		msb_authkey_free(&granted);
		msb_cert_verdict_free(&v);
		return MSB_MON_AUTH_OK;
	}
	msb_audit("accepted certificate for %s: %s ID \"%s\" serial %llu CA %s (%s line %u)%s%s",
	    m->user_log, type, v.key_id, (unsigned long long)v.serial, v.ca_fingerprint,
	    m->keys.path[src], ca->line, granted.command != NULL ? ", forced command" : "",
	    granted.no_pty ? ", no pty" : "");
	if (msb_cert_fingerprint(blob, len, m->rec.key_fp, sizeof(m->rec.key_fp)) != 0)
		snprintf(m->rec.key_fp, sizeof(m->rec.key_fp), "certificate");
	msb_authkey_free(&m->cert_key);
	m->cert_key = granted;
	m->key = &m->cert_key;
	msb_cert_verdict_free(&v);
	return MSB_MON_AUTH_ALLOW;
}

/* Decides one publickey request; returns the answer. */
static uint32_t
publickey(struct mon *m, const struct msb_mon *req)
{
	char *text = strndup(req->key, req->key_len);
	char fp[128] = "?";
	const char *why = NULL;
	ssh_key key = NULL;
	uint8_t blob[MSB_SSH_CERT_BLOB_MAX];
	size_t blen = 0;

	if (text == NULL)
		fatal_f("out of memory");
	if (msb_ssh_cert_from_line(text, strlen(text), blob, sizeof(blob), &blen, &why) == 0 &&
	    msb_ssh_cert_is_cert(blob, blen)) {
		free(text);
		return certificate(m, req, blob, blen);
	}
	if (msb_pubkey_parse(text, &key, &why) != 0) {
		char esc[64];
		msb_audit("rejected publickey for %s: %s key (%s)", m->user_log,
		    msb_log_escape(esc, sizeof(esc), text, strcspn(text, " ")), why);
		free(text);
		return MSB_MON_AUTH_DENY;
	}
	free(text);
	if (msb_key_fingerprint(key, fp, sizeof(fp)) != 0)
		snprintf(fp, sizeof(fp), "?");
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	enum tenant_key_source src = TENANT_KEYS_SANDBOX;
	const struct msb_authkey *k = tenant_keys_find(&m->keys, key, m->peer, &src, &why);
	ssh_key_free(key);
	/* The same work and the same answer as a key that is not authorized. */
	if (m->sandbox == NULL) {
		k = NULL;
		why = "no such sandbox";
	}
	if (k == NULL) {
		msb_audit("rejected publickey for %s: %s %s (%s)", m->user_log, type, fp, why);
		return MSB_MON_AUTH_DENY;
	}
	if (!req->is_signed) {
		verbose_f("publickey %s %s acceptable for %s (line %u)", type, fp, m->user_log, k->line);
		return MSB_MON_AUTH_OK;
	}
	msb_audit("accepted publickey for %s: %s %s (%s line %u)", m->user_log, type, fp,
	    m->keys.path[src], k->line);
	m->key = k;
	snprintf(m->rec.key_fp, sizeof(m->rec.key_fp), "%s", fp);
	return MSB_MON_AUTH_ALLOW;
}

/*
 * The gateway's sandbox: the one the login name names, if it exists. One
 * that does not is answered as a wrong key is, with the same work done.
 */
static void
route(struct mon *m)
{
	if (!m->o->all)
		return;
	if (login_route_parse(m->user, strlen(m->user), &m->route) == 0 &&
	    sandbox_exists(m->route.sandbox)) {
		m->sandbox = m->route.sandbox;
		msb_audit_sandbox(m->sandbox);
	} else {
		verbose_f("login %s names no sandbox", m->user_log);
	}
}

/* The keys that may open the sandbox (none of its own for one that does not exist). */
static int
load_keys(struct mon *m)
{
	char own[PATH_MAX] = "";

	m->keys_loaded = true;
	if (m->sandbox != NULL && sandbox_path(own, sizeof(own), m->sandbox, "authorized_keys") != 0)
		return -1;
	return tenant_keys_load(&m->keys, own, m->o->authorized_keys, m->o->authorized_keys_fd,
	    m->o->trusted_user_ca_keys);
}

static void
auth_request(struct mon *m, const struct msb_mon *req)
{
	/* From the request's arrival: the keys read for it are part of the answer's time. */
	int64_t start = fail_delay_now_us();

	if (m->phase != PH_PREAUTH)
		violation(m, "preauth child", "AUTH_REQUEST after authentication");
	if (req->user_len == 0 || req->user_len > USER_MAX)
		violation(m, "preauth child", "user name empty or too long");
	if (m->user == NULL) {
		if ((m->user = strndup(req->user, req->user_len)) == NULL)
			fatal_f("out of memory");
		msb_log_escape(m->user_log, sizeof(m->user_log), req->user, req->user_len);
	} else if (strlen(m->user) != req->user_len || memcmp(m->user, req->user, req->user_len) != 0) {
		violation(m, "preauth child", "user changed during authentication");
	}
	if (!m->keys_loaded) {
		route(m);
		if (load_keys(m) != 0) {
			msb_audit("cannot read the keys for %s; closing the connection", m->user_log);
			close_connection(m, 1);
			return;
		}
	}

	uint32_t result = MSB_MON_AUTH_DENY;
	/* As OpenSSH: a client's opening "none" request is a query, not an attempt. */
	bool counted = !(req->method == MSB_MON_METHOD_NONE && !m->seen_request);
	m->seen_request = true;
	if (req->method == MSB_MON_METHOD_PUBLICKEY) {
		result = publickey(m, req);
	} else if (counted) {
		msb_audit("rejected %s for %s: only publickey is accepted", method_name(req->method),
		    m->user_log);
	}
	if (result == MSB_MON_AUTH_DENY && counted)
		m->failures++;
	/* Every refused attempt takes the login's fixed time; for the gateway,
	 * which reads the sandbox's keys at the opening "none" query, that
	 * query's refusal too. */
	if (result == MSB_MON_AUTH_DENY && (counted || m->o->all))
		fail_delay_wait(start, fail_delay_us(&m->delay, m->user));
	if (result == MSB_MON_AUTH_DENY && m->failures >= m->o->max_tries) {
		/* Logged before the answer: the client may see its cut-off no sooner. */
		msb_audit("too many authentication failures for %s (%u); closing the connection",
		    m->user_log, m->failures);
		answer(m, result);
		close_connection(m, MSB_MONITOR_EXIT_AUTH_FAIL);
		return;
	}
	if (result == MSB_MON_AUTH_ALLOW && m->phase == PH_PREAUTH && !admitted(m)) {
		msb_audit("refused %s: sandbox '%s' has all the connections it may have "
		    "(--max-connections); closing the connection", m->user_log, m->sandbox);
		answer(m, MSB_MON_AUTH_FULL);
		close_after_preauth(m, MSB_MONITOR_EXIT_FULL);
		return;
	}
	answer(m, result);
	if (result == MSB_MON_AUTH_ALLOW && m->phase == PH_PREAUTH)
		authenticated(m);
}

static void audit_message(const struct msb_mon *msg);

/* What the session worker may send after authentication; false for anything else. */
static bool
worker_message(struct mon *m, const struct msb_mon *msg)
{
	if (msg->type != MSB_MON_AUDIT_OPEN && msg->type != MSB_MON_AUDIT_CLOSE &&
	    msg->type != MSB_MON_RECORD_OPEN)
		return false;
	if (msg->type == MSB_MON_RECORD_OPEN)
		return recorder_open(&m->rec, m->ses.fd, msg, m->sandbox, m->user) == 0;
	if (msg->type == MSB_MON_AUDIT_OPEN && msg->kind == MSB_MON_KIND_SESSION &&
	    !recorder_has(&m->rec, msg->chan))
		return false;
	audit_message(msg);
	if (msg->type == MSB_MON_AUDIT_CLOSE)
		recorder_closed(&m->rec, msg->chan);
	return true;
}

static void
audit_message(const struct msb_mon *msg)
{
	char detail[1024];

	if (msg->type == MSB_MON_AUDIT_OPEN) {
		msb_log_escape(detail, sizeof(detail), msg->detail, msg->detail_len);
		msb_audit("channel %u open %s: %s", msg->chan,
		    msg->kind == MSB_MON_KIND_SESSION ? "session" : "direct-tcpip", detail);
	} else {
		msb_audit("channel %u close: %llu bytes in, %llu bytes out, exit %d", msg->chan,
		    (unsigned long long)msg->bytes_in, (unsigned long long)msg->bytes_out, (int)msg->exit);
	}
}

/* Reads and handles what one child sent. */
static void
service(struct mon *m, struct mon_peer *p, bool preauth)
{
	const char *who = preauth ? "preauth child" : "session worker";
	int r = mon_peer_fill(p);
	struct msb_mon msg;
	int got = 0;

	while (p->fd >= 0 && (got = msb_mon_get(&p->in, &msg)) == 1) {
		if (preauth && msg.type == MSB_MON_AUTH_REQUEST)
			auth_request(m, &msg);
		else if (preauth || m->phase == PH_PREAUTH || !worker_message(m, &msg))
			violation(m, who, msb_mon_msg_name(msg.type));
		if (p->fd >= 0)
			msb_mon_consume(&p->in, &msg);
	}
	if (p->fd >= 0 && got < 0)
		violation(m, who, "malformed message");
	if (p->fd >= 0 && r <= 0) {
		if (msb_buf_avail(&p->in) > 0)
			violation(m, who, "truncated message");
		verbose_f("the %s closed its channel", who);
		mon_peer_close(p);
	}
}

/*
 * Ending a connection signals the children: dying of that is the ordinary
 * end and stays quiet; a death by any signal we did not send is a crash.
 */
static void
child_ended(const struct mon *m, const char *who, int st)
{
	int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;

	if (sig != 0 && !(sig == SIGTERM && m->sent_term) && !(sig == SIGKILL && m->sent_kill)) {
		const char *name = sigabbrev_np(sig);
		error("%s killed by signal %s%s", who, name != NULL ? name : "?",
		    WCOREDUMP(st) ? " (core dumped)" : "");
		return;
	}
	verbose_f("%s exited (%d)", who, sig != 0 ? 128 + sig : WEXITSTATUS(st));
}

static void
reap(struct mon *m)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == m->pre_pid) {
			m->pre_pid = 0;
			child_ended(m, "preauth child", st);
			kill_child(m, m->ses_pid, SIGTERM);
			if (m->phase == PH_PREAUTH) {
				msb_audit("connection closed before authentication (%u failed attempts)",
				    m->failures);
				close_connection(m, m->failures > 0 ? MSB_MONITOR_EXIT_AUTH_FAIL :
				    MSB_MONITOR_EXIT_NOAUTH);
			}
		} else if (pid == m->ses_pid) {
			m->ses_pid = 0;
			child_ended(m, "session worker", st);
			if (msb_cgroup_oom_killed(&m->ses_cg))
				error("the session worker ran out of memory (its limit: "
				    "MSB_SESSION_MEMORY_MIB, default %u)", SESSION_MEMORY_MIB);
			kill_child(m, m->pre_pid, SIGTERM);
		}
	}
	if (pid < 0 && errno != ECHILD)
		error_f("waitpid: %s", strerror(errno));
}

static void
serve(struct mon *m, int sfd)
{
	while (m->pre_pid > 0 || m->ses_pid > 0) {
		struct pollfd pfd[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = m->pre.fd, .events = POLLIN },
			{ .fd = m->ses.fd, .events = POLLIN },
		};
		int64_t now = msb_now_ms(), deadline = INT64_MAX;
		if (m->phase == PH_PREAUTH)
			deadline = m->grace_deadline;
		if (m->kill_deadline != 0 && m->kill_deadline < deadline)
			deadline = m->kill_deadline;
		int timeout = deadline == INT64_MAX ? -1 : deadline <= now ? 0 : (int)(deadline - now);
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			fatal_f("poll: %s", strerror(errno));
		now = msb_now_ms();
		if (m->phase == PH_PREAUTH && now >= m->grace_deadline) {
			msb_audit("login grace time (%u s) exceeded; closing the connection", m->o->grace_s);
			close_connection(m, MSB_MONITOR_EXIT_AUTH_FAIL);
			kill_child(m, m->pre_pid, SIGKILL);
		}
		if (m->kill_deadline != 0 && now >= m->kill_deadline) {
			kill_child(m, m->pre_pid, SIGKILL);
			kill_child(m, m->ses_pid, SIGKILL);
			m->kill_deadline = 0;
		}
		if (pfd[1].revents != 0 && m->pre.fd >= 0)
			service(m, &m->pre, true);
		if (pfd[2].revents != 0 && m->ses.fd >= 0)
			service(m, &m->ses, false);
		if (pfd[0].revents != 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo != SIGCHLD && m->phase != PH_CLOSING) {
					info("signal %u: closing the connection", si.ssi_signo);
					close_connection(m, m->phase == PH_POSTAUTH ? 0 : 1);
				}
			}
			reap(m);
		}
	}
	/* The worker's last AUDIT_CLOSE may still be in the socket; it has
	 * exited, so the end of the stream is at most a few reads away. */
	for (int i = 0; i < 64 && m->ses.fd >= 0; i++)
		service(m, &m->ses, false);
}

int
monitor_run(const struct monitor_opts *o, int client_fd, int status_fd)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, 0 };
	struct mon m = { .o = o, .client_fd = client_fd, .status_fd = status_fd,
	    .mux_worker = -1, .status = 1, .sandbox = o->sandbox, .serve_hold = -1 };
	int monp[2], mux[2];

	mon_peer_init(&m.pre, -1);
	mon_peer_init(&m.ses, -1);
	msb_cgroup_init(&m.ses_cg);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	int sfd = msb_signalfd(sigs, &m.mask);
	peer_address(&m);
	if (msb_audit_open(o->audit_log, o->all ? "*" : o->sandbox,
	    m.peer != NULL ? m.peer : "stdio") != 0 ||
	    recorder_init(&m.rec, o->record_dir, o->record_input, o->record_max) != 0)
		return 1;
	msb_audit("connection from %s", m.peer != NULL ? m.peer : "stdio (no network address)");
	/* One sandbox's keys are read now, so that a bad file shows before any
	 * client; the gateway's once the login name has picked the sandbox. */
	if (!o->all && load_keys(&m) != 0)
		return 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, monp) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mux) != 0)
		fatal_f("socketpair: %s", strerror(errno));
	m.grace_deadline = msb_now_ms() + (int64_t)o->grace_s * 1000;
	if (start_preauth(&m, monp[1], mux[1]) != 0)
		return 1;
	close(monp[1]);
	close(mux[1]);
	close(m.client_fd);
	m.mux_worker = mux[0];
	mon_peer_init(&m.pre, monp[0]);
	m.phase = PH_PREAUTH;
	if (send_start(&m) != 0) {
		msb_audit("cannot hand the preauth child its host key and settings");
		kill_child(&m, m.pre_pid, SIGKILL);
		return 1;
	}
	serve(&m, sfd);
	msb_audit("connection closed");
	if (m.mux_worker >= 0)
		close(m.mux_worker);
	mon_peer_close(&m.pre);
	mon_peer_close(&m.ses);
	msb_cgroup_destroy(&m.ses_cg);
	recorder_free(&m.rec);
	tenant_keys_free(&m.keys);
	explicit_bzero(&m.delay, sizeof(m.delay));
	if (m.serve_hold >= 0)
		close(m.serve_hold);
	msb_authkey_free(&m.cert_key);
	free(m.user);
	close(sfd);
	return m.status;
}
