/*
 * A header-only assertion kit for the unit programs. Each program is its own
 * check_PROGRAM: checks keep running after a failure so one run reports
 * every broken case, and unit_done() turns the tally into the exit status.
 */
#ifndef MSB_UNIT_H
#define MSB_UNIT_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long unit_checks;
static unsigned long unit_failed;

static inline int
unit_check(int ok, const char *file, int line, const char *expr)
{
	unit_checks++;
	if (!ok) {
		unit_failed++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	}
	return ok;
}

static inline int
unit_check_msg(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline int
unit_check_msg(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	unit_checks++;
	if (!ok) {
		unit_failed++;
		fprintf(stderr, "%s:%d: check failed: ", file, line);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	return ok;
}

static inline int
unit_check_u64(uint64_t a, uint64_t b, const char *file, int line,
    const char *ea, const char *eb)
{
	unit_checks++;
	if (a != b) {
		unit_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s (%" PRIu64
		    " != %" PRIu64 ")\n", file, line, ea, eb, a, b);
		return 0;
	}
	return 1;
}

static inline int
unit_check_str(const char *a, const char *b, const char *file, int line,
    const char *ea, const char *eb)
{
	unit_checks++;
	if (a == NULL || b == NULL ? a != b : strcmp(a, b) != 0) {
		unit_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n",
		    file, line, ea, eb, a ? a : "(null)", b ? b : "(null)");
		return 0;
	}
	return 1;
}

static inline int
unit_check_mem(const void *a, const void *b, size_t n, const char *file,
    int line, const char *ea, const char *eb)
{
	unit_checks++;
	if (n > 0 && (a == NULL || b == NULL || memcmp(a, b, n) != 0)) {
		unit_failed++;
		fprintf(stderr, "%s:%d: check failed: %s == %s (%zu bytes)\n",
		    file, line, ea, eb, n);
		return 0;
	}
	return 1;
}

/* Allocation failure is not under test: it ends the run. */
static inline void *
unit_alloc(size_t n)
{
	void *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL) {
		fprintf(stderr, "out of memory allocating %zu bytes\n", n);
		exit(1);
	}
	return p;
}

/* Each CHECK evaluates to 1 when it passed, so a test can skip dependent checks. */
#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond)
/* For a condition whose text would not say what failed: a printf-style note. */
#define CHECK_MSG(cond, ...) unit_check_msg(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_U64(a, b) \
	unit_check_u64((uint64_t)(a), (uint64_t)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR(a, b) unit_check_str((a), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_MEM(a, b, n) \
	unit_check_mem((a), (b), (n), __FILE__, __LINE__, #a, #b)

static inline int
unit_done(void)
{
	printf("%lu checks, %lu failed\n", unit_checks, unit_failed);
	return unit_failed == 0 && unit_checks > 0 ? 0 : 1;
}

#endif
