/* Pieces of `msb image build`, one job per file. */
#ifndef MSB_IMAGE_INT_H
#define MSB_IMAGE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IMAGE_KERNEL	"vmlinuz"
#define IMAGE_INITRAMFS	"initramfs.cpio.gz"
#define IMAGE_ROOTFS	"rootfs.ext4"
#define IMAGE_CONF	"image.conf"

/* Modules the guest loads from the initramfs (mkinitramfs adds their deps). */
#define IMAGE_MODULES \
	"virtio_mmio virtio_blk virtio_net ext4 vsock vmw_vsock_virtio_transport"

/* image_run.c */
/* Runs argv[0] (a path) and waits. 0 if it exited 0, else -1 (logged). */
int image_run(char *const argv[]);
/* The same with stdout and stderr on the given fds (-1: ours). */
int image_run_fds(char *const argv[], int out_fd, int err_fd);

/* image_tree.c */
/* Removes a tree without following symlinks. 0 or -1 (logged). */
int image_tree_remove(const char *path);
/* Adds up the blocks (bytes) and entries of a tree. 0 or -1 (logged). */
int image_tree_usage(const char *path, uint64_t *bytes, uint64_t *entries);
/* Copies a regular file (mode 0644). 0 or -1 (logged). */
int image_copy_file(const char *src, const char *dst);

/* image_kernel.c */
/*
 * Picks the kernel (kernel, or the newest /boot/vmlinuz-*-cloud-amd64) and
 * its version (kver, or from the file name), and checks that its modules
 * are installed. 0, or -1 after telling the user what to install.
 */
int image_kernel_find(const char *kernel, const char *kver, char *path,
    size_t pathlen, char *ver, size_t verlen);

/* image_rootfs.c */
/* Gathers the default Debian root into staging with msb-mkrootfs-debian. */
int image_rootfs_default(const char *staging);
/* Extracts a tarball into staging, leaving out device nodes. */
int image_rootfs_from_tar(const char *tar, const char *staging);
/* A root without /bin/sh cannot run anything msb sends it: refuse it. */
int image_rootfs_check_shell(const char *root, const char *what);

/* image_ext4.c */
/* An owner that a non-root build sets in the image (see image_owners.c). */
struct image_owner {
	const char *path;	/* absolute, inside the image */
	uid_t uid;
	gid_t gid;
};
/*
 * Makes an ext4 disk out of the tree src: its content plus room to grow.
 * Without root, owners are then set by image_ext4_owners().
 */
int image_ext4_make(const char *src, const char *out,
    const struct image_owner *owners, size_t nowners);

/* image_owners.c */
/*
 * For builds without root, whose files all belong to the builder: makes
 * every file of img (made from src) root's, then applies owners.
 */
int image_ext4_owners(const char *img, const char *src,
    const struct image_owner *owners, size_t nowners);

/* image_lock.c: all three take MSB_HOME/images and an image name. */
/* Locks MSB_HOME/images/.NAME.lock, waiting if need be. The fd, or -1. */
int image_lock(const char *images, const char *name);
/* Makes MSB_HOME/images/.NAME.build.XXXXXX (0700) into buf. 0 or -1. */
int image_temp_dir(char *buf, size_t len, const char *images, const char *name);
/* With the lock held: removes what interrupted builds of NAME left. */
int image_remove_stale(const char *images, const char *name);

/* image_conf.c */
/* Writes dir/image.conf. 0 or -1 (logged). */
int image_conf_write(const char *dir, const char *kver, const char *source,
    uint64_t rootfs_bytes);
/*
 * Reads key from dir/image.conf into buf. 0, 1 if the key is absent, -1 if
 * the file cannot be read or the value does not fit.
 */
int image_conf_get(const char *dir, const char *key, char *buf, size_t len);

#endif
