#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/helpers.h"
#include "image.h"
#include "image_int.h"
#include "lib/log.h"
#include "host/msb_home.h"

#define MKINITRAMFS_HELPER	"msb-mkinitramfs"
#define AGENT_HELPER		"msb-agent"

/* The default root gets a user; without root, only msb can give it a home. */
static const struct image_owner default_owners[] = {
	{ "/home/user", 1000, 1000 },
};

/* Everything known before the temporary directory exists. */
struct build_inputs {
	char kernel[PATH_MAX];
	char kver[256];
	char source[PATH_MAX + 8];	/* image.conf's source= */
	char root[PATH_MAX];		/* --rootfs DIR, made absolute */
};

static int
path_in(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len) {
		error("path too long: %s/%s", dir, name);
		return -1;
	}
	return 0;
}

/* Checks what the user named before any work starts. */
static int
check_inputs(const struct msb_image_spec *spec, struct build_inputs *in)
{
	struct stat st;

	if (spec->rootfs_dir != NULL) {
		if (stat(spec->rootfs_dir, &st) != 0) {
			error("root directory %s: %s", spec->rootfs_dir, strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			error("root directory %s is not a directory", spec->rootfs_dir);
			return -1;
		}
		if (realpath(spec->rootfs_dir, in->root) == NULL) {
			error("root directory %s: %s", spec->rootfs_dir, strerror(errno));
			return -1;
		}
		if (image_rootfs_check_shell(in->root, in->root) != 0)
			return -1;
		snprintf(in->source, sizeof(in->source), "dir:%s", in->root);
	} else if (spec->rootfs_tar != NULL) {
		char abs[PATH_MAX];

		if (realpath(spec->rootfs_tar, abs) == NULL) {
			error("root tarball %s: %s", spec->rootfs_tar, strerror(errno));
			return -1;
		}
		if (stat(abs, &st) != 0 || S_ISDIR(st.st_mode)) {
			error("root tarball %s is not a file", spec->rootfs_tar);
			return -1;
		}
		snprintf(in->source, sizeof(in->source), "tar:%s", abs);
	} else {
		snprintf(in->source, sizeof(in->source), "default");
	}
	char tool[PATH_MAX];
	if (msb_tool_find(tool, sizeof(tool), "mke2fs") != 0) {
		error("mke2fs not found (apt-get install e2fsprogs)");
		return -1;
	}
	return image_kernel_find(spec->kernel, spec->kernel_version, in->kernel,
	    sizeof(in->kernel), in->kver, sizeof(in->kver));
}

static int
make_initramfs(const char *tmp, const char *kver)
{
	char helper[PATH_MAX], agent[PATH_MAX], out[PATH_MAX];

	/* MSB_GUEST_AGENT lets a sanitizer build of msb (whose own agent is
	 * dynamic and cannot be /init) put a static agent in its images. */
	const char *guest_agent = getenv("MSB_GUEST_AGENT");
	if (msb_helper_path(helper, sizeof(helper), MKINITRAMFS_HELPER) != 0 ||
	    (guest_agent != NULL && guest_agent[0] != '\0' ?
	    snprintf(agent, sizeof(agent), "%s", guest_agent) >= (int)sizeof(agent) :
	    msb_helper_path(agent, sizeof(agent), AGENT_HELPER) != 0)) {
		error("helper paths too long: check MSB_LIBEXECDIR and MSB_GUEST_AGENT");
		return -1;
	}
	if (path_in(out, sizeof(out), tmp, IMAGE_INITRAMFS) != 0)
		return -1;
	char *argv[] = {
		helper, "--kernel-version", (char *)kver, "--agent", agent,
		"--out", out, "--modules", IMAGE_MODULES, NULL,
	};
	if (image_run(argv) != 0) {
		error("cannot make the initramfs");
		return -1;
	}
	return 0;
}

static int
make_rootfs(const struct msb_image_spec *spec, const struct build_inputs *in,
    const char *tmp, uint64_t *bytes)
{
	char staging[PATH_MAX], out[PATH_MAX];
	const char *src = staging;
	const struct image_owner *owners = NULL;
	size_t nowners = 0;
	struct stat st;

	if (path_in(staging, sizeof(staging), tmp, "staging") != 0 ||
	    path_in(out, sizeof(out), tmp, IMAGE_ROOTFS) != 0)
		return -1;
	if (spec->rootfs_dir != NULL) {
		src = in->root;
	} else if (spec->rootfs_tar != NULL) {
		if (mkdir(staging, 0755) != 0) {
			error("cannot create %s: %s", staging, strerror(errno));
			return -1;
		}
		if (image_rootfs_from_tar(spec->rootfs_tar, staging) != 0 ||
		    image_rootfs_check_shell(staging, spec->rootfs_tar) != 0)
			return -1;
	} else {
		if (image_rootfs_default(staging) != 0)
			return -1;
		owners = default_owners;
		nowners = sizeof(default_owners) / sizeof(default_owners[0]);
	}
	if (image_ext4_make(src, out, owners, nowners) != 0)
		return -1;
	if (src == staging && image_tree_remove(staging) != 0)
		return -1;
	if (stat(out, &st) != 0) {
		error("%s: %s", out, strerror(errno));
		return -1;
	}
	*bytes = (uint64_t)st.st_size;
	return 0;
}

/* Puts tmp in place of final in one step; the old image goes to tmp. */
static int
swap_into_place(const char *tmp, const char *final)
{
	struct stat st;

	if (lstat(final, &st) != 0) {
		if (errno == ENOENT && rename(tmp, final) == 0)
			return 0;
		error("cannot install %s: %s", final, strerror(errno));
		return -1;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) != 0) {
		error("cannot replace %s: %s", final, strerror(errno));
		return -1;
	}
	return image_tree_remove(tmp);
}

static int
already_built(const char *final, const char *name)
{
	char created[64], source[PATH_MAX + 8];

	if (image_conf_get(final, "created", created, sizeof(created)) != 0)
		return 0;
	if (image_conf_get(final, "source", source, sizeof(source)) != 0)
		snprintf(source, sizeof(source), "?");
	info("image %s is already built (%s, from %s); --force rebuilds it",
	    name, created, source);
	return 1;
}

static int
build(const struct msb_image_spec *spec, const char *images, const char *final)
{
	struct build_inputs in;
	char tmp[PATH_MAX], path[PATH_MAX];
	uint64_t bytes = 0;

	if (image_remove_stale(images, spec->name) != 0)
		return -1;
	if (check_inputs(spec, &in) != 0)
		return -1;
	if (image_temp_dir(tmp, sizeof(tmp), images, spec->name) != 0)
		return -1;
	info("building image %s (kernel %s, root: %s)", spec->name, in.kver,
	    in.source);
	if (path_in(path, sizeof(path), tmp, IMAGE_KERNEL) != 0 ||
	    image_copy_file(in.kernel, path) != 0 ||
	    make_initramfs(tmp, in.kver) != 0 ||
	    make_rootfs(spec, &in, tmp, &bytes) != 0 ||
	    image_conf_write(tmp, in.kver, in.source, bytes) != 0 ||
	    chmod(tmp, 0755) != 0 ||
	    swap_into_place(tmp, final) != 0) {
		image_tree_remove(tmp);
		return -1;
	}
	info("image %s ready in %s", spec->name, final);
	return 0;
}

int
msb_image_build(const struct msb_image_spec *spec)
{
	char images[PATH_MAX], final[PATH_MAX];
	const char *why;
	int lock, rc;

	if (msb_name_check(spec->name, &why) != 0) {
		error("bad image name '%s': %s", spec->name, why);
		return -1;
	}
	if (spec->rootfs_dir != NULL && spec->rootfs_tar != NULL) {
		error("--rootfs and --rootfs-tar cannot go together");
		return -1;
	}
	if (msb_home_path(images, sizeof(images), "images") != 0 ||
	    path_in(final, sizeof(final), images, spec->name) != 0) {
		error("cannot find the images directory");
		return -1;
	}
	if (msb_mkdirs(images, 0700) != 0) {
		error("cannot create %s: %s", images, strerror(errno));
		return -1;
	}
	if ((lock = image_lock(images, spec->name)) == -1)
		return -1;
	if (!spec->force && already_built(final, spec->name))
		rc = 0;
	else
		rc = build(spec, images, final);
	close(lock);
	return rc;
}
