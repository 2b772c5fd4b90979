/*
 * Starting msb's own server for one connection: msb-monitor, exactly as
 * `msb ssh serve` runs it (preauth child, session worker and all), with the
 * keys handed over in memfds when they live only in memory.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "host/helpers.h"
#include "host/msb_home.h"
#include "host/preauth_env.h"
#include "host/spawn.h"
#include "lib/strict_modes.h"

msb_status
api_server_check(struct api_err *e)
{
	char path[PATH_MAX];
	struct api_capture cap;
	uid_t uid;
	gid_t gid;

	char why[MSB_HELPER_WHY_LEN];

	if (msb_helper_find(path, sizeof(path), "msb-monitor", why, sizeof(why)) != 0)
		return api_fail(e, MSB_ERR_SETUP, "%s", why);
	api_capture_begin(&cap);
	int rc = msb_home_path(path, sizeof(path), "ssh") != 0 || msb_mkdirs(path, 0700) != 0 ? -1 : 0;
	if (rc != 0 && cap.msg[0] == '\0')
		snprintf(cap.msg, sizeof(cap.msg), "cannot create MSB_HOME/ssh: %s", strerror(errno));
	int dfd = rc == 0 ? msb_strict_open(path, MSB_STRICT_SSH_DIR) : -1;
	if (dfd >= 0)
		close(dfd);
	else
		rc = -1;
	if (rc == 0 && geteuid() == 0)
		rc = msb_preauth_user(msb_preauth_user_default(), &uid, &gid) != 0 ||
		    msb_preauth_chroot_ensure(MSB_PREAUTH_CHROOT) != 0 ? -1 : 0;
	api_capture_end();
	return rc == 0 ? MSB_OK : api_fail(e, MSB_ERR_SETUP, "%s", cap.msg);
}

int
api_memfd(const char *name, const char *text, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) != 0)
		goto bad;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto bad;
		off += (size_t)w;
	}
	return fd;
bad:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

msb_status
api_server_spawn(const struct api_server_cfg *cfg, int sock, pid_t *pid, struct api_err *e)
{
	char monitor[PATH_MAX], audit[PATH_MAX], hk_fd[8], ak_fd[8];
	char *argv[20] = { "msb-monitor", "--sandbox", (char *)cfg->sandbox };
	int fds[3] = { sock };
	size_t n = 3, nfds = 1;
	sigset_t none;

	if (msb_helper_path(monitor, sizeof(monitor), "msb-monitor") != 0 ||
	    msb_home_path(audit, sizeof(audit), "ssh/audit.log") != 0)
		return api_fail(e, MSB_ERR_SETUP, "path too long");
	if (cfg->host_key_fd >= 0) {
		snprintf(hk_fd, sizeof(hk_fd), "%zu", 3 + nfds);
		fds[nfds++] = cfg->host_key_fd;
		argv[n++] = "--host-key-fd";
		argv[n++] = hk_fd;
	} else {
		argv[n++] = "--host-key";
		argv[n++] = (char *)cfg->host_key_path;
	}
	if (cfg->authkeys_fd >= 0) {
		snprintf(ak_fd, sizeof(ak_fd), "%zu", 3 + nfds);
		fds[nfds++] = cfg->authkeys_fd;
		argv[n++] = "--authorized-keys-fd";
		argv[n++] = ak_fd;
	} else {
		argv[n++] = "--authorized-keys";
		argv[n++] = (char *)cfg->authkeys_path;
	}
	argv[n++] = "--audit-log";
	argv[n++] = audit;
	/* The client ends the connection; an idle native session is not a stale login. */
	argv[n++] = "--idle-timeout";
	argv[n++] = "0";
	argv[n++] = "--log-level";
	argv[n++] = "error";
	if (cfg->user != NULL) {
		argv[n++] = "--user";
		argv[n++] = (char *)cfg->user;
	}
	if (!cfg->sftp)
		argv[n++] = "--no-sftp";
	argv[n] = NULL;

	struct api_capture cap;
	api_capture_begin(&cap);
	*pid = sigemptyset(&none) == 0 ?
	    msb_spawn(monitor, argv, fds, nfds, NULL, &none, MSB_SPAWN_SETSID) : -1;
	api_capture_end();
	if (*pid < 0)
		return api_fail(e, MSB_ERR_SETUP, "cannot start %s: %s", monitor, cap.msg);
	return MSB_OK;
}

int
api_server_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;   /* ECHILD: the caller's own SIGCHLD handling reaped it */
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
