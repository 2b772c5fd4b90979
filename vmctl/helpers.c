#include "config.h"

#include <stdio.h>
#include <stdlib.h>

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
