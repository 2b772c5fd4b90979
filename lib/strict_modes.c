#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "strict_modes.h"

/* The policy: what each trusted path must be. */
static const struct strict_rule {
	mode_t type;        /* S_IFDIR or S_IFREG */
	bool follow;        /* may be reached through a symbolic link */
	mode_t forbidden;   /* permission bits that make msb refuse it */
	const char *fix;    /* chmod argument that clears them */
	bool parents;       /* its parent directories are held to the rule too */
} rules[] = {
	[MSB_STRICT_HOME]      = { S_IFDIR, true,  022, "go-w", true },
	[MSB_STRICT_SSH_DIR]   = { S_IFDIR, false, 022, "go-w", false },
	[MSB_STRICT_AUTH_KEYS] = { S_IFREG, false, 022, "go-w", false },
	/* A private key others can read is as bad as one they can write. */
	[MSB_STRICT_HOST_KEY]  = { S_IFREG, false, 077, "600",  false },
};

static bool
owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* The rule's verdict on one stat; NULL when it passes, else why (fix in fix). */
static const char *
judge(const struct stat *st, const struct strict_rule *r, char *fix, size_t len, const char *path)
{
	if ((st->st_mode & S_IFMT) != r->type) {
		snprintf(fix, len, "it must be a %s", r->type == S_IFDIR ? "directory" : "regular file");
		return r->type == S_IFDIR ? "not a directory" : "not a regular file";
	}
	if (!owner_ok(st)) {
		snprintf(fix, len, "chown %ld %s", (long)geteuid(), path);
		return "owned by another user";
	}
	if ((st->st_mode & r->forbidden) != 0) {
		snprintf(fix, len, "chmod %s %s", r->fix, path);
		return r->forbidden == 022 ? "writable by others" : "accessible by others";
	}
	return NULL;
}

/* A parent may be shared if root owns it and its sticky bit stops others renaming our entry. */
static const char *
judge_parent(const struct stat *st, char *fix, size_t len, const char *path)
{
	if (!owner_ok(st)) {
		snprintf(fix, len, "chown %ld %s", (long)geteuid(), path);
		return "owned by another user";
	}
	if ((st->st_mode & 022) != 0 && !(st->st_uid == 0 && (st->st_mode & S_ISVTX) != 0)) {
		snprintf(fix, len, "chmod go-w %s", path);
		return "writable by others";
	}
	return NULL;
}

static int
refuse(const char *path, const char *why, const char *fix)
{
	error("refusing %s: %s (%s)", path, why, fix);
	return -1;
}

/* Cuts path (a canonical name, or empty once unknown) to its parent's. */
static void
parent_name(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == NULL)
		path[0] = '\0';
	else if (slash == path)
		path[1] = '\0';
	else
		*slash = '\0';
}

/* Walks ".." from fd to the root directory, checking each parent. */
static int
check_parents(int fd, const char *path)
{
	char name[PATH_MAX];
	struct stat st, up;
	int cur = dup(fd), rc = -1;

	/* Only for messages: the checks follow the descriptors. */
	if (realpath(path, name) == NULL)
		snprintf(name, sizeof(name), "%s", path);
	if (cur < 0 || fstat(cur, &st) != 0) {
		error("cannot check %s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		/* O_PATH: a parent need only be searchable, as /tmp/x (0711) is. */
		int next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) != 0) {
			error("cannot check the parents of %s: %s", path, strerror(errno));
			if (next >= 0)
				close(next);
			goto out;
		}
		close(cur);
		cur = next;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
			break;
		parent_name(name);
		char fix[PATH_MAX + 32];
		const char *why = judge_parent(&up, fix, sizeof(fix), name[0] ? name : "..");
		if (why != NULL) {
			char what[PATH_MAX + 64];
			snprintf(what, sizeof(what), "its parent %s is %s", name, why);
			refuse(path, what, fix);
			goto out;
		}
		st = up;
	}
	rc = 0;
out:
	if (cur >= 0)
		close(cur);
	return rc;
}

int
msb_strict_check_fd(int fd, const char *path, enum msb_strict_kind kind)
{
	const struct strict_rule *r = &rules[kind];
	char fix[PATH_MAX + 32];
	struct stat st;

	if (fstat(fd, &st) != 0) {
		error("cannot check %s: %s", path, strerror(errno));
		return -1;
	}
	const char *why = judge(&st, r, fix, sizeof(fix), path);
	if (why != NULL)
		return refuse(path, why, fix);
	return r->parents ? check_parents(fd, path) : 0;
}

int
msb_strict_open(const char *path, enum msb_strict_kind kind)
{
	const struct strict_rule *r = &rules[kind];
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (r->follow ? 0 : O_NOFOLLOW) |
	    (r->type == S_IFDIR ? O_DIRECTORY : O_NONBLOCK);
	int fd = open(path, flags);

	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e == ENOENT)
			return -1;
		if ((e == ELOOP || e == ENOTDIR) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			refuse(path, "a symbolic link", "replace it with the file itself");
		else if (e == ENOTDIR)
			refuse(path, "not a directory", "it must be a directory");
		else
			error("cannot open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (msb_strict_check_fd(fd, path, kind) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* O_NONBLOCK only kept a FIFO from blocking the open. */
	if (r->type == S_IFREG && fcntl(fd, F_SETFL, 0) != 0) {
		error("cannot open %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
