#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/helpers.h"
#include "image_int.h"
#include "lib/log.h"

#define MKROOTFS_HELPER "msb-mkrootfs-debian"

int
image_rootfs_default(const char *staging)
{
	char helper[PATH_MAX], why[MSB_HELPER_WHY_LEN];

	if (msb_helper_find(helper, sizeof(helper), MKROOTFS_HELPER, why, sizeof(why)) != 0) {
		error("%s", why);
		return -1;
	}
	char *argv[] = { helper, (char *)staging, NULL };
	return image_run(argv);
}

/*
 * The guest mounts devtmpfs over /dev, so whatever a tarball has there is
 * never seen; a device node elsewhere is a mistake or a trap. Either way
 * the disk gets none.
 */
static int
drop_device(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	if (!S_ISBLK(st->st_mode) && !S_ISCHR(st->st_mode))
		return 0;
	info("leaving out device node %s", path);
	if (unlink(path) != 0) {
		error("cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
image_rootfs_from_tar(const char *tar, const char *staging)
{
	char tarprog[PATH_MAX];
	int fd;

	if ((fd = open(tar, O_RDONLY | O_CLOEXEC)) == -1) {
		error("cannot read %s: %s", tar, strerror(errno));
		return -1;
	}
	close(fd);
	if (msb_tool_find(tarprog, sizeof(tarprog), "tar") != 0) {
		error("tar not found (apt-get install tar)");
		return -1;
	}
	/*
	 * GNU tar already refuses to write outside the directory: it strips
	 * leading '/' and '../', skips names with '..' and defers symlinks
	 * that point away until nothing can be written through them.
	 * Owners are kept by number (the guest's passwd, not the host's,
	 * names them); without root they all become the builder's.
	 */
	char *argv[] = {
		tarprog, "--extract", "--file", (char *)tar,
		"--directory", (char *)staging,
		"--numeric-owner", "--preserve-permissions",
		"--anchored", "--exclude=dev/?*", "--exclude=./dev/?*",
		NULL,
	};
	if (image_run(argv) != 0) {
		error("cannot extract %s", tar);
		return -1;
	}
	if (nftw(staging, drop_device, 16, FTW_PHYS) != 0) {
		error("cannot scan %s", staging);
		return -1;
	}
	return 0;
}

int
image_rootfs_check_shell(const char *root, const char *what)
{
	char sh[PATH_MAX];
	struct stat st;
	int n = snprintf(sh, sizeof(sh), "%s/bin/sh", root);

	if (n < 0 || (size_t)n >= sizeof(sh)) {
		error("path too long: %s", root);
		return -1;
	}
	/* lstat: an absolute symlink means the guest's file, not the host's. */
	if (lstat(sh, &st) != 0) {
		error("%s has no /bin/sh: msb runs every command, scp and rsync "
		    "with a shell, /bin/sh when passwd names none, so such a "
		    "root cannot serve a sandbox", what);
		return -1;
	}
	return 0;
}
