/*
 * The kernel command line parser msb_init_boot() uses for msb.* options,
 * fed well-formed, hostile and random lines.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "guest/init/boot_steps.h"
#include "unit.h"

static void
set(struct msb_cmdline *cl, const char *text)
{
	msb_cmdline_set(cl, text, strlen(text));
}

/* Returns the lookup result; "" in out when absent. */
static int
get(const struct msb_cmdline *cl, const char *key, char *out, size_t outlen)
{
	out[0] = '\0';
	return msb_cmdline_get(cl, key, out, outlen);
}

int
main(void)
{
	static struct msb_cmdline cl;
	char v[64], big[MSB_CMDLINE_MAX * 2];

	msb_log_init("test_init_cmdline", MSB_LOG_QUIET);

	set(&cl, "console=ttyS0 msb.root=/dev/vdb msb.hostname=box\n");
	/* plain key=value */
	CHECK(get(&cl, "msb.root", v, sizeof(v)) == 1 &&
	    strcmp(v, "/dev/vdb") == 0);
	/* value before the trailing newline */
	CHECK(get(&cl, "msb.hostname", v, sizeof(v)) == 1 &&
	    strcmp(v, "box") == 0);
	/* absent key whose name extends a present one */
	CHECK(get(&cl, "msb.rootfstype", v, sizeof(v)) == 0);
	/* a key prefix does not match */
	CHECK(get(&cl, "msb.roo", v, sizeof(v)) == 0);

	set(&cl, "msb.hostname=a msb.hostname=b");
	/* the last occurrence wins */
	CHECK(get(&cl, "msb.hostname", v, sizeof(v)) == 1 &&
	    strcmp(v, "b") == 0);

	set(&cl, "x msb.hostname=\"two words\"\ty");
	/* double-quoted value with a space */
	CHECK(get(&cl, "msb.hostname", v, sizeof(v)) == 1 &&
	    strcmp(v, "two words") == 0);

	set(&cl, "msb.hostname=\"unterminated and more");
	/* an unbalanced quote runs to the end */
	CHECK(get(&cl, "msb.hostname", v, sizeof(v)) == 1 &&
	    strcmp(v, "unterminated and more") == 0);

	set(&cl, "msb.root= msb.ro msb.rw=1");
	/* empty value */
	CHECK(get(&cl, "msb.root", v, sizeof(v)) == 1 && v[0] == '\0');
	/* bare flag present */
	CHECK(msb_cmdline_flag(&cl, "msb.ro") == 1);
	/* key=value is not a bare flag */
	CHECK(msb_cmdline_flag(&cl, "msb.rw") == 0);
	/* a bare flag has no value */
	CHECK(get(&cl, "msb.ro", v, sizeof(v)) == 0);

	set(&cl, "msb.hostname=0123456789");
	/* value longer than the buffer is refused */
	CHECK(get(&cl, "msb.hostname", v, 8) == -1);

	msb_cmdline_set(&cl, "a\0msb.hostname=hidden", 21);
	/* an embedded NUL does not end the line */
	CHECK(get(&cl, "msb.hostname", v, sizeof(v)) == 1 &&
	    strcmp(v, "hidden") == 0);

	set(&cl, "");
	/* empty line */
	CHECK(get(&cl, "msb.root", v, sizeof(v)) == 0 &&
	    msb_cmdline_flag(&cl, "msb.ro") == 0);

	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 16, " msb.ro", 7);
	msb_cmdline_set(&cl, big, sizeof(big));
	/* overlong input is cut at the limit */
	CHECK(strlen(cl.text) == MSB_CMDLINE_MAX - 1 &&
	    msb_cmdline_flag(&cl, "msb.ro") == 0);
	/* one page-long word */
	CHECK(get(&cl, "x", v, sizeof(v)) == 0);

	/* Random bytes must neither crash nor yield an unterminated value. */
	int bad = 0;
	srand(1);
	for (int i = 0; i < 2000 && !bad; i++) {
		size_t len = (size_t)rand() % sizeof(big);
		for (size_t j = 0; j < len; j++)
			big[j] = "ab= \"\t\n\\m.\0x"[rand() % 12];
		msb_cmdline_set(&cl, big, len);
		if (strlen(cl.text) > len ||
		    (get(&cl, "a", v, sizeof(v)) == 1 && strlen(v) >= sizeof(v)))
			bad = 1;
		if (msb_cmdline_flag(&cl, "b") != 0 &&
		    msb_cmdline_flag(&cl, "b") != 1)
			bad = 1;
	}
	/* 2000 random lines parsed, values bounded */
	CHECK(!bad);

	return unit_done();
}
