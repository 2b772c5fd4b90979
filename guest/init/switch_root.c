#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "boot_steps.h"

#define ROOT_WAIT_MS 5000
#define ROOT_POLL_MS 10
/* The initramfs is a handful of flat directories; deeper means something odd. */
#define MAX_TREE_DEPTH 16

/* The disk's node appears in devtmpfs when virtio_blk has probed it. */
static int
wait_for_block_device(const char *dev)
{
	const struct timespec pause = { 0, ROOT_POLL_MS * 1000000L };
	int64_t deadline = msb_now_ms() + ROOT_WAIT_MS;
	struct stat st;

	for (;;) {
		if (stat(dev, &st) == 0) {
			if (S_ISBLK(st.st_mode))
				return 0;
			error_f("%s is not a block device", dev);
			return -1;
		}
		if (errno != ENOENT) {
			error_f("stat %s: %s", dev, strerror(errno));
			return -1;
		}
		if (msb_now_ms() >= deadline) {
			error_f("root device %s did not appear within %d ms",
			    dev, ROOT_WAIT_MS);
			return -1;
		}
		if (nanosleep(&pause, NULL) == -1 && errno != EINTR) {
			error_f("nanosleep: %s", strerror(errno));
			return -1;
		}
	}
}

int
msb_init_mount_root(const struct msb_cmdline *cl)
{
	char dev[128] = "/dev/vda", fstype[32] = "ext4";
	unsigned long flags = 0;

	if (msb_cmdline_get(cl, "msb.root", dev, sizeof(dev)) == -1 ||
	    msb_cmdline_get(cl, "msb.rootfstype", fstype, sizeof(fstype)) == -1)
		return -1;
	if (msb_cmdline_flag(cl, "msb.ro"))
		flags |= MS_RDONLY;
	if (wait_for_block_device(dev) == -1)
		return -1;
	if (mkdir(MSB_INIT_NEWROOT, 0755) == -1 && errno != EEXIST) {
		error_f("mkdir %s: %s", MSB_INIT_NEWROOT, strerror(errno));
		return -1;
	}
	if (mount(dev, MSB_INIT_NEWROOT, fstype, flags, NULL) == -1) {
		error_f("mount %s (%s) on %s: %s", dev, fstype,
		    MSB_INIT_NEWROOT, strerror(errno));
		return -1;
	}
	info_f("mounted root %s (%s, %s)", dev, fstype,
	    (flags & MS_RDONLY) ? "ro" : "rw");
	return 0;
}

/*
 * Removes everything below dirfd that lives on device rootdev; mount points
 * (the new root and anything else mounted) are left alone. Consumes dirfd.
 */
static void
delete_tree(int dirfd, dev_t rootdev, int depth)
{
	struct dirent *de;
	DIR *dir;

	if ((dir = fdopendir(dirfd)) == NULL) {
		error_f("fdopendir: %s", strerror(errno));
		if (close(dirfd) == -1)
			error_f("close: %s", strerror(errno));
		return;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		struct stat st;
		int isdir;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
			error_f("stat %s: %s", name, strerror(errno));
			continue;
		}
		if (st.st_dev != rootdev)
			continue;
		isdir = S_ISDIR(st.st_mode);
		if (isdir) {
			int sub;
			if (depth >= MAX_TREE_DEPTH) {
				error_f("%s: deeper than %d levels, left",
				    name, MAX_TREE_DEPTH);
				continue;
			}
			sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (sub == -1) {
				error_f("open %s: %s", name, strerror(errno));
				continue;
			}
			delete_tree(sub, rootdev, depth + 1);
		}
		if (unlinkat(dirfd, name, isdir ? AT_REMOVEDIR : 0) == -1 &&
		    errno != EBUSY)
			error_f("remove %s: %s", name, strerror(errno));
	}
	if (errno != 0)
		error_f("readdir: %s", strerror(errno));
	if (closedir(dir) == -1)
		error_f("closedir: %s", strerror(errno));
}

/* Carries the early API mounts over; a failure is mended by root mounts. */
static void
move_api_mounts(void)
{
	static const char *const mounts[] = { "/dev", "/proc", "/sys" };
	char dst[64];

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		int n = snprintf(dst, sizeof(dst), "%s%s", MSB_INIT_NEWROOT,
		    mounts[i]);
		if (n < 0 || (size_t)n >= sizeof(dst))
			continue;
		if (mkdir(dst, 0755) == -1 && errno != EEXIST)
			error_f("mkdir %s: %s", dst, strerror(errno));
		if (mount(mounts[i], dst, NULL, MS_MOVE, NULL) == 0)
			continue;
		error_f("move %s to %s: %s", mounts[i], dst, strerror(errno));
		if (umount2(mounts[i], MNT_DETACH) == -1)
			error_f("umount %s: %s", mounts[i], strerror(errno));
	}
}

int
msb_init_switch_root(void)
{
	struct statfs sfs;
	struct stat st;
	int rootfd;

	move_api_mounts();
	if (chdir(MSB_INIT_NEWROOT) == -1) {
		error_f("chdir %s: %s", MSB_INIT_NEWROOT, strerror(errno));
		return -1;
	}
	if ((rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		error_f("open /: %s", strerror(errno));
		return -1;
	}
	if (fstat(rootfd, &st) == -1 || fstatfs(rootfd, &sfs) == -1) {
		error_f("stat /: %s", strerror(errno));
		if (close(rootfd) == -1)
			error_f("close: %s", strerror(errno));
		return -1;
	}
	/* Only ever delete from the initramfs, never from a real disk. */
	if (sfs.f_type != RAMFS_MAGIC && sfs.f_type != TMPFS_MAGIC) {
		error_f("/ is not an initramfs (fs type 0x%lx), not switching",
		    (unsigned long)sfs.f_type);
		if (close(rootfd) == -1)
			error_f("close: %s", strerror(errno));
		return -1;
	}
	/* The initramfs memory is freed only once its files are gone. */
	delete_tree(rootfd, st.st_dev, 0);
	if (mount(".", "/", NULL, MS_MOVE, NULL) == -1) {
		error_f("move %s to /: %s", MSB_INIT_NEWROOT, strerror(errno));
		return -1;
	}
	if (chroot(".") == -1) {
		error_f("chroot: %s", strerror(errno));
		return -1;
	}
	if (chdir("/") == -1) {
		error_f("chdir /: %s", strerror(errno));
		return -1;
	}
	info_f("switched root to the root disk");
	return 0;
}
