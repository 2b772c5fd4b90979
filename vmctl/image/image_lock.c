#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "image_int.h"
#include "lib/log.h"
#include "host/msb_home.h"

#define BUILD_SUFFIX_LEN 6	/* mkdtemp's XXXXXX */

int
image_lock(const char *images, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/.%s.lock", images, name) >= (int)sizeof(path)) {
		error("path too long: %s", images);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600)) == -1) {
		error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int r;

		if (errno != EWOULDBLOCK)
			goto fail;
		info("waiting for another msb working on image %s", name);
		while ((r = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
			;
		if (r != 0)
			goto fail;
	}
	return fd;
fail:
	error("cannot lock %s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

int
image_temp_dir(char *buf, size_t len, const char *images, const char *name)
{
	if (snprintf(buf, len, "%s/.%s.build.XXXXXX", images, name) >= (int)len) {
		error("path too long: %s", images);
		return -1;
	}
	if (mkdtemp(buf) == NULL) {
		error("cannot create a directory in %s: %s", images, strerror(errno));
		return -1;
	}
	return 0;
}

int
image_remove_stale(const char *images, const char *name)
{
	char prefix[MSB_NAME_MAX + 16], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	snprintf(prefix, sizeof(prefix), ".%s.build.", name);
	if ((d = opendir(images)) == NULL) {
		error("cannot read %s: %s", images, strerror(errno));
		return -1;
	}
	/*
	 * Only a build holding the lock has a temporary directory: any found
	 * now was left by one that died. The exact suffix length keeps the
	 * image "a" from taking the leftovers of "a.build".
	 */
	while (errno = 0, (de = readdir(d)) != NULL) {
		size_t plen = strlen(prefix);
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    strlen(de->d_name + plen) != BUILD_SUFFIX_LEN)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", images, de->d_name) >=
		    (int)sizeof(path))
			continue;
		info("removing %s, left by an interrupted build", path);
		if (image_tree_remove(path) != 0)
			rc = -1;
	}
	if (errno != 0) {
		error("cannot read %s: %s", images, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}
