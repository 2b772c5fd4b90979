#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_file.h"

int
msb_safe_dir(const char *path, const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	*base = slash != NULL ? slash + 1 : path;
	if ((*base)[0] == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
msb_safe_create(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | flags, mode);
}

int
msb_safe_append(int dirfd, const char *name, mode_t mode, bool truncate)
{
	struct stat st;
	int fd = openat(dirfd, name,
	    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		errno = EPERM;
		goto fail;
	}
	if (fcntl(fd, F_SETFL, O_APPEND) != 0 || (truncate && ftruncate(fd, 0) != 0))
		goto fail;
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
msb_safe_publish(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
    bool replace)
{
	char tmp[NAME_MAX + 1];
	unsigned char rnd[8];
	int fd = -1;

	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		if (snprintf(tmp, sizeof(tmp), ".%.200s.%02x%02x%02x%02x%02x%02x%02x%02x", name,
		    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]) >= (int)sizeof(tmp)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = msb_safe_create(dirfd, tmp, O_WRONLY, mode);
		if (fd < 0 && errno != EEXIST)
			return -1;
	}
	if (fd < 0)
		return -1;
	int rc = -1;
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
		goto out;
	if (replace)
		rc = renameat(dirfd, tmp, dirfd, name);
	else
		rc = linkat(dirfd, tmp, dirfd, name, 0) == 0 || errno == EEXIST ? 0 : -1;
out:;
	int e = errno;
	close(fd);
	if (rc != 0 || !replace)
		unlinkat(dirfd, tmp, 0);
	errno = e;
	return rc;
}

int
msb_safe_publish_path(const char *path, const void *data, size_t len, mode_t mode, bool replace)
{
	const char *base;
	int dirfd = msb_safe_dir(path, &base);

	if (dirfd < 0)
		return -1;
	int rc = msb_safe_publish(dirfd, base, data, len, mode, replace);
	int e = errno;
	close(dirfd);
	errno = e;
	return rc;
}

int
msb_safe_append_path(const char *path, mode_t mode, bool truncate)
{
	const char *base;
	int dirfd = msb_safe_dir(path, &base);

	if (dirfd < 0)
		return -1;
	int fd = msb_safe_append(dirfd, base, mode, truncate);
	int e = errno;
	close(dirfd);
	errno = e;
	return fd;
}
