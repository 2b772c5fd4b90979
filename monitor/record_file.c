#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/cast.h"
#include "lib/log.h"
#include "record_file.h"

/* Names taken (the same second, key and channel on two connections): tries before giving up. */
#define NAME_TRIES 100

int
msb_record_dir_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		error("--record %s: %s", path, errno == ENOENT ? "no such directory" :
		    errno == ENOTDIR || errno == ELOOP ? "not a directory (or a symbolic link)" :
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		error("--record %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		error("--record %s: owned by uid %lu, not by root or the user msb runs as",
		    path, (unsigned long)st.st_uid);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		/* Whoever can write there can remove or rename recordings. */
		error("--record %s: writable by %s (chmod go-w %s)", path,
		    st.st_mode & S_IWOTH ? "everyone" : "its group", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
msb_record_max_parse(const char *s, uint64_t *bytes)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (errno != 0 || end == s || s[0] == '-')
		return -1;
	if (*end != '\0') {
		const char *units = "KMG", *u = strchr(units, *end);
		if (u == NULL || end[1] != '\0')
			return -1;
		shift = 10u * (unsigned)(u - units + 1);
	}
	if (v > (MSB_RECORD_MAX_MAX >> shift))
		return -1;
	v <<= shift;
	if (v < MSB_RECORD_MAX_MIN)
		return -1;
	*bytes = v;
	return 0;
}

static void
safe_copy(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src[i] != '\0' && i + 1 < len; i++) {
		char c = src[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		dst[i] = ok ? c : '-';
	}
	dst[i] = '\0';
}

int
msb_record_name(const struct msb_record_req *r, unsigned suffix, char *name, size_t len)
{
	char when[32], box[96], fp[96], more[16] = "";
	time_t t = (time_t)r->now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	safe_copy(box, sizeof(box), r->sandbox);
	safe_copy(fp, sizeof(fp), r->key_fp);
	if (suffix > 0)
		snprintf(more, sizeof(more), "-%u", suffix);
	int n = snprintf(name, len, "%s_%s_%s_ch%u%s.cast", when, box, fp, r->chan, more);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* FS_APPEND_FL: then not even the monitor's user can rewrite it without chattr -a. */
static bool
make_append_only(int fd)
{
	int flags;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
		return false;
	flags |= FS_APPEND_FL;
	return ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
}

static int
write_header(int fd, const struct msb_record_req *r, uint64_t *used)
{
	char title[512];
	struct msb_buf b;
	struct msb_cast_header h = {
		.width = r->cols > 0 ? r->cols : 80, .height = r->rows > 0 ? r->rows : 24,
		.timestamp = r->now, .term = r->term, .title = title, .command = r->command,
	};
	int rc = -1;

	snprintf(title, sizeof(title), "%s %s@%s channel %u", r->what, r->user, r->sandbox, r->chan);
	msb_buf_init(&b, MSB_CAST_HEADER_MAX);
	if (msb_cast_header(&b, &h) != 0) {
		error_f("header too large");
	} else {
		ssize_t n = write(fd, msb_buf_ptr(&b), msb_buf_avail(&b));
		if (n == (ssize_t)msb_buf_avail(&b)) {
			*used = (uint64_t)n;
			rc = 0;
		} else {
			error("cannot write a recording's header: %s", n < 0 ? strerror(errno) : "short write");
		}
	}
	msb_buf_free(&b);
	return rc;
}

int
msb_record_create(int dirfd, const struct msb_record_req *r, char *name, size_t namelen,
    uint64_t *used, bool *append_only)
{
	int fd = -1;

	for (unsigned i = 0; i < NAME_TRIES && fd < 0; i++) {
		if (msb_record_name(r, i, name, namelen) != 0) {
			error_f("recording name too long");
			return -1;
		}
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (fd < 0 && errno != EEXIST) {
			error("cannot create recording %s: %s", name, strerror(errno));
			return -1;
		}
	}
	if (fd < 0) {
		error("cannot create recording %s: %d names taken", name, NAME_TRIES);
		return -1;
	}
	if (write_header(fd, r, used) != 0) {
		close(fd);
		return -1;
	}
	*append_only = make_append_only(fd);
	return fd;
}
