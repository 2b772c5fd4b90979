#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "host/msb_home.h"
#include "host/sandbox.h"
#include "sandbox_uid.h"

static const char *
registry_path(void)
{
	const char *env = getenv("MSB_UID_REGISTRY");

	return env != NULL && env[0] == '/' ? env : SANDBOX_UID_REGISTRY;
}

/* Opens the registry directory, creating it (root only, 0700). */
static int
registry_open(char *err, size_t errlen)
{
	const char *path = registry_path();

	if (msb_mkdirs(path, 0700) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s must be owned by root and writable by no one else "
		    "(chown root %s; chmod go-w %s)", path, path, path);
		close(fd);
		return -1;
	}
	return fd;
}

/* The sandbox directory an entry names, or "" when unreadable. */
static void
entry_owner(int dfd, const char *entry, char *dir, size_t len)
{
	int fd = openat(dfd, entry, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, dir, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	dir[n > 0 ? (size_t)n : 0] = '\0';
}

/* Whether the sandbox an entry names is gone or no longer uses the uid. */
static bool
entry_stale(const char *owner, uid_t uid)
{
	char path[PATH_MAX];
	struct sandbox_config cfg;

	if (owner[0] != '/' || snprintf(path, sizeof(path), "%s/config", owner) >= (int)sizeof(path))
		return true;
	if (sandbox_config_read(path, &cfg) != 0)
		return errno == ENOENT || errno == ENOTDIR || errno == EINVAL;
	return cfg.uid != uid;
}

static int
claim(int dfd, const char *entry, const char *dir)
{
	int fd = openat(dfd, entry, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	size_t n = strlen(dir);
	if (write(fd, dir, n) != (ssize_t)n) {
		int saved = errno;
		close(fd);
		unlinkat(dfd, entry, 0);
		errno = saved ? saved : EIO;
		return -1;
	}
	return close(fd);
}

uid_t
sandbox_uid_alloc(const char *dir, char *err, size_t errlen)
{
	int dfd = registry_open(err, errlen);

	if (dfd < 0)
		return 0;
	for (uid_t uid = SANDBOX_UID_BASE; uid < SANDBOX_UID_BASE + SANDBOX_UID_COUNT; uid++) {
		char entry[16], owner[PATH_MAX];
		snprintf(entry, sizeof(entry), "%lu", (unsigned long)uid);
		if (getpwuid(uid) != NULL || getgrgid((gid_t)uid) != NULL)
			continue;
		if (claim(dfd, entry, dir) == 0) {
			close(dfd);
			return uid;
		}
		if (errno != EEXIST)
			break;
		entry_owner(dfd, entry, owner, sizeof(owner));
		if (strcmp(owner, dir) == 0) {
			close(dfd);
			return uid;
		}
		if (entry_stale(owner, uid) && unlinkat(dfd, entry, 0) == 0 &&
		    claim(dfd, entry, dir) == 0) {
			close(dfd);
			return uid;
		}
	}
	snprintf(err, errlen, "no free sandbox uid in %u..%u (%s): %s", SANDBOX_UID_BASE,
	    SANDBOX_UID_BASE + SANDBOX_UID_COUNT - 1, registry_path(),
	    errno == EEXIST ? "all in use" : strerror(errno));
	close(dfd);
	return 0;
}

void
sandbox_uid_release(uid_t uid, const char *dir)
{
	char err[256], entry[16], owner[PATH_MAX];

	if (uid < SANDBOX_UID_BASE || uid >= SANDBOX_UID_BASE + SANDBOX_UID_COUNT)
		return;
	int dfd = registry_open(err, sizeof(err));
	if (dfd < 0) {
		error("%s", err);
		return;
	}
	snprintf(entry, sizeof(entry), "%lu", (unsigned long)uid);
	entry_owner(dfd, entry, owner, sizeof(owner));
	if (strcmp(owner, dir) == 0 && unlinkat(dfd, entry, 0) != 0)
		error("cannot release uid %lu: %s", (unsigned long)uid, strerror(errno));
	close(dfd);
}
