/*
 * One logging idiom for every msb process, after OpenSSH's fatal_f/debug_f:
 * the _f macros prefix the calling function so that a log line points at
 * its source without a debugger.
 */
#ifndef MSB_LOG_H
#define MSB_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum msb_log_level {
	MSB_LOG_QUIET = 0,
	MSB_LOG_ERROR,
	MSB_LOG_INFO,
	MSB_LOG_VERBOSE,
	MSB_LOG_DEBUG,
};

/* progname prefixes every line; lines go to stderr (or the console as PID 1). */
void msb_log_init(const char *progname, enum msb_log_level level);
void msb_log_set_level(enum msb_log_level level);
enum msb_log_level msb_log_get_level(void);
/* Parses quiet|error|info|verbose|debug; returns -1 on anything else. */
int msb_log_level_parse(const char *name, enum msb_log_level *out);
/* For a --log-level option: sets the level, or exits naming the bad value. */
void msb_log_level_option(const char *name);

/*
 * For library calls: while a buffer is set on this thread, nothing is
 * written to stderr and the last error-level message is kept in buf (the
 * caller hands it to its handle). NULL ends the capture.
 */
void msb_log_capture(char *buf, size_t len);

/*
 * For calls that report to their caller in a buffer rather than to the log:
 * formats into err and returns -1, so that "return msb_errf(...)" ends the
 * call. msb_errf_errno appends ": " and strerror(errno) when errno is set.
 */
int msb_errf(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int msb_errf_errno(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Copies untrusted text for a log line: non-printable bytes and '\' as
 * \xHH, cut at len-1. Returns buf, so that it can stand as an argument:
 * error("... %s", msb_log_escape(esc, sizeof(esc), s, strlen(s))).
 */
const char *msb_log_escape(char *buf, size_t len, const char *s, size_t n);

void msb_log(enum msb_log_level level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void msb_fatal(const char *func, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define fatal_f(...)   msb_fatal(__func__, __VA_ARGS__)
#define error_f(...)   msb_log(MSB_LOG_ERROR, __func__, __VA_ARGS__)
#define info_f(...)    msb_log(MSB_LOG_INFO, __func__, __VA_ARGS__)
#define verbose_f(...) msb_log(MSB_LOG_VERBOSE, __func__, __VA_ARGS__)
#define debug_f(...)   msb_log(MSB_LOG_DEBUG, __func__, __VA_ARGS__)

/* For messages meant for a user: no function prefix. */
#define fatal(...)     msb_fatal(NULL, __VA_ARGS__)
#define error(...)     msb_log(MSB_LOG_ERROR, NULL, __VA_ARGS__)
#define info(...)      msb_log(MSB_LOG_INFO, NULL, __VA_ARGS__)

#endif
