#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cast.h"

/*
 * The length of the well-formed UTF-8 sequence at p (1..4), 0 when p
 * starts an ill-formed one (then *bad is its maximal subpart, at least 1),
 * or -1 when the n bytes end inside a sequence that is valid so far.
 * Second-byte ranges from the Unicode standard's Table 3-7.
 */
static int
utf8_len(const uint8_t *p, size_t n, size_t *bad)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	*bad = 1;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < need; i++) {
		if (i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf)) {
			*bad = i;
			return 0;
		}
	}
	return (int)need;
}

static int
put_escape(struct msb_buf *out, uint8_t c)
{
	char e[8];

	if (c == '"' || c == '\\')
		return msb_buf_put(out, (const char[]){ '\\', (char)c }, 2);
	snprintf(e, sizeof(e), "\\u%04x", c);
	return msb_buf_put(out, e, 6);
}

/* The body of a JSON string (no quotes); stops before a trailing incomplete sequence when hold. */
static int
put_text(struct msb_buf *out, const uint8_t *p, size_t n, bool hold, size_t *held)
{
	static const char fffd[] = "\\ufffd";
	size_t i = 0, bad;

	*held = 0;
	while (i < n) {
		int k = utf8_len(p + i, n - i, &bad);
		if (k < 0 && hold) {
			*held = n - i;
			return 0;
		}
		if (k < 0) {
			k = 0;
			bad = n - i;
		}
		int rc;
		if (k == 0)
			rc = msb_buf_put(out, fffd, sizeof(fffd) - 1);
		else if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' || p[i] == '\\'))
			rc = put_escape(out, p[i]);
		else
			rc = msb_buf_put(out, p + i, (size_t)k);
		if (rc != 0)
			return -1;
		i += k == 0 ? bad : (size_t)k;
	}
	return 0;
}

int
msb_json_string(struct msb_buf *out, const uint8_t *data, size_t len)
{
	size_t mark = out->len, held;

	if (msb_buf_put(out, "\"", 1) != 0 || put_text(out, data, len, false, &held) != 0 ||
	    msb_buf_put(out, "\"", 1) != 0) {
		out->len = mark;
		return -1;
	}
	return 0;
}

static int
put_str_field(struct msb_buf *out, const char *name, const char *value)
{
	char v[1024];

	if (value == NULL)
		return 0;
	/* Cut to fit the header's bound; a cut sequence becomes U+FFFD. */
	snprintf(v, sizeof(v), "%s", value);
	return msb_buf_put(out, ", \"", 3) != 0 || msb_buf_put(out, name, strlen(name)) != 0 ||
	    msb_buf_put(out, "\": ", 3) != 0 ||
	    msb_json_string(out, (const uint8_t *)v, strlen(v)) != 0 ? -1 : 0;
}

int
msb_cast_header(struct msb_buf *out, const struct msb_cast_header *h)
{
	char head[128];
	size_t mark = out->len;
	int n = snprintf(head, sizeof(head),
	    "{\"version\": 2, \"width\": %" PRIu32 ", \"height\": %" PRIu32 ", \"timestamp\": %" PRIu64,
	    h->width, h->height, h->timestamp);

	if (n < 0 || (size_t)n >= sizeof(head) || msb_buf_put(out, head, (size_t)n) != 0 ||
	    put_str_field(out, "title", h->title) != 0 ||
	    put_str_field(out, "command", h->command) != 0 ||
	    msb_buf_put(out, ", \"env\": {", 10) != 0 ||
	    (h->term != NULL && (msb_buf_put(out, "\"TERM\": ", 8) != 0 ||
	    msb_json_string(out, (const uint8_t *)h->term, strnlen(h->term, 256)) != 0)) ||
	    msb_buf_put(out, "}}\n", 3) != 0) {
		out->len = mark;
		return -1;
	}
	return 0;
}

/*
 * Finishes the sequence carry holds with the first bytes of data: writes
 * it (or U+FFFD for its ill-formed part) and says how many bytes of data
 * it took. -1 when data ends before the sequence does (carry then holds
 * all of it), -2 when out is full.
 */
static long
finish_carry(struct msb_buf *out, struct msb_utf8_carry *carry, const uint8_t *data, size_t len)
{
	uint8_t joined[4];
	size_t have = carry->n, bad;

	memcpy(joined, carry->b, have);
	while (have < sizeof(joined) && have - carry->n < len) {
		joined[have] = data[have - carry->n];
		have++;
	}
	int k = utf8_len(joined, have, &bad);
	if (k < 0 && data != NULL) {
		memcpy(carry->b, joined, have);
		carry->n = (uint8_t)have;
		return -1;
	}
	size_t used = k > 0 ? (size_t)k : k == 0 ? bad : have;
	int rc = k > 0 ? msb_buf_put(out, joined, used) : msb_buf_put(out, "\\ufffd", 6);
	long took = (long)(used > carry->n ? used - carry->n : 0);
	carry->n = 0;
	return rc != 0 ? -2 : took;
}

int
msb_cast_event(struct msb_buf *out, uint64_t usec, char type, const uint8_t *data,
    size_t len, struct msb_utf8_carry *carry)
{
	size_t mark = out->len, held = 0, skip = 0;
	bool carried = carry != NULL && carry->n > 0;
	char head[64];

	if (len == 0 && !(data == NULL && carried))
		return 0;
	int n = snprintf(head, sizeof(head), "[%" PRIu64 ".%06" PRIu64 ", \"%c\", \"",
	    usec / 1000000u, usec % 1000000u, type);
	if (n < 0 || (size_t)n >= sizeof(head) || msb_buf_put(out, head, (size_t)n) != 0)
		goto full;
	if (carried) {
		long took = finish_carry(out, carry, data, len);
		if (took == -1) {
			out->len = mark;
			return 0;
		}
		if (took < 0)
			goto full;
		skip = (size_t)took;
	}
	if (data != NULL && put_text(out, data + skip, len - skip, carry != NULL, &held) != 0)
		goto full;
	if (held > 0) {
		memcpy(carry->b, data + len - held, held);
		carry->n = (uint8_t)held;
	}
	if (out->len - mark == (size_t)n) {
		out->len = mark;  /* nothing but held bytes */
		return 0;
	}
	if (msb_buf_put(out, "\"]\n", 3) != 0)
		goto full;
	return 0;
full:
	out->len = mark;
	return -1;
}
