#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/helpers.h"
#include "image_int.h"
#include "lib/log.h"

#define MIB		((uint64_t)1024 * 1024)
/* Free room in the template; sandboxes copy the disk and grow it further. */
#define EXT4_MARGIN	(256 * MIB)
/* Spare inodes, so small files can fill that room. */
#define EXT4_SPARE_INODES 32768

int
image_ext4_make(const char *src, const char *out,
    const struct image_owner *owners, size_t nowners)
{
	char mke2fs[PATH_MAX], size[32], inodes[32];
	uint64_t bytes, entries;
	int fd;

	if (msb_tool_find(mke2fs, sizeof(mke2fs), "mke2fs") != 0) {
		error("mke2fs not found (apt-get install e2fsprogs)");
		return -1;
	}
	if (image_tree_usage(src, &bytes, &entries) != 0)
		return -1;
	/* Metadata and block rounding: an eighth on top of the content. */
	uint64_t total = bytes + bytes / 8 + EXT4_MARGIN;
	total = (total + 4 * MIB - 1) / (4 * MIB) * (4 * MIB);
	snprintf(size, sizeof(size), "%" PRIu64 "k", total / 1024);
	snprintf(inodes, sizeof(inodes), "%" PRIu64, entries * 2 + EXT4_SPARE_INODES);
	/*
	 * Fixed 4 KiB blocks and 256-byte inodes: below 512 MiB mke2fs would
	 * otherwise pick its "small" profile (1 KiB blocks), a poor start
	 * for a disk that sandboxes grow. Inode tables are zeroed now (mke2fs
	 * punches holes, so it costs no space) rather than by every guest's
	 * first mount, in each sandbox's copy.
	 */
	char *argv[] = {
		mke2fs, "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256",
		"-N", inodes, "-L", "msb-root",
		"-E", "root_owner=0:0,lazy_itable_init=0",
		"-d", (char *)src, (char *)out, size, NULL,
	};
	/* An existing file keeps mke2fs from announcing that it creates one. */
	if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1) {
		error("cannot create %s: %s", out, strerror(errno));
		return -1;
	}
	close(fd);
	verbose_f("%s: %" PRIu64 " bytes in %" PRIu64 " entries -> %s",
	    src, bytes, entries, size);
	if (image_run(argv) != 0) {
		error("cannot make the root disk %s", out);
		return -1;
	}
	if (geteuid() != 0)
		return image_ext4_owners(out, src, owners, nowners);
	return 0;
}
