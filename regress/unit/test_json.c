#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "vmctl/qmp/json.h"
#include "unit.h"

/* Re-serializes v; the caller frees the result. */
static char *
dump(const struct json_value *v)
{
	struct msb_buf b;
	char *s;

	msb_buf_init(&b, 1 << 20);
	if (json_append_value(&b, v) != 0) {
		msb_buf_free(&b);
		return NULL;
	}
	s = unit_alloc(msb_buf_avail(&b) + 1);
	memcpy(s, msb_buf_ptr(&b), msb_buf_avail(&b));
	msb_buf_free(&b);
	return s;
}

static struct json_value *
parse(const char *s, struct json_error *err)
{
	return json_parse(s, strlen(s), NULL, err);
}

/* Valid documents and their canonical (compact) form. */
static void
test_valid(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "{}", "{}" },
		{ "[]", "[]" },
		{ " \t\r\n[ ] \r\n", "[]" },
		{ "0", "0" },
		{ "-0", "0" },
		{ "null", "null" },
		{ "true", "true" },
		{ "false", "false" },
		{ "\"\"", "\"\"" },
		{ "[1, -2, 3.5, 1e2, 1E-2, -0.0, 2.5e+3]", "[1,-2,3.5,100.0,0.01,-0.0,2500.0]" },
		{ "9223372036854775807", "9223372036854775807" },
		{ "-9223372036854775808", "-9223372036854775808" },
		{ "9223372036854775808", "9.2233720368547758e+18" },
		{ "-9223372036854775809", "-9.2233720368547758e+18" },
		{ "123456789012345678901234567890", "1.2345678901234568e+29" },
		{ "1e-400", "0.0" },
		{ "{\"a\" : [true, {\"b\":null}], \"c\":\"d\"}", "{\"a\":[true,{\"b\":null}],\"c\":\"d\"}" },
		{ "[[[[[]]]]]", "[[[[[]]]]]" },
		{ "\"\\/\"", "\"/\"" },
		{ "\"\x7f\"", "\"\x7f\"" },
		{ "{\"a\":1,\"ab\":2,\"b\":3}", "{\"a\":1,\"ab\":2,\"b\":3}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_error err;
		struct json_value *v = parse(cases[i].in, &err);
		char *s;

		if (!CHECK(v != NULL)) {
			fprintf(stderr, "  input %s: %s at %zu\n", cases[i].in, err.msg, err.offset);
			continue;
		}
		s = dump(v);
		CHECK_STR(s, cases[i].out);
		free(s);
		json_free(v);
	}
}

/* Invalid documents, the byte offset of the error, and part of its message. */
static void
test_invalid(void)
{
	static const struct {
		const char *in;
		size_t offset;
		const char *msg;
	} cases[] = {
		{ "", 0, "end of input" },
		{ "   ", 3, "end of input" },
		{ "[", 1, "end of input" },
		{ "[1", 2, "end of input in array" },
		{ "[1,", 3, "end of input" },
		{ "[1,]", 3, "unexpected character" },
		{ "[,1]", 1, "unexpected character" },
		{ "[1 2]", 3, "',' or ']'" },
		{ "{", 1, "string key" },
		{ "{\"a\"}", 4, "':'" },
		{ "{\"a\":}", 5, "unexpected character" },
		{ "{\"a\":1,}", 7, "string key" },
		{ "{\"a\":1 \"b\":2}", 7, "',' or '}'" },
		{ "{a:1}", 1, "string key" },
		{ "{1:1}", 1, "string key" },
		{ "{\"a\":1,\"a\":2}", 0, "duplicate key" },
		{ "[{\"x\":1,\"y\":2,\"x\":3}]", 1, "duplicate key" },
		{ "'a'", 0, "unexpected character" },
		{ "\"abc", 0, "unterminated" },
		{ "\"abc\\\"", 0, "unterminated" },
		{ "\"\\x\"", 1, "invalid escape" },
		{ "\"\\u12\"", 1, "four hex" },
		{ "\"\\u12G4\"", 1, "four hex" },
		{ "\"\\u0000\"", 1, "\\u0000" },
		{ "\"a\tb\"", 2, "control character" },
		{ "\"a\nb\"", 2, "control character" },
		{ "\"\\ud800\"", 1, "unpaired high" },
		{ "\"\\ud800x\"", 1, "unpaired high" },
		{ "\"\\ud800\\u0041\"", 1, "unpaired high" },
		{ "\"\\ud800\\ud800\"", 1, "unpaired high" },
		{ "\"\\udc00\"", 1, "unpaired low" },
		{ "\"\\udc00\\ud800\"", 1, "unpaired low" },
		{ "\"\\ud800\\u", 0, "unterminated" },
		{ "\"\\ud800\\udc0\"", 7, "four hex" },
		{ "\"\xc0\x80\"", 1, "UTF-8" },
		{ "\"\xc1\xbf\"", 1, "UTF-8" },
		{ "\"\xe0\x80\xaf\"", 1, "UTF-8" },
		{ "\"\xed\xa0\x80\"", 1, "UTF-8" },
		{ "\"\xf0\x80\x80\xaf\"", 1, "UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", 1, "UTF-8" },
		{ "\"\xf5\x80\x80\x80\"", 1, "UTF-8" },
		{ "\"\xe2\x82\"", 1, "UTF-8" },
		{ "\"\x80\"", 1, "UTF-8" },
		{ "\"\xff\"", 1, "UTF-8" },
		{ "01", 1, "trailing" },
		{ "-", 0, "invalid number" },
		{ "-a", 0, "invalid number" },
		{ "+1", 0, "unexpected character" },
		{ ".5", 0, "unexpected character" },
		{ "1.", 2, "after '.'" },
		{ "1.e3", 2, "after '.'" },
		{ "1e", 2, "exponent" },
		{ "1e+", 3, "exponent" },
		{ "0x10", 1, "trailing" },
		{ "1e400", 0, "out of range" },
		{ "-1e400", 0, "out of range" },
		{ "NaN", 0, "unexpected character" },
		{ "Infinity", 0, "unexpected character" },
		{ "tru", 0, "unexpected character" },
		{ "nul", 0, "unexpected character" },
		{ "True", 0, "unexpected character" },
		{ "{} x", 3, "trailing" },
		{ "[1]]", 3, "trailing" },
		{ "1 2", 2, "trailing" },
		{ "{}{}", 2, "trailing" },
		{ "\xef\xbb\xbf{}", 0, "unexpected character" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_error err = { 0 };
		struct json_value *v = parse(cases[i].in, &err);

		if (!CHECK(v == NULL)) {
			fprintf(stderr, "  accepted: %s\n", cases[i].in);
			json_free(v);
			continue;
		}
		if (!CHECK_EQ_U64(err.offset, cases[i].offset) ||
		    !CHECK(strstr(err.msg, cases[i].msg) != NULL))
			fprintf(stderr, "  input %s: \"%s\" at %zu\n", cases[i].in,
			    err.msg, err.offset);
	}
	/* An embedded NUL byte is not JSON, whatever follows it. */
	CHECK(json_parse("[1]\0", 4, NULL, NULL) == NULL);
	CHECK(json_parse("\"a\0b\"", 5, NULL, NULL) == NULL);
	/* The input need not be NUL-terminated: only len bytes count. */
	{
		struct json_value *v = json_parse("[1]garbage", 3, NULL, NULL);

		CHECK_EQ_U64(json_array_len(v), 1);
		json_free(v);
	}
}

static void
test_escapes(void)
{
	struct json_value *v = parse(
	    "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u00E9\\u20ac"
	    "\\ud83d\\ude00\\uDBFF\\uDFFF\\u0001\\u001f\\u007f\\uffff\"", NULL);

	if (CHECK(v != NULL))
		CHECK_STR(json_string(v), "q\" b\\ s/ \b\f\n\r\t A\xc3\xa9\xc3\xa9"
		    "\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\x01\x1f\x7f\xef\xbf\xbf");
	json_free(v);

	/* Raw multi-byte UTF-8 of every length passes through unchanged. */
	v = parse("\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
	    "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"", NULL);
	if (CHECK(v != NULL))
		CHECK_STR(json_string(v), "\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf "
		    "\xee\x80\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf");
	json_free(v);

	/* Keys are decoded the same way. */
	v = parse("{\"\\u00e9t\\u00e9\":1}", NULL);
	if (CHECK(v != NULL)) {
		int64_t i = 0;

		CHECK(json_int(json_get(v, "\xc3\xa9t\xc3\xa9"), &i) == 0 && i == 1);
	}
	json_free(v);
}

static char *
nested(unsigned depth, char open, char close)
{
	char *s = unit_alloc(2 * depth + 1);

	memset(s, open, depth);
	memset(s + depth, close, depth);
	return s;
}

static void
test_limits(void)
{
	struct json_limits lim = { .max_input = 32, .max_depth = 3, .max_members = 3 };
	struct json_error err;
	struct json_value *v;
	char *s;

	s = nested(JSON_MAX_DEPTH_DEFAULT, '[', ']');
	v = parse(s, &err);
	CHECK(v != NULL);
	json_free(v);
	free(s);
	s = nested(JSON_MAX_DEPTH_DEFAULT + 1, '[', ']');
	CHECK(parse(s, &err) == NULL);
	CHECK_EQ_U64(err.offset, JSON_MAX_DEPTH_DEFAULT);
	CHECK(strstr(err.msg, "too deep") != NULL);
	free(s);
	/* Far deeper than the stack would take if depth were not capped. */
	s = nested(1000000, '[', ']');
	CHECK(parse(s, &err) == NULL);
	free(s);
	s = unit_alloc(200001);
	for (size_t i = 0; i < 200000; i += 5)
		memcpy(s + i, "{\"a\":", 5);
	CHECK(parse(s, &err) == NULL);
	CHECK(strstr(err.msg, "too deep") != NULL);
	free(s);

	v = json_parse("[[[1]]]", 7, &lim, &err);
	CHECK(v != NULL);
	json_free(v);
	CHECK(json_parse("[[[[1]]]]", 9, &lim, &err) == NULL);
	CHECK(json_parse("{\"a\":{\"b\":[[]]}}", 16, &lim, &err) == NULL);
	v = json_parse("[1,2,3]", 7, &lim, &err);
	CHECK(v != NULL);
	json_free(v);
	CHECK(json_parse("[1,2,3,4]", 9, &lim, &err) == NULL);
	CHECK(strstr(err.msg, "too many") != NULL);
	CHECK(json_parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 25, &lim, &err) == NULL);
	v = json_parse("[1,2,                         3]", 32, &lim, &err);
	CHECK(v != NULL);
	json_free(v);
	CHECK(json_parse("[1,2,                          3]", 33, &lim, &err) == NULL);
	CHECK(strstr(err.msg, "too large") != NULL);
	CHECK_EQ_U64(err.offset, 32);

	/* Number tokens are capped at JSON_NUMBER_MAX bytes. */
	s = unit_alloc(JSON_NUMBER_MAX + 2);
	memset(s, '1', JSON_NUMBER_MAX);
	v = parse(s, &err);
	CHECK(json_is(v, JSON_DOUBLE));
	json_free(v);
	s[JSON_NUMBER_MAX] = '1';
	CHECK(parse(s, &err) == NULL);
	CHECK(strstr(err.msg, "too long") != NULL);
	free(s);
}

static void
test_accessors(void)
{
	struct json_value *v = parse("{\"s\":\"x\",\"i\":-7,\"d\":0.5,\"b\":true,"
	    "\"n\":null,\"a\":[1,\"two\"],\"o\":{}}", NULL);
	struct json_value *t;
	int64_t i = 0;
	double d = 0;
	bool b = false;

	if (!CHECK(v != NULL))
		return;
	CHECK(json_is(v, JSON_OBJECT));
	CHECK_EQ_U64(json_object_len(v), 7);
	CHECK_STR(json_object_key_at(v, 0), "s");
	CHECK_STR(json_object_key_at(v, 6), "o");
	CHECK(json_object_key_at(v, 7) == NULL);
	CHECK(json_object_value_at(v, 7) == NULL);
	CHECK_STR(json_string(json_get(v, "s")), "x");
	CHECK(json_string(json_get(v, "i")) == NULL);
	CHECK(json_int(json_get(v, "i"), &i) == 0 && i == -7);
	CHECK(json_int(json_get(v, "d"), &i) == -1);
	CHECK(json_double(json_get(v, "d"), &d) == 0 && d == 0.5);
	CHECK(json_double(json_get(v, "i"), &d) == 0 && d == -7.0);
	CHECK(json_double(json_get(v, "s"), &d) == -1);
	CHECK(json_bool(json_get(v, "b"), &b) == 0 && b);
	CHECK(json_bool(json_get(v, "n"), &b) == -1);
	CHECK(json_is(json_get(v, "n"), JSON_NULL));
	CHECK(json_get(v, "missing") == NULL);
	CHECK(json_get(json_get(v, "a"), "s") == NULL);
	CHECK(json_get(NULL, "s") == NULL);
	CHECK(!json_is(NULL, JSON_NULL));
	CHECK_EQ_U64(json_array_len(json_get(v, "a")), 2);
	CHECK_EQ_U64(json_array_len(v), 0);
	CHECK_STR(json_string(json_array_at(json_get(v, "a"), 1)), "two");
	CHECK(json_array_at(json_get(v, "a"), 2) == NULL);
	CHECK(json_array_at(NULL, 0) == NULL);
	CHECK_STR(json_type_name(json_type(json_get(v, "o"))), "object");

	t = json_take(v, "a");
	CHECK_EQ_U64(json_array_len(t), 2);
	CHECK(json_get(v, "a") == NULL);
	CHECK_EQ_U64(json_object_len(v), 6);
	CHECK_STR(json_object_key_at(v, 5), "o");
	CHECK(json_take(v, "a") == NULL);
	json_free(t);
	json_free(v);
	json_free(NULL);
}

/* Every strict prefix of a QMP message is an error, never a crash or a tree. */
static void
test_truncated(void)
{
	static const char msg[] = "{\"timestamp\": {\"seconds\": 1795348326, "
	    "\"microseconds\": 711276}, \"event\": \"SHUTDOWN\", \"data\": "
	    "{\"guest\": false, \"reason\": \"host-qmp-quit\", \"x\": [1.5e3, null, "
	    "true, \"\\u00e9\\ud83d\\ude00\\n\"]}}";
	size_t n = strlen(msg);
	unsigned rejected = 0;

	for (size_t len = 0; len < n; len++) {
		/* A heap copy of exactly len bytes lets ASan catch over-reads. */
		char *p = unit_alloc(len);
		struct json_value *v;

		memcpy(p, msg, len);
		v = json_parse(p, len, NULL, NULL);
		rejected += v == NULL;
		json_free(v);
		free(p);
	}
	CHECK_EQ_U64(rejected, n);
	{
		struct json_value *v = json_parse(msg, n, NULL, NULL);
		const struct json_value *x = json_get(json_get(v, "data"), "x");

		CHECK_STR(json_string(json_get(v, "event")), "SHUTDOWN");
		CHECK_STR(json_string(json_array_at(x, 3)), "\xc3\xa9\xf0\x9f\x98\x80\n");
		json_free(v);
	}
}

static void
roundtrip(const char *s, size_t len)
{
	struct msb_buf b;
	struct json_value *v;

	msb_buf_init(&b, 1 << 16);
	if (!CHECK(json_append_string_n(&b, s, len) == 0))
		goto out;
	/* The escaped form is one line: QMP frames on newlines. */
	CHECK(memchr(msb_buf_ptr(&b), '\n', msb_buf_avail(&b)) == NULL);
	v = json_parse((const char *)msb_buf_ptr(&b), msb_buf_avail(&b), NULL, NULL);
	if (CHECK(json_is(v, JSON_STRING)) && CHECK(strlen(json_string(v)) == len))
		CHECK_MEM(json_string(v), s, len);
	json_free(v);
out:
	msb_buf_free(&b);
}

static void
test_writer(void)
{
	char all[256];
	struct msb_buf b;
	size_t n = 0;

	for (int c = 1; c < 0x80; c++)
		all[n++] = (char)c;
	roundtrip(all, n);
	roundtrip("", 0);
	roundtrip("\"\\\"\\", 4);
	roundtrip("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", 13);

	msb_buf_init(&b, 64);
	CHECK(json_append_string(&b, "a\"b\\c\n\x01\x1f\x7f/") == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), 25);
	CHECK_MEM(msb_buf_ptr(&b), "\"a\\\"b\\\\c\\n\\u0001\\u001f\x7f/\"", 25);
	msb_buf_reset(&b);
	CHECK(json_append_string(&b, "\xc0\x80") == -1);
	msb_buf_reset(&b);
	CHECK(json_append_string(&b, "\xed\xa0\x80") == -1);
	msb_buf_reset(&b);
	CHECK(json_append_string(&b, "ok\xe2\x82") == -1);
	msb_buf_reset(&b);
	CHECK(json_append_string_n(&b, "a\0b", 3) == -1);
	msb_buf_reset(&b);
	/* 62 plain bytes plus quotes fill the buffer exactly; one more fails. */
	memset(all, 'x', 63);
	all[62] = '\0';
	CHECK(json_append_string(&b, all) == 0);
	msb_buf_reset(&b);
	all[62] = 'x';
	all[63] = '\0';
	CHECK(json_append_string(&b, all) == -1);
	msb_buf_free(&b);
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_escapes();
	test_limits();
	test_accessors();
	test_truncated();
	test_writer();
	return unit_done();
}
