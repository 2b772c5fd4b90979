#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/kv_file.h"
#include "lib/log.h"
#include "unit.h"

static char dir[] = "/tmp/msb-test-kv.XXXXXX";
static char file[PATH_MAX];

struct seen {
	char text[512];
	const char *stop_at;
	const char *reject;
};

static int
collect(const char *k, const char *v, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "[%s|%s]", k, v);
	if (s->reject != NULL && strcmp(k, s->reject) == 0)
		return -1;
	return s->stop_at != NULL && strcmp(k, s->stop_at) == 0 ? 1 : 0;
}

static void
put(const char *text)
{
	FILE *fp = fopen(file, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(file);
		exit(1);
	}
}

static void
test_pairs(void)
{
	struct seen s = { "", NULL, NULL };

	/* Blank lines and comments skipped; the key ends at the first '='. */
	put("image=base\n\n# a comment=x\nforward=tcp:1.2.3.4:1:2\nreason=a=b\nempty=\nlast=no newline");
	CHECK(msb_kv_read(file, collect, &s) == 0);
	CHECK_STR(s.text, "[image|base][forward|tcp:1.2.3.4:1:2][reason|a=b][empty|][last|no newline]");

	/* 1 from the callback stops the reading, and is no error. */
	s = (struct seen){ "", "forward", NULL };
	CHECK(msb_kv_read(file, collect, &s) == 0);
	CHECK_STR(s.text, "[image|base][forward|tcp:1.2.3.4:1:2]");
}

static void
test_errors(void)
{
	struct seen s = { "", NULL, NULL };

	errno = 0;
	CHECK(msb_kv_read("/nonexistent/msb/config", collect, &s) == -1 && errno == ENOENT);

	put("image=base\nnot a pair\nnext=1\n");
	errno = 0;
	CHECK(msb_kv_read(file, collect, &s) == -1 && errno == EINVAL);
	CHECK_STR(s.text, "[image|base]");

	s = (struct seen){ "", NULL, "image" };
	put("image=\x1b[2J\nnext=1\n");
	errno = 0;
	CHECK(msb_kv_read(file, collect, &s) == -1 && errno == EINVAL);
	CHECK_STR(s.text, "[image|\x1b[2J]");

	/* A line longer than the reader's buffer is refused, not split. */
	static char big[PATH_MAX + 200];
	memset(big, 'x', sizeof(big) - 2);
	memcpy(big, "k=", 2);
	big[sizeof(big) - 2] = '\n';
	put(big);
	s = (struct seen){ "", NULL, NULL };
	CHECK(msb_kv_read(file, collect, &s) == -1 && errno == EINVAL);
	CHECK_STR(s.text, "");
}

int
main(void)
{
	/* The reader logs what it refuses; the checks look at what it returns. */
	msb_log_init("test_kv_file", MSB_LOG_QUIET);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/config", dir);
	test_pairs();
	test_errors();
	if (unlink(file) != 0 || rmdir(dir) != 0)
		perror(dir);
	return unit_done();
}
