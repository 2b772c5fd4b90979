#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "msb_home.h"
#include "lib/strict_modes.h"

int
msb_mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	if (strlen(path) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(tmp, path);
	for (char *p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			return 0;
	}
}

static const char *msb_home_find(char *home, size_t size);

const char *
msb_home(void)
{
	/* Computed once; the lock makes the first use safe from library callers' threads. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char home[PATH_MAX];

	if (pthread_mutex_lock(&lock) != 0)
		return NULL;
	const char *r = home[0] != '\0' ? home : msb_home_find(home, sizeof(home));
	pthread_mutex_unlock(&lock);
	return r;
}

static const char *
msb_home_find(char *home, size_t size)
{
	const char *env = getenv("MSB_HOME");

	if (env != NULL && env[0] != '\0') {
		if (env[0] != '/') {
			error("MSB_HOME must be an absolute path, not '%s'", env);
			return NULL;
		}
		if (snprintf(home, size, "%s", env) >= (int)size)
			goto toolong;
	} else {
		const char *h = getenv("HOME");
		if (h == NULL || h[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			h = pw != NULL ? pw->pw_dir : NULL;
		}
		if (h == NULL || h[0] != '/') {
			error("cannot find a home directory: set MSB_HOME");
			return NULL;
		}
		if (snprintf(home, size, "%s/.microsandbox", h) >= (int)size)
			goto toolong;
	}
	if (msb_mkdirs(home, 0700) != 0) {
		error("cannot create %s: %s", home, strerror(errno));
		home[0] = '\0';
		return NULL;
	}
	int fd = msb_strict_open(home, MSB_STRICT_HOME);
	if (fd < 0) {
		if (errno == ENOENT)
			error("cannot open %s: %s", home, strerror(errno));
		home[0] = '\0';
		return NULL;
	}
	close(fd);
	return home;
toolong:
	home[0] = '\0';
	error("MSB_HOME path too long");
	return NULL;
}

int
msb_home_path(char *buf, size_t len, const char *fmt, ...)
{
	const char *home = msb_home();
	va_list ap;

	if (home == NULL)
		return -1;
	int n = snprintf(buf, len, "%s/", home);
	if (n < 0 || (size_t)n >= len)
		return -1;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -1;
	return 0;
}

int
msb_name_check(const char *name, const char **why)
{
	size_t n = strlen(name);

	if (n == 0 || n > MSB_NAME_MAX) {
		*why = "names are 1 to 64 characters long";
		return -1;
	}
	if (name[0] == '.' || name[0] == '-') {
		*why = "names cannot start with '.' or '-'";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
			*why = "names may only contain letters, digits, '.', '_' and '-'";
			return -1;
		}
	}
	return 0;
}
