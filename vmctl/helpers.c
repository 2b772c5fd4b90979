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
