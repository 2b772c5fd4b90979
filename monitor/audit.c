#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "lib/capped_log.h"
#include "lib/log.h"

#define AUDIT_LINE_MAX 2048

/* The one log this process writes: a monitor serves one connection. */
static struct {
	struct msb_capped_log log;
	bool open;
	char prefix[256];
	char peer[64];
} audit;

int
msb_audit_open(const char *path, const char *sandbox, const char *peer)
{
	off_t cap = msb_capped_log_cap("MSB_AUDIT_LOG_MAX", MSB_AUDIT_LOG_MAX_DEFAULT);

	if (msb_capped_log_open(&audit.log, path, cap, false, true) != 0) {
		error("cannot open the audit log %s: %s%s", path, strerror(errno),
		    errno == EPERM ? " (it must be a regular file with one link)" : "");
		return -1;
	}
	if (fchmod(audit.log.fd, 0600) != 0) {
		error("cannot make the audit log %s 0600: %s", path, strerror(errno));
		msb_capped_log_close(&audit.log);
		return -1;
	}
	audit.open = true;
	snprintf(audit.peer, sizeof(audit.peer), "%s", peer);
	msb_audit_sandbox(sandbox);
	return 0;
}

void
msb_audit_sandbox(const char *sandbox)
{
	snprintf(audit.prefix, sizeof(audit.prefix), "msb-monitor[%ld] sandbox=%s peer=%s",
	    (long)getpid(), sandbox, audit.peer);
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
	if (!audit.open)
		return;
	if (gmtime_r(&t, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)t);
	int n = snprintf(line, sizeof(line), "%s %s %s\n", stamp, audit.prefix, msg);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	line[len - 1] = '\n';
	if (msb_capped_log_write(&audit.log, line, len) != 0)
		error_f("cannot append to the audit log: %s", strerror(errno));
}
