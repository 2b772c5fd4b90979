#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "log.h"

#define AUDIT_LINE_MAX 2048

/* The one log this process writes: a monitor serves one connection. */
static struct {
	int fd;
	char prefix[256];
} audit = { .fd = -1 };

int
msb_audit_open(const char *path, const char *sandbox, const char *peer)
{
	struct stat st;

	audit.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (audit.fd < 0) {
		error("cannot open the audit log %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(audit.fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ((st.st_mode & 077) != 0 && fchmod(audit.fd, 0600) != 0)) {
		error("audit log %s: not a regular file, or cannot make it 0600", path);
		close(audit.fd);
		audit.fd = -1;
		return -1;
	}
	snprintf(audit.prefix, sizeof(audit.prefix), "msb-monitor[%ld] sandbox=%s peer=%s",
	    (long)getpid(), sandbox, peer);
	return 0;
}

void
msb_audit(const char *fmt, ...)
{
	char msg[AUDIT_LINE_MAX], line[AUDIT_LINE_MAX + 320], stamp[32];
	struct tm tm;
	time_t t = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	info("%s", msg);
	if (audit.fd < 0)
		return;
	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)t);
	int n = snprintf(line, sizeof(line), "%s %s %s\n", stamp, audit.prefix, msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	line[len - 1] = '\n';
	if (write(audit.fd, line, len) != (ssize_t)len)
		error_f("cannot append to the audit log: %s", strerror(errno));
}
