#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "msb";
static enum msb_log_level log_level = MSB_LOG_INFO;
static _Thread_local char *log_capture_buf;
static _Thread_local size_t log_capture_len;

void
msb_log_capture(char *buf, size_t len)
{
	log_capture_buf = len > 0 ? buf : NULL;
	log_capture_len = len;
	if (log_capture_buf != NULL)
		buf[0] = '\0';
}

void
msb_log_init(const char *progname, enum msb_log_level level)
{
	if (progname != NULL)
		log_progname = progname;
	log_level = level;
}

void
msb_log_set_level(enum msb_log_level level)
{
	log_level = level;
}

enum msb_log_level
msb_log_get_level(void)
{
	return log_level;
}

int
msb_log_level_parse(const char *name, enum msb_log_level *out)
{
	static const char *const names[] = {
		"quiet", "error", "info", "verbose", "debug",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*out = (enum msb_log_level)i;
			return 0;
		}
	}
	return -1;
}

static void __attribute__((format(printf, 2, 0)))
log_emit(const char *func, const char *fmt, va_list ap)
{
	char line[2048];
	int saved_errno = errno;
	int n;

	/* Format into one buffer and write once so concurrent processes sharing
	 * stderr do not interleave within a line. */
	if (func != NULL)
		n = snprintf(line, sizeof(line), "%s: %s: ", log_progname, func);
	else
		n = snprintf(line, sizeof(line), "%s: ", log_progname);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* A failed log write has nowhere better to be reported. */
	(void)!write(STDERR_FILENO, line, len);
	errno = saved_errno;
}

void
msb_log_level_option(const char *name)
{
	enum msb_log_level level;

	if (msb_log_level_parse(name, &level) != 0)
		fatal("unknown log level '%s' (quiet, error, info, verbose or debug)", name);
	msb_log_set_level(level);
}

void
msb_log(enum msb_log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	if (log_capture_buf != NULL) {
		if (level == MSB_LOG_ERROR) {
			va_start(ap, fmt);
			(void)vsnprintf(log_capture_buf, log_capture_len, fmt, ap);
			va_end(ap);
		}
		return;
	}
	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_emit(func, fmt, ap);
	va_end(ap);
}

void
msb_fatal(const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(func, fmt, ap);
	va_end(ap);
	exit(1);
}

int
msb_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* A message cut to the caller's buffer is still the message's start. */
	(void)vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int
msb_errf_errno(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	int n = vsnprintf(err, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < len && saved != 0)
		(void)snprintf(err + n, len - (size_t)n, ": %s", strerror(saved));
	return -1;
}

const char *
msb_log_escape(char *buf, size_t len, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (len > 0)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}
