#include "config.h"

#include <errno.h>
#include <string.h>

#include "lib/log.h"
#include "unit.h"

static void
test_errf(void)
{
	char err[32];

	errno = ENOENT;
	CHECK(msb_errf(err, sizeof(err), "cannot open %s", "x") == -1);
	CHECK_STR(err, "cannot open x");
	CHECK(msb_errf(err, 8, "%s", "longer than eight") == -1);
	CHECK_STR(err, "longer ");
}

static void
test_errf_errno(void)
{
	char err[64];

	errno = ENOENT;
	CHECK(msb_errf_errno(err, sizeof(err), "jail: %s", "/usr") == -1);
	CHECK_STR(err, "jail: /usr: No such file or directory");
	errno = 0;
	CHECK(msb_errf_errno(err, sizeof(err), "jail: uid is %d", 5) == -1);
	CHECK_STR(err, "jail: uid is 5");
	/* A message that fills the buffer gets no cause after it. */
	errno = EPERM;
	CHECK(msb_errf_errno(err, 6, "jail: %s", "/usr") == -1);
	CHECK_STR(err, "jail:");
}

static void
test_escape(void)
{
	char esc[32];
	const char evil[] = "a\x1b[2Jb\\c\nd\x7f\xff";

	/* It returns its buffer, to stand as an argument of a log call. */
	CHECK(msb_log_escape(esc, sizeof(esc), "root+box", 8) == esc);
	CHECK_STR(esc, "root+box");
	CHECK_STR(msb_log_escape(esc, sizeof(esc), evil, sizeof(evil) - 1),
	    "a\\x1b[2Jb\\x5cc\\x0ad\\x7f\\xff");
	/* n bytes, NULs included; cut whole, never in the middle of an escape. */
	CHECK_STR(msb_log_escape(esc, sizeof(esc), "a\0b", 3), "a\\x00b");
	CHECK_STR(msb_log_escape(esc, 8, "\n\n\n", 3), "\\x0a");
	CHECK_STR(msb_log_escape(esc, 8, "abcdefgh", 8), "abc");
}

int
main(void)
{
	test_escape();
	test_errf();
	test_errf_errno();
	return unit_done();
}
