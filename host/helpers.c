#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

int
msb_helper_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("MSB_LIBEXECDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = PKGLIBEXECDIR;
	int n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
msb_helper_find(char *buf, size_t len, const char *name, char *why, size_t whylen)
{
	if (msb_helper_path(buf, len, name) != 0) {
		snprintf(why, whylen, "path of %s too long: check MSB_LIBEXECDIR", name);
		return -1;
	}
	if (access(buf, X_OK) != 0) {
		snprintf(why, whylen, "cannot run %s: %s (is msb installed?)", buf, strerror(errno));
		return -1;
	}
	return 0;
}

static int
try_dir(char *buf, size_t len, const char *dir, size_t dirlen, const char *name)
{
	int n = snprintf(buf, len, "%.*s/%s", (int)dirlen, dir, name);

	if (n < 0 || (size_t)n >= len)
		return -1;
	return access(buf, X_OK);
}

int
msb_tool_find(char *buf, size_t len, const char *name)
{
	const char *path = getenv("PATH");
	const char *p;

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; ; ) {
		const char *end = strchr(p, ':');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		/* Relative PATH entries depend on the cwd: skip them. */
		if (n > 0 && p[0] == '/' && try_dir(buf, len, p, n, name) == 0)
			return 0;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (try_dir(buf, len, "/usr/sbin", 9, name) == 0 ||
	    try_dir(buf, len, "/sbin", 5, name) == 0)
		return 0;
	return -1;
}
