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
#include "lib/clock.h"
#include "host/helpers.h"
#include "host/hostkey.h"
#include "listener.h"
#include "lib/mem_trim.h"
#include "mon_conn.h"
#include "host/preauth_env.h"
#include "host/sandbox.h"
#include "vmctl/sandbox_start.h"
#include "lib/signals.h"
#include "host/spawn.h"

/* After the monitor gives up on a connection, how long children get to go. */
#define CLOSE_GRACE_MS 2000
/* How long the listener may take to answer "auth-ok" (it answers at once). */
#define ADMIT_WAIT_MS 5000
/* Where msb_spawn puts the third descriptor it hands the session worker. */
#define SESSION_DIR_FD 5



static void
kill_child(struct mon *m, pid_t pid, int sig)
{
	m->sent_term |= sig == SIGTERM;
	m->sent_kill |= sig == SIGKILL;
	if (pid > 0 && kill(pid, sig) != 0 && errno != ESRCH)
		error_f("kill %ld: %s", (long)pid, strerror(errno));
}

_Noreturn void
mon_violation(struct mon *m, const char *who, const char *what)
{
	msb_audit("protocol violation by the %s: %s; closing the connection", who, what);
	kill_child(m, m->pre_pid, SIGKILL);
	kill_child(m, m->ses_pid, SIGKILL);
	exit(1);
}

void
mon_close(struct mon *m, int status)
{
	m->status = status;
	m->phase = PH_CLOSING;
	mon_peer_close(&m->pre);
	kill_child(m, m->pre_pid, SIGTERM);
	kill_child(m, m->ses_pid, SIGTERM);
	m->kill_deadline = msb_now_ms() + CLOSE_GRACE_MS;
}

void
mon_close_after_preauth(struct mon *m, int status)
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
	char esc[MON_USER_MAX * 4 + 1];
	verbose_f("session worker %ld as uid %lu gid %lu, guest user %s", (long)m->ses_pid,
	    (unsigned long)creds.uid, (unsigned long)creds.gid,
	    msb_log_escape(esc, sizeof(esc), guest, strlen(guest)));
	return mon_send(m->ses.fd, &s);
}

/*
 * Whether the listener admits one more connection to this sandbox
 * (--max-connections). Without a listener (--stdio, native sessions) there
 * is nothing to count; a listener that does not answer admits nothing.
 */
bool
mon_admitted(struct mon *m)
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

void
mon_authenticated(struct mon *m)
{
	m->phase = PH_POSTAUTH;
	m->status = 0;
	/* As msb ssh serve NAME holds it: msb rm waits for the connection. */
	if (m->o->all && (m->serve_hold = sandbox_serve_hold(m->sandbox)) < 0)
		error("cannot hold sandbox '%s' for serving: %s", m->sandbox, strerror(errno));
	if (start_session(m) != 0) {
		msb_audit("cannot start the session worker; closing the connection");
		mon_close(m, 1);
		return;
	}
	/* From here on the monitor only relays audit records: the pages that
	 * key parsing touched in libssh and OpenSSL are not needed again. */
	msb_mem_trim();
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
				mon_close(m, m->failures > 0 ? MSB_MONITOR_EXIT_AUTH_FAIL :
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
			mon_close(m, MSB_MONITOR_EXIT_AUTH_FAIL);
			kill_child(m, m->pre_pid, SIGKILL);
		}
		if (m->kill_deadline != 0 && now >= m->kill_deadline) {
			kill_child(m, m->pre_pid, SIGKILL);
			kill_child(m, m->ses_pid, SIGKILL);
			m->kill_deadline = 0;
		}
		if (pfd[1].revents != 0 && m->pre.fd >= 0)
			mon_service(m, &m->pre, MON_FROM_PREAUTH);
		if (pfd[2].revents != 0 && m->ses.fd >= 0)
			mon_service(m, &m->ses, MON_FROM_WORKER);
		if (pfd[0].revents != 0) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo != SIGCHLD && m->phase != PH_CLOSING) {
					info("signal %u: closing the connection", si.ssi_signo);
					mon_close(m, m->phase == PH_POSTAUTH ? 0 : 1);
				}
			}
			reap(m);
		}
	}
	/* The worker's last AUDIT_CLOSE may still be in the socket; it has
	 * exited, so the end of the stream is at most a few reads away. */
	for (int i = 0; i < 64 && m->ses.fd >= 0; i++)
		mon_service(m, &m->ses, MON_FROM_WORKER);
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
	if (!o->all && mon_load_keys(&m) != 0)
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
