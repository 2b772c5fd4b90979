#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/audit.h"
#include "mon_fixture.h"

static char home[64] = "/tmp/msb-mon-fixture.XXXXXX";
static char global_keys[128], ca_keys[128], record_dir[128], audit_log[128];
static jmp_buf violated;
static bool serving;
static char violation[512];

/* --- the process effects -------------------------------------------------------- */

_Noreturn void
mon_violation(struct mon *m, const char *who, const char *what)
{
	m->phase = PH_CLOSING;
	if (!serving)
		abort();
	snprintf(violation, sizeof(violation), "%s: %s", who, what);
	longjmp(violated, 1);
}

void
mon_close(struct mon *m, int status)
{
	m->status = status;
	m->phase = PH_CLOSING;
	mon_peer_close(&m->pre);
}

void
mon_close_after_preauth(struct mon *m, int status)
{
	m->status = status;
	m->phase = PH_CLOSING;
}

bool
mon_admitted(struct mon *m)
{
	(void)m;
	return true;
}

void
mon_authenticated(struct mon *m)
{
	if (m->key == NULL || m->sandbox == NULL || m->user == NULL)
		abort();   /* accepted with nothing to serve: the handler's bug */
	m->phase = PH_POSTAUTH;
	m->status = 0;
}

/* --- the scratch home ------------------------------------------------------------ */

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "mon_fixture: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

/* Recordings are append-only (FS_APPEND_FL): removable once that is cleared. */
static int
remove_recording(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), flags = 0;

	if (fd < 0)
		return -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_APPEND_FL) != 0) {
		flags &= ~FS_APPEND_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return unlinkat(dir, name, 0);
}

/* Recordings would pile up for a whole fuzzing run: each connection's go. */
static void
remove_recordings(void)
{
	DIR *d = opendir(record_dir);
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && remove_recording(dirfd(d), e->d_name) != 0)
			abort();
	closedir(d);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

static void
remove_home(void)
{
	remove_recordings();
	if (nftw(home, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "mon_fixture: cannot remove %s\n", home);
}

static void
home_file(char *buf, size_t len, const char *name, const char *text)
{
	if ((size_t)snprintf(buf, len, "%s/%s", home, name) >= len)
		abort();
	if (text != NULL)
		put_file(buf, text);
	else if (mkdir(buf, 0700) != 0)
		abort();
}

void
mon_fixture_setup(void)
{
	char path[256];

	msb_log_init("mon_fixture", MSB_LOG_QUIET);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || mkdtemp(home) == NULL ||
	    atexit(remove_home) != 0 || setenv("MSB_HOME", home, 1) != 0) {
		perror("mon_fixture: setup");
		exit(2);
	}
	home_file(path, sizeof(path), "sandboxes", NULL);
	home_file(path, sizeof(path), "sandboxes/box", NULL);
	home_file(path, sizeof(path), "sandboxes/box/config", "accel=tcg\n");
	home_file(path, sizeof(path), "sandboxes/box/authorized_keys", FIX_KEY_USER " user\n"
	    "from=\"10.0.0.0/8,!10.9.9.9\",command=\"uptime\",no-pty " FIX_KEY_OTHER " other\n"
	    "cert-authority,principals=\"alice,root\" " FIX_KEY_CA " ca\n");
	home_file(global_keys, sizeof(global_keys), "authorized_keys", "restrict " FIX_KEY_GLOBAL " global\n");
	home_file(ca_keys, sizeof(ca_keys), "ca_keys", FIX_KEY_CA " every-sandbox\n");
	home_file(record_dir, sizeof(record_dir), "records", NULL);
	snprintf(audit_log, sizeof(audit_log), "%s/audit.log", home);
	if (msb_audit_open(audit_log, "box", "fixture") != 0)
		exit(2);
}

/* --- a connection ---------------------------------------------------------------- */

void
mon_fixture_start(struct mon *m, struct monitor_opts *o, unsigned setup)
{
	*o = (struct monitor_opts){
		.sandbox = (setup & FIX_GATEWAY) ? NULL : "box", .all = (setup & FIX_GATEWAY) != 0,
		.authorized_keys = global_keys, .authorized_keys_fd = -1, .host_key_fd = -1,
		.trusted_user_ca_keys = ca_keys,
		.record_dir = (setup & FIX_RECORD) ? record_dir : NULL, .record_max = 1 << 20,
		.max_tries = (setup & FIX_ONE_TRY) ? 1 : MONITOR_DEFAULT_MAX_TRIES,
		.max_sessions = 10, .grace_s = MONITOR_DEFAULT_GRACE_S,
	};
	memset(m, 0, sizeof(*m));
	m->o = o;
	m->sandbox = o->sandbox;
	m->peer = (setup & FIX_FAR_PEER) ? "192.0.2.1" : "10.1.2.3";
	m->client_fd = m->status_fd = m->mux_worker = m->serve_hold = -1;
	m->status = 1;
	m->phase = PH_PREAUTH;
	mon_peer_init(&m->pre, -1);
	mon_peer_init(&m->ses, -1);
	if (recorder_init(&m->rec, o->record_dir, false, o->record_max) != 0)
		abort();
}

/* What the monitor wrote to the peer's far end. */
static void
collect(int fd, struct msb_buf *answers)
{
	uint8_t buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (answers != NULL && msb_buf_put(answers, buf, (size_t)n) != 0)
			abort();
	close(fd);
}

const char *
mon_fixture_serve(struct mon *m, enum mon_sender from, const uint8_t *data, size_t len,
    struct msb_buf *answers)
{
	struct mon_peer *p = from == MON_FROM_PREAUTH ? &m->pre : &m->ses;
	int sp[2], big = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 ||
	    setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)) != 0 ||
	    fcntl(sp[0], F_SETFL, O_NONBLOCK) != 0 || fcntl(sp[1], F_SETFL, O_NONBLOCK) != 0 ||
	    (len > 0 && write(sp[1], data, len) != (ssize_t)len) || shutdown(sp[1], SHUT_WR) != 0)
		abort();
	mon_peer_close(p);
	mon_peer_init(p, sp[0]);
	serving = true;
	const char *result = NULL;
	if (setjmp(violated) == 0) {
		while (p->fd >= 0)
			mon_service(m, p, from);
	} else {
		result = violation;
	}
	serving = false;
	collect(sp[1], answers);
	return result;
}

void
mon_fixture_end(struct mon *m)
{
	mon_peer_close(&m->pre);
	mon_peer_close(&m->ses);
	recorder_free(&m->rec);
	tenant_keys_free(&m->keys);
	msb_authkey_free(&m->cert_key);
	free(m->user);
	if (m->o->record_dir != NULL)
		remove_recordings();
}
