#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "log.h"

int
msb_helper_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("MSB_LIBEXECDIR");

	if (dir == NULL || dir[0] == '\0')
		dir = PKGLIBEXECDIR;
	int n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		error_f("path of helper %s is too long", name);
		return -1;
	}
	return 0;
}
