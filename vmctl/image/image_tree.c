#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_int.h"
#include "lib/log.h"

/* nftw offers no closure; these walks are never nested or concurrent. */
static uint64_t walk_bytes, walk_entries;

/*
 * Without root, a directory the tree made read-only (tar -p keeps modes)
 * cannot be emptied: open every directory up first.
 */
static int
open_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_D && type != FTW_DNR)
		return 0;
	if (chmod(path, 0700) != 0) {
		error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	/* nftw gave up on its content: walk it again now that it is readable. */
	if (type == FTW_DNR && nftw(path, open_up, 16, FTW_PHYS) != 0)
		return -1;
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT) {
		error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
image_tree_remove(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode) && nftw(path, open_up, 16, FTW_PHYS) != 0)
		return -1;
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		error("cannot remove %s", path);
		return -1;
	}
	return 0;
}

static int
count_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_NS || type == FTW_DNR) {
		error("cannot read %s", path);
		return -1;
	}
	walk_bytes += (uint64_t)st->st_blocks * 512;
	walk_entries++;
	return 0;
}

int
image_tree_usage(const char *path, uint64_t *bytes, uint64_t *entries)
{
	walk_bytes = walk_entries = 0;
	if (nftw(path, count_one, 16, FTW_PHYS) != 0) {
		error("cannot measure %s", path);
		return -1;
	}
	*bytes = walk_bytes;
	*entries = walk_entries;
	return 0;
}

int
image_copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, rc = -1;
	ssize_t n;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		error("cannot read %s: %s", src, strerror(errno));
		return -1;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1) {
		error("cannot create %s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			error("cannot read %s: %s", src, strerror(errno));
			goto out;
		}
		for (ssize_t off = 0; off < n; ) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1) {
				error("cannot write %s: %s", dst, strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	rc = 0;
out:
	if (close(out) != 0 && rc == 0) {
		error("cannot write %s: %s", dst, strerror(errno));
		rc = -1;
	}
	close(in);
	return rc;
}
