/*
 * mke2fs -d copies each file's owner from the source tree. A build without
 * root has a tree that is the builder's alone, so the disk would hand the
 * guest's /bin to whatever uid the builder has. debugfs rewrites the
 * owners in the image instead: root for all, then the listed exceptions.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/helpers.h"
#include "image_int.h"
#include "lib/log.h"

/* nftw offers no closure; one walk at a time. */
static FILE *cmds;
static size_t srclen;

/* debugfs takes a name in double quotes; no escape exists for '"' or '\n'. */
static int
write_owner(const char *path, unsigned long uid, unsigned long gid)
{
	if (strpbrk(path, "\"\n") != NULL) {
		error("cannot set the owner of %s without root (its name has a "
		    "quote or newline): build as root", path);
		return -1;
	}
	if (fprintf(cmds, "sif \"%s\" uid %lu\nsif \"%s\" gid %lu\n",
	    path, uid, path, gid) < 0) {
		error_f("cannot write debugfs commands: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
own_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	const char *rel = path + srclen;
	return write_owner(rel[0] == '\0' ? "/" : rel, 0, 0);
}

/*
 * debugfs echoes each command on stdout and exits 0 even when a command
 * fails; only its stderr, past the version banner, tells.
 */
static int
run_debugfs(char *const argv[])
{
	char line[1024];
	int devnull, rc = -1;
	FILE *err;

	if ((err = tmpfile()) == NULL) {
		error_f("tmpfile: %s", strerror(errno));
		return -1;
	}
	if ((devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		error_f("/dev/null: %s", strerror(errno));
		fclose(err);
		return -1;
	}
	if (image_run_fds(argv, devnull, fileno(err)) != 0)
		goto out;
	rewind(err);
	rc = 0;
	while (fgets(line, sizeof(line), err) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || strncmp(line, "debugfs ", 8) == 0)
			continue;
		error("debugfs: %s", line);
		rc = -1;
	}
out:
	close(devnull);
	fclose(err);
	return rc;
}

int
image_ext4_owners(const char *img, const char *src,
    const struct image_owner *owners, size_t nowners)
{
	char debugfs[PATH_MAX], script[PATH_MAX];
	int fd, rc = -1;

	if (msb_tool_find(debugfs, sizeof(debugfs), "debugfs") != 0) {
		error("debugfs not found (apt-get install e2fsprogs)");
		return -1;
	}
	if (snprintf(script, sizeof(script), "%s.owners.XXXXXX", img) >=
	    (int)sizeof(script))
		return -1;
	if ((fd = mkstemp(script)) == -1) {
		error("cannot create %s: %s", script, strerror(errno));
		return -1;
	}
	if ((cmds = fdopen(fd, "w")) == NULL) {
		error_f("fdopen: %s", strerror(errno));
		close(fd);
		goto out;
	}
	srclen = strlen(src);
	while (srclen > 1 && src[srclen - 1] == '/')
		srclen--;
	if (nftw(src, own_one, 16, FTW_PHYS) != 0)
		goto out;
	for (size_t i = 0; i < nowners; i++) {
		if (write_owner(owners[i].path, (unsigned long)owners[i].uid,
		    (unsigned long)owners[i].gid) != 0)
			goto out;
	}
	if (fclose(cmds) != 0) {
		cmds = NULL;
		error_f("cannot write %s: %s", script, strerror(errno));
		goto out;
	}
	cmds = NULL;
	char *argv[] = { debugfs, "-w", "-f", script, (char *)img, NULL };
	verbose_f("setting owners in %s with %s", img, script);
	rc = run_debugfs(argv);
out:
	if (cmds != NULL)
		fclose(cmds);
	cmds = NULL;
	if (unlink(script) != 0)
		error_f("cannot remove %s: %s", script, strerror(errno));
	return rc;
}
