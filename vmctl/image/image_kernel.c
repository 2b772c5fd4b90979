#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image_int.h"
#include "lib/log.h"

#define KERNEL_GLOB	"/boot/vmlinuz-*-cloud-amd64"
#define KERNEL_PREFIX	"vmlinuz-"
#define KERNEL_PACKAGE	"linux-image-cloud-amd64"

/* A version becomes a path component (/lib/modules/VER): keep it plain. */
static int
version_ok(const char *v)
{
	if (v[0] == '\0' || v[0] == '.' || strlen(v) > 128)
		return 0;
	for (const char *p = v; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._+-", *p) != NULL))
			return 0;
	}
	return 1;
}

static int
newest_cloud_kernel(char *path, size_t pathlen)
{
	glob_t g;
	const char *best = NULL;
	int rc;

	rc = glob(KERNEL_GLOB, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		error("no kernel found: no " KERNEL_GLOB
		    " (apt-get install " KERNEL_PACKAGE ", or pass --kernel)");
		return -1;
	}
	if (rc != 0) {
		error_f("glob %s failed", KERNEL_GLOB);
		return -1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (best == NULL || strverscmp(g.gl_pathv[i], best) > 0)
			best = g.gl_pathv[i];
	}
	rc = snprintf(path, pathlen, "%s", best);
	globfree(&g);
	return rc < 0 || (size_t)rc >= pathlen ? -1 : 0;
}

int
image_kernel_find(const char *kernel, const char *kver, char *path,
    size_t pathlen, char *ver, size_t verlen)
{
	char moddep[4096];
	int fd, n;

	if (kernel == NULL) {
		if (newest_cloud_kernel(path, pathlen) != 0)
			return -1;
	} else if ((n = snprintf(path, pathlen, "%s", kernel)) < 0 ||
	    (size_t)n >= pathlen) {
		error("kernel path too long");
		return -1;
	}
	if (kver == NULL) {
		const char *base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		if (strncmp(base, KERNEL_PREFIX, strlen(KERNEL_PREFIX)) != 0) {
			error("cannot tell the version of kernel %s from its name "
			    "(not vmlinuz-VERSION): pass --kernel-version", path);
			return -1;
		}
		kver = base + strlen(KERNEL_PREFIX);
	}
	if (!version_ok(kver)) {
		error("bad kernel version '%s'", kver);
		return -1;
	}
	if ((n = snprintf(ver, verlen, "%s", kver)) < 0 || (size_t)n >= verlen)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		error("cannot read kernel %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	n = snprintf(moddep, sizeof(moddep), "/lib/modules/%s/modules.dep", ver);
	if (n < 0 || (size_t)n >= sizeof(moddep))
		return -1;
	if (access(moddep, R_OK) != 0) {
		error("no modules for kernel %s: cannot read %s (%s; apt-get install "
		    "linux-image-%s)", ver, moddep, strerror(errno), ver);
		return -1;
	}
	return 0;
}
