#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdint.h>
#include <unistd.h>

#include "capped_log.h"
#include "env_number.h"
#include "safe_file.h"

#define CAP_MIN 4096

off_t
msb_capped_log_cap(const char *env, off_t def)
{
	return (off_t)msb_env_number(env, (unsigned long long)def, CAP_MIN, INT64_MAX);
}

static int
rotated_name(const struct msb_capped_log *l, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s.1", l->name) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
msb_capped_log_open(struct msb_capped_log *l, const char *path, off_t cap, bool fresh,
    bool shared)
{
	const char *base;
	char old[sizeof(l->name) + 2];
	struct stat st;

	l->fd = -1;
	l->cap = cap;
	l->shared = shared;
	l->dirfd = msb_safe_dir(path, &base);
	if (l->dirfd < 0)
		return -1;
	if (snprintf(l->name, sizeof(l->name), "%s", base) >= (int)sizeof(l->name)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if (fresh && (rotated_name(l, old, sizeof(old)) != 0 ||
	    (unlinkat(l->dirfd, old, 0) != 0 && errno != ENOENT)))
		goto fail;
	l->fd = msb_safe_append(l->dirfd, l->name, 0600, fresh);
	if (l->fd >= 0 && fstat(l->fd, &st) == 0) {
		l->size = st.st_size;
		return 0;
	}
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
fail:;
	int e = errno;
	close(l->dirfd);
	l->dirfd = -1;
	errno = e;
	return -1;
}

/* Moves to the file now under the log's name if another writer rotated it; true if it did. */
static int
follow(struct msb_capped_log *l, bool *moved)
{
	struct stat mine, named;

	*moved = false;
	if (fstat(l->fd, &mine) != 0)
		return -1;
	if (fstatat(l->dirfd, l->name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	    named.st_dev == mine.st_dev && named.st_ino == mine.st_ino)
		return 0;
	int fd = msb_safe_append(l->dirfd, l->name, 0600, false);
	if (fd < 0)
		return -1;
	close(l->fd);
	l->fd = fd;
	*moved = true;
	return 0;
}

/* With the lock held (if shared): starts a new file if len more bytes would pass the cap. */
static int
rotate_if_full(struct msb_capped_log *l, size_t len)
{
	char old[sizeof(l->name) + 2];
	struct stat st;

	if (l->shared) {
		if (fstat(l->fd, &st) != 0)
			return -1;
		l->size = st.st_size;
	}
	if (l->size == 0 || l->size + (off_t)len <= l->cap)
		return 0;
	if (rotated_name(l, old, sizeof(old)) != 0 || renameat(l->dirfd, l->name, l->dirfd, old) != 0)
		return -1;
	int fd = msb_safe_append(l->dirfd, l->name, 0600, false);
	if (fd < 0)
		return -1;
	/* The old file's lock goes with its descriptor. */
	close(l->fd);
	l->fd = fd;
	l->size = 0;
	return 0;
}

int
msb_capped_log_write(struct msb_capped_log *l, const void *buf, size_t len)
{
	bool moved = true;

	if (l->fd < 0) {
		errno = EBADF;
		return -1;
	}
	while (l->shared && moved) {
		if (flock(l->fd, LOCK_EX) != 0 || follow(l, &moved) != 0)
			return -1;
	}
	int rc = rotate_if_full(l, len);
	const char *p = buf;
	while (rc == 0 && len > 0) {
		ssize_t w = write(l->fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -1;
			break;
		}
		p += w;
		len -= (size_t)w;
		l->size += w;
	}
	int e = errno;
	if (l->shared)
		flock(l->fd, LOCK_UN);
	errno = e;
	return rc;
}

void
msb_capped_log_close(struct msb_capped_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	l->fd = l->dirfd = -1;
}
