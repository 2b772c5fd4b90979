/*
 * The gateway's reading of a login name, and the delay every refused
 * attempt is answered after: fixed per login name, 5 to 9 ms, keyed.
 */
#include "config.h"

#include <string.h>

#include "monitor/fail_delay.h"
#include "monitor/login_route.h"
#include "unit.h"

static int
parse(const char *login, struct login_route *r)
{
	return login_route_parse(login, strlen(login), r);
}

static void
test_route(void)
{
	struct login_route r;

	CHECK(parse("devbox", &r) == 0 && strcmp(r.sandbox, "devbox") == 0 && r.user[0] == '\0');
	CHECK(parse("dev+devbox", &r) == 0 && strcmp(r.sandbox, "devbox") == 0 &&
	    strcmp(r.user, "dev") == 0);
	/* The last '+' splits: a sandbox name cannot hold one, a user name may. */
	CHECK(parse("a+b+box", &r) == 0 && strcmp(r.user, "a+b") == 0 && strcmp(r.sandbox, "box") == 0);
	const char *bad[] = { "", "+box", "dev+", "dev+bad name", "dev+.hidden", "dev+-x", "+" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &r) == -1);
	CHECK(login_route_parse("box\0x", 5, &r) == -1);
	char longuser[LOGIN_ROUTE_USER_MAX + 8];
	memset(longuser, 'u', LOGIN_ROUTE_USER_MAX + 1);
	strcpy(longuser + LOGIN_ROUTE_USER_MAX + 1, "+box");
	CHECK(parse(longuser, &r) == -1);
	longuser[LOGIN_ROUTE_USER_MAX] = '+';
	strcpy(longuser + LOGIN_ROUTE_USER_MAX + 1, "box");
	CHECK(parse(longuser, &r) == 0 && strlen(r.user) == LOGIN_ROUTE_USER_MAX);
	char longname[80];
	memset(longname, 'b', 65);
	longname[65] = '\0';
	CHECK(parse(longname, &r) == -1);
}

static void
test_delay(void)
{
	struct fail_delay a, b;

	CHECK(fail_delay_init(&a, "key one", 7) == 0);
	CHECK(fail_delay_init(&b, "key two", 7) == 0);
	uint64_t d = fail_delay_us(&a, "box");
	CHECK(d >= FAIL_DELAY_MIN_US && d < FAIL_DELAY_MIN_US + FAIL_DELAY_SPAN_US);
	CHECK(fail_delay_us(&a, "box") == d);
	/* Other names and other keys spread over the span. */
	int same = 0;
	for (int i = 0; i < 64; i++) {
		char name[16];
		snprintf(name, sizeof(name), "box%d", i);
		same += fail_delay_us(&a, name) == fail_delay_us(&b, name);
	}
	CHECK(same < 4);
	int64_t t0 = fail_delay_now_us();
	fail_delay_wait(t0, 3000);
	CHECK(fail_delay_now_us() - t0 >= 3000);
	t0 = fail_delay_now_us();
	fail_delay_wait(t0 - 10000, 3000);
	CHECK(fail_delay_now_us() - t0 < 2000);
}

int
main(void)
{
	test_route();
	test_delay();
	return unit_done();
}
