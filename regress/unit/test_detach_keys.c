#include "config.h"

#include <string.h>

#include "lib/api/api.h"
#include "unit.h"

static void
test_parse(void)
{
	struct api_detach d;

	CHECK(api_detach_parse("ctrl-p,ctrl-q", &d) == 0);
	CHECK(d.len == 2 && d.seq[0] == 0x10 && d.seq[1] == 0x11);
	CHECK(api_detach_parse("ctrl-x,y", &d) == 0);
	CHECK(d.len == 2 && d.seq[0] == 0x18 && d.seq[1] == 'y');
	CHECK(api_detach_parse("ctrl-@,ctrl-[,ctrl-_", &d) == 0);
	CHECK(d.len == 3 && d.seq[0] == 0 && d.seq[1] == 0x1b && d.seq[2] == 0x1f);
	CHECK(api_detach_parse("CTRL-P", &d) != 0);
	CHECK(api_detach_parse("ctrl-P", &d) == 0 && d.seq[0] == 0x10);
	CHECK(api_detach_parse("", &d) == 0 && d.len == 0);
	CHECK(api_detach_parse("ctrl-", &d) != 0);
	CHECK(api_detach_parse("ctrl-1", &d) != 0);
	CHECK(api_detach_parse("ab", &d) != 0);
	CHECK(api_detach_parse("a,", &d) != 0);
	CHECK(api_detach_parse(",a", &d) != 0);
	CHECK(api_detach_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", &d) == 0 && d.len == 16);
	CHECK(api_detach_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &d) != 0);
}

/* Feeds s in pieces of step bytes; returns what passed, "" if detached at once. */
static const char *
feed(const char *spec, const char *s, size_t step, bool *done)
{
	static char out[256];
	char tmp[64 + 16];
	struct api_detach d;
	size_t len = 0, n = strlen(s);

	api_detach_parse(spec, &d);
	for (size_t i = 0; i < n && !d.done; i += step) {
		size_t k = n - i < step ? n - i : step;
		size_t m = api_detach_filter(&d, s + i, k, tmp);
		memcpy(out + len, tmp, m);
		len += m;
	}
	out[len] = '\0';
	*done = d.done;
	return out;
}

static void
test_filter(void)
{
	bool done;

	for (size_t step = 1; step <= 8; step++) {
		CHECK(strcmp(feed("ctrl-p,ctrl-q", "abc", step, &done), "abc") == 0 && !done);
		CHECK(strcmp(feed("ctrl-p,ctrl-q", "ab\x10\x11zz", step, &done), "ab") == 0 && done);
		CHECK(strcmp(feed("ctrl-p,ctrl-q", "\x10" "a", step, &done), "\x10" "a") == 0 && !done);
		/* A repeated first key: the first one goes out, the second may start the sequence. */
		CHECK(strcmp(feed("ctrl-p,ctrl-q", "\x10\x10\x11", step, &done), "\x10") == 0 && done);
		CHECK(strcmp(feed("ctrl-x,y", "xy\x18y", step, &done), "xy") == 0 && done);
		CHECK(strcmp(feed("", "\x10\x11", step, &done), "\x10\x11") == 0 && !done);
	}
	/* A prefix held at the end of one read waits for the next. */
	struct api_detach d;
	char out[32];
	api_detach_parse("ctrl-p,ctrl-q", &d);
	CHECK(api_detach_filter(&d, "a\x10", 2, out) == 1 && out[0] == 'a' && d.matched == 1);
	CHECK(api_detach_filter(&d, "b", 1, out) == 2 && memcmp(out, "\x10" "b", 2) == 0);
}

int
main(void)
{
	test_parse();
	test_filter();
	return unit_done();
}
