#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sftp_realpath.h"

/* Same bound as the kernel's for one lookup. */
#define SFTP_MAX_SYMLINKS 40

static void
drop_last(char *resolved, size_t *len)
{
	if (*len <= 1)
		return;
	char *slash = strrchr(resolved, '/');
	*len = slash == resolved ? 1 : (size_t)(slash - resolved);
	resolved[*len] = '\0';
}

static int
append(char *resolved, size_t *len, const char *name, size_t n)
{
	size_t need = *len + (resolved[*len - 1] != '/') + n;

	if (need >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (resolved[*len - 1] != '/')
		resolved[(*len)++] = '/';
	memcpy(resolved + *len, name, n);
	*len += n;
	resolved[*len] = '\0';
	return 0;
}

/* left becomes target, '/', rest: the link's text replaces its name. */
static int
splice_link(char *left, const char *target, size_t tlen, const char *rest)
{
	char tmp[PATH_MAX];
	size_t rlen = strlen(rest);

	if (tlen + 1 + rlen >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, target, tlen);
	tmp[tlen] = '/';
	memcpy(tmp + tlen + 1, rest, rlen + 1);
	memcpy(left, tmp, tlen + rlen + 2);
	return 0;
}

int
sftp_realpath(const char *path, char out[PATH_MAX])
{
	char left[PATH_MAX], target[PATH_MAX];
	size_t len;
	int links = 0;

	if (strlen(path) >= sizeof(left)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(left, path);
	if (path[0] == '/') {
		strcpy(out, "/");
	} else if (getcwd(out, PATH_MAX) == NULL) {
		return -1;
	}
	len = strlen(out);

	char *p = left;
	while (*p != '\0') {
		char *end = strchr(p, '/');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		char *rest = end != NULL ? end + 1 : p + n;
		bool last = *rest == '\0';
		struct stat st;

		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = rest;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			drop_last(out, &len);
			p = rest;
			continue;
		}
		if (append(out, &len, p, n) != 0)
			return -1;
		if (lstat(out, &st) != 0) {
			if (errno == ENOENT && last)
				return 0;
			return -1;
		}
		if (!S_ISLNK(st.st_mode)) {
			p = rest;
			continue;
		}
		if (++links > SFTP_MAX_SYMLINKS) {
			errno = ELOOP;
			return -1;
		}
		ssize_t tlen = readlink(out, target, sizeof(target) - 1);
		if (tlen < 0)
			return -1;
		target[tlen] = '\0';
		if (target[0] == '/') {
			strcpy(out, "/");
			len = 1;
		} else {
			drop_last(out, &len);
		}
		if (splice_link(left, target, (size_t)tlen, rest) != 0)
			return -1;
		p = left;
	}
	return 0;
}
