#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "boot_steps.h"

struct fs_mount {
	const char *source;
	const char *target;
	const char *fstype;
	unsigned long flags;
	const char *data;
	mode_t dir_mode;
};

#define MNT_SAFE (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const struct fs_mount early_mounts[] = {
	{ "proc", "/proc", "proc", MNT_SAFE, NULL, 0555 },
	{ "sysfs", "/sys", "sysfs", MNT_SAFE, NULL, 0555 },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755 },
};

/* Parents before children: /dev must be mounted before /dev/pts. */
static const struct fs_mount root_mounts[] = {
	{ "proc", "/proc", "proc", MNT_SAFE, NULL, 0555 },
	{ "sysfs", "/sys", "sysfs", MNT_SAFE, NULL, 0555 },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755 },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	  "ptmxmode=0666,gid=5,mode=620", 0755 },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777 },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 0755 },
};

/* A directory on another device than its parent is a mount point. */
static int
is_mountpoint(const char *path)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	int n;

	n = snprintf(parent, sizeof(parent), "%s/..", path);
	if (n < 0 || (size_t)n >= sizeof(parent))
		return 0;
	if (stat(path, &st) == -1 || stat(parent, &pst) == -1)
		return 0;
	return st.st_dev != pst.st_dev;
}

static int
mount_fs(const struct fs_mount *m)
{
	if (mkdir(m->target, m->dir_mode) == -1 && errno != EEXIST) {
		error_f("mkdir %s: %s", m->target, strerror(errno));
		return -1;
	}
	if (is_mountpoint(m->target)) {
		debug_f("%s already mounted", m->target);
		return 0;
	}
	if (mount(m->source, m->target, m->fstype, m->flags, m->data) == -1) {
		if (errno == EBUSY)
			return 0;
		error_f("mount %s on %s: %s", m->fstype, m->target,
		    strerror(errno));
		return -1;
	}
	debug_f("mounted %s on %s", m->fstype, m->target);
	return 0;
}

static int
mount_all(const struct fs_mount *list, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		if (mount_fs(&list[i]) == -1)
			ret = -1;
	}
	return ret;
}

/*
 * The kernel opens /dev/console for init from the initramfs; if that
 * failed, log lines would go nowhere, so fds 0-2 are reopened on the
 * console devtmpfs provides.
 */
static int
ensure_console_fds(void)
{
	int fd = -1;

	for (int i = 0; i <= STDERR_FILENO; i++) {
		if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (fd == -1 &&
		    (fd = open("/dev/console", O_RDWR | O_NOCTTY)) == -1) {
			error_f("open /dev/console: %s", strerror(errno));
			return -1;
		}
		if (fd != i && dup2(fd, i) == -1) {
			error_f("dup2 console to %d: %s", i, strerror(errno));
			return -1;
		}
	}
	if (fd > STDERR_FILENO && close(fd) == -1) {
		error_f("close: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
msb_init_early_mounts(void)
{
	if (mount_all(early_mounts,
	    sizeof(early_mounts) / sizeof(early_mounts[0])) == -1)
		return -1;
	return ensure_console_fds();
}

/* Programs open /dev/ptmx; devtmpfs provides it, a symlink does otherwise. */
static int
ensure_ptmx(void)
{
	int fd;

	if ((fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT) {
			error_f("open /dev/ptmx: %s", strerror(errno));
			return -1;
		}
		if (symlink("pts/ptmx", "/dev/ptmx") == -1) {
			error_f("symlink /dev/ptmx: %s", strerror(errno));
			return -1;
		}
		if ((fd = open("/dev/ptmx", O_RDWR | O_NOCTTY |
		    O_CLOEXEC)) == -1) {
			error_f("open /dev/ptmx: %s", strerror(errno));
			return -1;
		}
	}
	if (close(fd) == -1) {
		error_f("close /dev/ptmx: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
msb_init_root_mounts(void)
{
	if (mount_all(root_mounts,
	    sizeof(root_mounts) / sizeof(root_mounts[0])) == -1)
		return -1;
	if (ensure_ptmx() == -1)
		return -1;
	info_f("mounted /proc /sys /dev /dev/pts /dev/shm /tmp /run");
	return 0;
}
