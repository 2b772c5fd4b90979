#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk.h"
#include "helpers.h"

/* Copies the data extents of in to out; holes stay holes. */
static int
copy_sparse(int in, int out, off_t size)
{
	off_t pos = 0;

	while (pos < size) {
		off_t data = lseek(in, pos, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -1;
		off_t hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			return -1;
		off_t off_in = data, off_out = data;
		while (off_in < hole) {
			ssize_t n = copy_file_range(in, &off_in, out, &off_out,
			    (size_t)(hole - off_in), 0);
			if (n < 0)
				return -1;
			if (n == 0)
				break;
		}
		pos = hole;
	}
	return 0;
}

/* Runs argv[0] (a path) with stdout and stderr captured into err; 0 if it exited 0. */
static int
run(char *const argv[], char *err, size_t errlen)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		dprintf(2, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t r;
	char sink[256];
	while ((r = read(p[0], n + 1 < errlen ? err + n : sink,
	    n + 1 < errlen ? errlen - 1 - n : sizeof(sink))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (n + 1 < errlen)
			n += (size_t)r;
	}
	err[n] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
disk_create(const char *src, const char *dst, uint64_t size, char *err, size_t errlen)
{
	struct stat st;
	char out[1024];

	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) != 0) {
		snprintf(err, errlen, "cannot read the image's root disk %s: %s", src, strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	int o = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (o < 0) {
		snprintf(err, errlen, "cannot create %s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	int rc = ftruncate(o, st.st_size) == 0 ? copy_sparse(in, o, st.st_size) : -1;
	if (rc == 0 && size > (uint64_t)st.st_size)
		rc = ftruncate(o, (off_t)size);
	if (rc != 0)
		snprintf(err, errlen, "copying %s to %s: %s", src, dst, strerror(errno));
	close(in);
	if (close(o) != 0 && rc == 0) {
		snprintf(err, errlen, "writing %s: %s", dst, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && size > (uint64_t)st.st_size) {
		/* resize2fs insists on a freshly checked filesystem. */
		char e2fsck[PATH_MAX], resize2fs[PATH_MAX];
		char *const fsck[] = { e2fsck, "-f", "-p", (char *)dst, NULL };
		char *const grow[] = { resize2fs, (char *)dst, NULL };
		if (msb_tool_find(e2fsck, sizeof(e2fsck), "e2fsck") != 0 ||
		    msb_tool_find(resize2fs, sizeof(resize2fs), "resize2fs") != 0) {
			snprintf(err, errlen, "growing the root filesystem of %s needs e2fsck and "
			    "resize2fs, found in neither PATH, /usr/sbin nor /sbin "
			    "(apt-get install e2fsprogs)", dst);
			rc = -1;
		} else if (run(fsck, out, sizeof(out)) != 0 || run(grow, out, sizeof(out)) != 0) {
			snprintf(err, errlen, "growing the root filesystem of %s failed "
			    "(is e2fsprogs installed?): %s", dst, out);
			rc = -1;
		}
	}
	if (rc != 0)
		unlink(dst);
	return rc;
}
