#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kv_file.h"
#include "log.h"

/* Room for a path as a value (image.conf's source). */
#define KV_LINE_MAX (PATH_MAX + 64)

int
msb_kv_read(const char *path, msb_kv_fn *fn, void *arg)
{
	FILE *fp = fopen(path, "re");
	char line[KV_LINE_MAX], k[128], v[512];
	int lineno = 0, rc = 0;

	if (fp == NULL)
		return -1;
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(fp)) {
			error("%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *eq = strchr(line, '=');
		if (eq == NULL) {
			error("%s:%d: expected key=value", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		rc = fn(line, eq + 1, arg);
		if (rc < 0)
			error("%s:%d: bad value for '%s': '%s'", path, lineno,
			    msb_log_escape(k, sizeof(k), line, strlen(line)),
			    msb_log_escape(v, sizeof(v), eq + 1, strlen(eq + 1)));
	}
	if (rc == 0 && ferror(fp)) {
		error("%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(fp);
	if (rc < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
