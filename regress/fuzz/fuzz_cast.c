/*
 * libFuzzer target for the asciicast encoder (lib/cast.h). The input after
 * its first byte is guest output, cut into events of the size that byte
 * picks. Oracles: every event line is valid UTF-8 with no raw control
 * character and only \", \\ and \uXXXX escapes; the events' strings joined
 * are the same as one event of the whole input and as msb_json_string of
 * it (a UTF-8 sequence split across events is carried, never mangled); and
 * input that is valid UTF-8 decodes back to itself. Anything else abort()s.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/cast.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF), written apart from lib/cast.c. */
static bool
valid_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c = p[i], min;
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 2; c &= 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 3; c &= 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 4; c &= 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (i + k > n)
			return false;
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (p[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

/* Checks one JSON string body and appends its decoding (\u escapes below 0x80 only, and U+FFFD). */
static void
check_body(const uint8_t *p, size_t n, struct msb_buf *decoded)
{
	EXPECT(valid_utf8(p, n));
	for (size_t i = 0; i < n; i++) {
		EXPECT(p[i] >= 0x20 && p[i] != 0x7f);
		EXPECT(p[i] != '"');
		if (p[i] != '\\') {
			EXPECT(msb_buf_put(decoded, p + i, 1) == 0);
			continue;
		}
		EXPECT(i + 1 < n);
		if (p[i + 1] == '"' || p[i + 1] == '\\') {
			EXPECT(msb_buf_put(decoded, p + i + 1, 1) == 0);
			i++;
			continue;
		}
		EXPECT(p[i + 1] == 'u' && i + 5 < n);
		char hex[5] = { (char)p[i + 2], (char)p[i + 3], (char)p[i + 4], (char)p[i + 5], 0 };
		unsigned long v = strtoul(hex, NULL, 16);
		if (v == 0xfffd) {
			EXPECT(msb_buf_put(decoded, "\xef\xbf\xbd", 3) == 0);
		} else {
			EXPECT(v < 0x20 || v == 0x7f);
			uint8_t b = (uint8_t)v;
			EXPECT(msb_buf_put(decoded, &b, 1) == 0);
		}
		i += 5;
	}
}

/* The body of the one event line in b, appended to joined; b is emptied. */
static void
take_event(struct msb_buf *b, struct msb_buf *joined, struct msb_buf *decoded)
{
	const uint8_t *p = msb_buf_ptr(b);
	size_t n = msb_buf_avail(b);

	if (n == 0)
		return;
	EXPECT(p[0] == '[' && n >= 3 && memcmp(p + n - 3, "\"]\n", 3) == 0);
	const uint8_t *q = memchr(p, '"', n);
	if (q == NULL)
		abort();
	EXPECT((size_t)(q - p) + 6 <= n - 3 && memcmp(q, "\"o\", \"", 6) == 0);
	const uint8_t *body = q + 6;
	size_t len = (size_t)(p + n - 3 - body);
	check_body(body, len, decoded);
	EXPECT(msb_buf_put(joined, body, len) == 0);
	msb_buf_reset(b);
}

static bool
same(const struct msb_buf *a, const uint8_t *p, size_t n)
{
	return msb_buf_avail(a) == n && (n == 0 || memcmp(msb_buf_ptr(a), p, n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msb_buf line, whole, chunked, dec_whole, dec_chunked, str;
	struct msb_utf8_carry c1 = { .n = 0 }, c2 = { .n = 0 };

	if (size < 1 || size > 8192)
		return 0;
	size_t chunk = 1 + data[0] % 17;
	data++;
	size--;
	msb_buf_init(&line, 6 * 8192 + 256);
	msb_buf_init(&whole, 6 * 8192 + 256);
	msb_buf_init(&chunked, 6 * 8192 + 256);
	msb_buf_init(&dec_whole, 4 * 8192);
	msb_buf_init(&dec_chunked, 4 * 8192);
	msb_buf_init(&str, 6 * 8192 + 256);

	EXPECT(msb_cast_event(&line, 1, 'o', data, size, &c1) == 0);
	take_event(&line, &whole, &dec_whole);
	EXPECT(msb_cast_event(&line, 2, 'o', NULL, 0, &c1) == 0);
	take_event(&line, &whole, &dec_whole);
	EXPECT(c1.n == 0);
	for (size_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		EXPECT(msb_cast_event(&line, off, 'o', data + off, n, &c2) == 0);
		EXPECT(c2.n <= 3);
		take_event(&line, &chunked, &dec_chunked);
	}
	EXPECT(msb_cast_event(&line, size, 'o', NULL, 0, &c2) == 0);
	take_event(&line, &chunked, &dec_chunked);
	EXPECT(c2.n == 0);

	EXPECT(same(&chunked, msb_buf_ptr(&whole), msb_buf_avail(&whole)));
	EXPECT(msb_json_string(&str, data, size) == 0);
	EXPECT(msb_buf_avail(&str) == msb_buf_avail(&whole) + 2);
	msb_buf_consume(&str, 1);
	str.len--;
	EXPECT(same(&str, msb_buf_ptr(&whole), msb_buf_avail(&whole)));
	if (valid_utf8(data, size))
		EXPECT(same(&dec_whole, data, size));

	msb_buf_free(&line);
	msb_buf_free(&whole);
	msb_buf_free(&chunked);
	msb_buf_free(&dec_whole);
	msb_buf_free(&dec_chunked);
	msb_buf_free(&str);
	return 0;
}
