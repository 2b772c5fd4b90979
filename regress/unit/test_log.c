#include "config.h"

#include <errno.h>
#include <string.h>

#include "log.h"
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

int
main(void)
{
	test_errf();
	test_errf_errno();
	return unit_done();
}
