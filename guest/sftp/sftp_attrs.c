#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sftp_attrs.h"

void
sftp_attrs_from_stat(const struct stat *st, struct sftp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->flags = SFTP_ATTR_SIZE | SFTP_ATTR_UIDGID | SFTP_ATTR_PERMISSIONS |
	    SFTP_ATTR_ACMODTIME;
	a->size = (uint64_t)st->st_size;
	a->uid = (uint32_t)st->st_uid;
	a->gid = (uint32_t)st->st_gid;
	a->perm = (uint32_t)st->st_mode;
	/* v3 times are 32-bit; like OpenSSH, truncate rather than refuse. */
	a->atime = (uint32_t)st->st_atime;
	a->mtime = (uint32_t)st->st_mtime;
}

static int
apply_size(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd)
{
	if (a->size > INT64_MAX) {
		errno = EFBIG;
		return -1;
	}
	switch (target) {
	case SFTP_ATTRS_FD:
		return ftruncate(fd, (off_t)a->size);
	case SFTP_ATTRS_PATH:
		return truncate(path, (off_t)a->size);
	case SFTP_ATTRS_LINK:
		break;
	}
	/* A symlink has no size to set. */
	errno = EINVAL;
	return -1;
}

static int
apply_mode(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd)
{
	mode_t mode = (mode_t)(a->perm & 07777);

	switch (target) {
	case SFTP_ATTRS_FD:
		return fchmod(fd, mode);
	case SFTP_ATTRS_PATH:
		return chmod(path, mode);
	case SFTP_ATTRS_LINK:
		return fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW);
	}
	errno = EINVAL;
	return -1;
}

static int
apply_times(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd)
{
	struct timespec ts[2] = {
		{ .tv_sec = (time_t)a->atime, .tv_nsec = 0 },
		{ .tv_sec = (time_t)a->mtime, .tv_nsec = 0 },
	};

	switch (target) {
	case SFTP_ATTRS_FD:
		return futimens(fd, ts);
	case SFTP_ATTRS_PATH:
		return utimensat(AT_FDCWD, path, ts, 0);
	case SFTP_ATTRS_LINK:
		return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	}
	errno = EINVAL;
	return -1;
}

static int
apply_owner(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd)
{
	switch (target) {
	case SFTP_ATTRS_FD:
		return fchown(fd, (uid_t)a->uid, (gid_t)a->gid);
	case SFTP_ATTRS_PATH:
		return chown(path, (uid_t)a->uid, (gid_t)a->gid);
	case SFTP_ATTRS_LINK:
		return lchown(path, (uid_t)a->uid, (gid_t)a->gid);
	}
	errno = EINVAL;
	return -1;
}

int
sftp_attrs_apply(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd, const char **what)
{
	static const struct {
		uint32_t flag;
		const char *name;
		int (*fn)(const struct sftp_attrs *, enum sftp_attrs_target,
		    const char *, int);
	} steps[] = {
		{ SFTP_ATTR_SIZE, "truncate", apply_size },
		{ SFTP_ATTR_PERMISSIONS, "chmod", apply_mode },
		{ SFTP_ATTR_ACMODTIME, "set times", apply_times },
		{ SFTP_ATTR_UIDGID, "chown", apply_owner },
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((a->flags & steps[i].flag) == 0)
			continue;
		if (steps[i].fn(a, target, path, fd) != 0) {
			*what = steps[i].name;
			return -1;
		}
	}
	return 0;
}
