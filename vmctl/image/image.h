/*
 * Guest images: MSB_HOME/images/<name>/ holds vmlinuz, initramfs.cpio.gz
 * (the agent as /init plus the modules the guest needs), rootfs.ext4 (the
 * root disk template sandboxes copy) and image.conf (key=value:
 * kernel_version, created, rootfs_bytes, source). A directory without
 * image.conf is an unfinished build and is rebuilt.
 */
#ifndef MSB_IMAGE_H
#define MSB_IMAGE_H

#include <stdio.h>

struct msb_image_spec {
	const char *name;
	const char *rootfs_dir;		/* the user's root directory, or NULL */
	const char *rootfs_tar;		/* a `docker export` tarball, or NULL */
	const char *kernel;		/* NULL: newest /boot/vmlinuz-*-cloud-amd64 */
	const char *kernel_version;	/* NULL: from the kernel's file name */
	int force;			/* rebuild even if the image exists */
};

/*
 * Builds the image (or keeps the existing one unless force) and swaps it
 * into place atomically. 0, or -1 after telling the user why.
 */
int msb_image_build(const struct msb_image_spec *spec);
/* Prints one line per image: name, size, kernel version, created. 0 or -1. */
int msb_image_list(FILE *out);
/* Deletes an image. 0, or -1 after telling the user why. */
int msb_image_remove(const char *name);

#endif
