#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image_int.h"
#include "lib/kv_file.h"
#include "lib/log.h"
#include "lib/safe_file.h"

int
image_conf_write(const char *dir, const char *kver, const char *source,
    uint64_t rootfs_bytes)
{
	char path[PATH_MAX], text[PATH_MAX + 256], created[32];
	struct tm tm;
	time_t now = time(NULL);

	if (strchr(source, '\n') != NULL || strchr(kver, '\n') != NULL) {
		error("a newline cannot go into %s", IMAGE_CONF);
		return -1;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		error_f("cannot format the time");
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, IMAGE_CONF) >= (int)sizeof(path)) {
		error("path too long: %s", dir);
		return -1;
	}
	int n = snprintf(text, sizeof(text), "kernel_version=%s\ncreated=%s\nrootfs_bytes=%" PRIu64
	    "\nsource=%s\n", kver, created, rootfs_bytes, source);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		error("the image source is too long: %s", source);
		return -1;
	}
	/* image.conf marks a finished build: it appears whole or not at all. */
	if (msb_safe_publish_path(path, text, (size_t)n, 0644, true) != 0) {
		error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct conf_get {
	const char *key;
	char *buf;
	size_t len;
	int rc;
};

static int
conf_get_kv(const char *k, const char *v, void *arg)
{
	struct conf_get *g = arg;

	if (strcmp(k, g->key) != 0)
		return 0;
	int n = snprintf(g->buf, g->len, "%s", v);
	g->rc = n < 0 || (size_t)n >= g->len ? -1 : 0;
	return 1;
}

int
image_conf_get(const char *dir, const char *key, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct conf_get g = { .key = key, .buf = buf, .len = len, .rc = 1 };

	if (snprintf(path, sizeof(path), "%s/%s", dir, IMAGE_CONF) >= (int)sizeof(path))
		return -1;
	if (msb_kv_read(path, conf_get_kv, &g) != 0)
		return -1;
	return g.rc;
}
