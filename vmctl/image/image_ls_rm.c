#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "image_int.h"
#include "lib/log.h"
#include "host/msb_home.h"

static int
images_dir(char *buf, size_t len)
{
	if (msb_home_path(buf, len, "images") != 0) {
		error("cannot find the images directory");
		return -1;
	}
	return 0;
}

/* Skips hidden entries: locks and builds in progress. */
static int
visible(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static void
list_one(FILE *out, const char *images, const char *name)
{
	char dir[PATH_MAX], kver[256], created[64];
	uint64_t bytes, entries;

	if (snprintf(dir, sizeof(dir), "%s/%s", images, name) >= (int)sizeof(dir))
		return;
	if (image_conf_get(dir, "kernel_version", kver, sizeof(kver)) != 0 ||
	    image_conf_get(dir, "created", created, sizeof(created)) != 0) {
		fprintf(out, "%-24s %10s  %-24s %s\n", name, "-", "-",
		    "(incomplete: msb image build rebuilds it)");
		return;
	}
	if (image_tree_usage(dir, &bytes, &entries) != 0)
		return;
	fprintf(out, "%-24s %8.1fM  %-24s %s\n", name,
	    (double)bytes / (1024 * 1024), kver, created);
}

int
msb_image_list(FILE *out)
{
	char images[PATH_MAX];
	struct dirent **names;
	int n;

	if (images_dir(images, sizeof(images)) != 0)
		return -1;
	if ((n = scandir(images, &names, visible, alphasort)) == -1) {
		if (errno == ENOENT)
			n = 0, names = NULL;
		else {
			error("cannot read %s: %s", images, strerror(errno));
			return -1;
		}
	}
	fprintf(out, "%-24s %10s  %-24s %s\n", "NAME", "SIZE", "KERNEL", "CREATED");
	for (int i = 0; i < n; i++) {
		list_one(out, images, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	if (fflush(out) != 0) {
		error("cannot write the list: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
msb_image_remove(const char *name)
{
	char images[PATH_MAX], final[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	const char *why;
	int lock, rc = -1;

	if (msb_name_check(name, &why) != 0) {
		error("bad image name '%s': %s", name, why);
		return -1;
	}
	if (images_dir(images, sizeof(images)) != 0)
		return -1;
	if (snprintf(final, sizeof(final), "%s/%s", images, name) >= (int)sizeof(final))
		return -1;
	if (lstat(final, &st) != 0) {
		if (errno == ENOENT)
			error("no image %s", name);
		else
			error("%s: %s", final, strerror(errno));
		return -1;
	}
	if ((lock = image_lock(images, name)) == -1)
		return -1;
	/*
	 * Renamed over an empty temporary directory first, so that the name
	 * is gone at once and an interrupted removal is cleaned up like an
	 * interrupted build.
	 */
	if (image_temp_dir(tmp, sizeof(tmp), images, name) != 0)
		goto out;
	if (rename(final, tmp) != 0) {
		error("cannot remove %s: %s", final, strerror(errno));
		if (rmdir(tmp) != 0)
			error_f("rmdir %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = image_tree_remove(tmp);
out:
	close(lock);
	return rc;
}
