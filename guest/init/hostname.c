#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "boot_steps.h"

#define DEFAULT_HOSTNAME "sandbox"
/* The kernel's limit (HOST_NAME_MAX) is 64 bytes without the NUL. */
#define HOSTNAME_MAX 64

/* RFC 1123 labels: letters, digits, '-' and '.', not starting with - or . */
static int
valid_hostname(const char *name)
{
	if (name[0] == '\0' || name[0] == '-' || name[0] == '.')
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	}
	return 1;
}

int
msb_init_write_hostname_file(const char *path, const char *name)
{
	char want[HOSTNAME_MAX + 2], have[sizeof(want) + 1];
	int len = snprintf(want, sizeof(want), "%s\n", name);

	if (len < 0 || (size_t)len >= sizeof(want)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Unchanged across boots: no write, so a read-only root that already
	 * agrees is no error. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, have, sizeof(have));
		close(fd);
		if (n == len && memcmp(have, want, (size_t)len) == 0)
			return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, want, (size_t)len);
	int saved = errno;
	if (close(fd) != 0 && n == len)
		return -1;
	if (n != len) {
		errno = n < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

int
msb_init_set_hostname(const struct msb_cmdline *cl)
{
	char name[HOSTNAME_MAX + 1];

	if (msb_cmdline_get(cl, "msb.hostname", name, sizeof(name)) != 1)
		memcpy(name, DEFAULT_HOSTNAME, sizeof(DEFAULT_HOSTNAME));
	if (!valid_hostname(name)) {
		error_f("invalid msb.hostname, using \"%s\"", DEFAULT_HOSTNAME);
		memcpy(name, DEFAULT_HOSTNAME, sizeof(DEFAULT_HOSTNAME));
	}
	if (sethostname(name, strlen(name)) == -1) {
		error_f("sethostname %s: %s", name, strerror(errno));
		return -1;
	}
	info_f("hostname %s", name);
	/* Tools and people read the name from /etc/hostname too: it must not
	 * contradict the one the sandbox was given. */
	if (msb_init_write_hostname_file("/etc/hostname", name) != 0) {
		if (errno == EROFS)
			verbose_f("/etc/hostname: read-only root, left as it is");
		else
			error_f("/etc/hostname: %s", strerror(errno));
	}
	return 0;
}
