/*
 * The asciicast encoder (lib/cast.h): guest bytes become valid JSON
 * strings, invalid UTF-8 U+FFFD per maximal subpart (Python's
 * errors="replace" gives the same), control characters \u00XX, and a
 * sequence split across events is carried whole into the next one.
 */
#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/cast.h"
#include "unit.h"

static char text[4096];

/*
 * What the encoder left in b as a C string in text, or "FULL" when it
 * failed (rc -1); frees b.
 */
static const char *
as_text(struct msb_buf *b, int rc)
{
	if (rc != 0) {
		snprintf(text, sizeof(text), "FULL");
	} else {
		/* An empty buffer has no storage to copy from. */
		if (msb_buf_avail(b) > 0)
			memcpy(text, msb_buf_ptr(b), msb_buf_avail(b));
		text[msb_buf_avail(b)] = '\0';
	}
	msb_buf_free(b);
	return text;
}

/* One event's line, or "" when nothing was appended; -1 shows as "FULL". */
static const char *
event(uint64_t usec, const char *data, size_t len, struct msb_utf8_carry *carry)
{
	struct msb_buf b;

	msb_buf_init(&b, sizeof(text) - 1);
	return as_text(&b, msb_cast_event(&b, usec, 'o', (const uint8_t *)data, len, carry));
}

static const char *
str(const char *data, size_t len)
{
	struct msb_buf b;

	msb_buf_init(&b, sizeof(text) - 1);
	return as_text(&b, msb_json_string(&b, (const uint8_t *)data, len));
}

#define S(lit) str(lit, sizeof(lit) - 1)

static void
test_strings(void)
{
	CHECK_STR(S("plain"), "\"plain\"");
	CHECK_STR(S("a\"b\\c"), "\"a\\\"b\\\\c\"");
	CHECK_STR(S("\r\n\t\x1b[0m\x7f"), "\"\\u000d\\u000a\\u0009\\u001b[0m\\u007f\"");
	CHECK_STR(S("nul\0x"), "\"nul\\u0000x\"");
	/* Well-formed, one to four bytes, the edges of each range. */
	CHECK_STR(S("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
	CHECK_STR(S("\xe2\x82\xac"), "\"\xe2\x82\xac\"");
	/* Ill-formed: lone continuation, C0/C1 overlongs, F5.., surrogates,
	 * past U+10FFFF, truncated sequences (one U+FFFD each maximal part). */
	CHECK_STR(S("\x80"), "\"\\ufffd\"");
	CHECK_STR(S("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(S("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(S("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(S("\xf5\xff"), "\"\\ufffd\\ufffd\"");
	CHECK_STR(S("\xe2\x82x"), "\"\\ufffdx\"");
	CHECK_STR(S("\xf0\x9f\x98"), "\"\\ufffd\"");
	CHECK_STR(S("a\xe2\x82"), "\"a\\ufffd\"");
}

static void
test_events(void)
{
	struct msb_utf8_carry carry = { .n = 0 };

	CHECK_STR(event(1500000, "hi\r\n", 4, NULL), "[1.500000, \"o\", \"hi\\u000d\\u000a\"]\n");
	CHECK_STR(event(7, "", 0, NULL), "");
	/* A euro sign split 1+2 and a smiley split 2+1+1 come out whole. */
	CHECK_STR(event(1, "a\xe2", 2, &carry), "[0.000001, \"o\", \"a\"]\n");
	CHECK_EQ_U64(carry.n, 1);
	CHECK_STR(event(2, "\x82\xac" "b", 3, &carry), "[0.000002, \"o\", \"\xe2\x82\xac" "b\"]\n");
	CHECK_EQ_U64(carry.n, 0);
	CHECK_STR(event(3, "\xf0\x9f", 2, &carry), "");
	CHECK_STR(event(4, "\x98", 1, &carry), "");
	CHECK_EQ_U64(carry.n, 3);
	CHECK_STR(event(5, "\x80!", 2, &carry), "[0.000005, \"o\", \"\xf0\x9f\x98\x80!\"]\n");
	/* A carry the next bytes do not continue: U+FFFD, then those bytes. */
	CHECK_STR(event(6, "\xe2\x82", 2, &carry), "");
	CHECK_STR(event(7, "z", 1, &carry), "[0.000007, \"o\", \"\\ufffdz\"]\n");
	/* Flushed at the end of the stream. */
	CHECK_STR(event(8, "\xc3", 1, &carry), "");
	CHECK_STR(event(9, NULL, 0, &carry), "[0.000009, \"o\", \"\\ufffd\"]\n");
	CHECK_STR(event(10, NULL, 0, &carry), "");
	/* A full buffer leaves nothing behind. */
	struct msb_buf b;
	msb_buf_init(&b, 16);
	CHECK(msb_cast_event(&b, 1, 'o', (const uint8_t *)"0123456789abcdef", 16, NULL) == -1);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	msb_buf_free(&b);
}

static void
test_header(void)
{
	struct msb_buf b;
	struct msb_cast_header h = {
		.width = 80, .height = 24, .timestamp = 1796553180, .term = "xterm",
		.title = "root@box \"shell\"", .command = NULL,
	};

	msb_buf_init(&b, MSB_CAST_HEADER_MAX);
	CHECK(msb_cast_header(&b, &h) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), strlen("{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1796553180, \"title\": \"root@box \\\"shell\\\"\", "
	    "\"env\": {\"TERM\": \"xterm\"}}\n"));
	CHECK(memcmp(msb_buf_ptr(&b), "{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1796553180, \"title\": \"root@box \\\"shell\\\"\", "
	    "\"env\": {\"TERM\": \"xterm\"}}\n", msb_buf_avail(&b)) == 0);
	msb_buf_reset(&b);
	h.term = NULL;
	h.title = NULL;
	h.command = "echo \x1b\xff";
	CHECK(msb_cast_header(&b, &h) == 0);
	CHECK(memcmp(msb_buf_ptr(&b), "{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1796553180, \"command\": \"echo \\u001b\\ufffd\", \"env\": {}}\n",
	    msb_buf_avail(&b)) == 0);
	msb_buf_free(&b);
}

int
main(void)
{
	test_strings();
	test_events();
	test_header();
	return unit_done();
}
