#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "json.h"

struct json_member {
	char *key;
	size_t keylen;
	struct json_value *value;
};

struct json_value {
	enum json_type type;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			char *s;
			size_t len;
		} str;
		struct {
			struct json_value **items;
			size_t n;
		} arr;
		struct {
			struct json_member *members;
			size_t n;
		} obj;
	} u;
};

struct parser {
	const uint8_t *p;
	size_t len;
	size_t pos;
	const struct json_limits *lim;
	struct json_error *err;
};

static const struct json_limits default_limits = {
	.max_input = JSON_MAX_INPUT_DEFAULT,
	.max_depth = JSON_MAX_DEPTH_DEFAULT,
	.max_members = JSON_MAX_MEMBERS_DEFAULT,
};

static struct json_value *parse_value(struct parser *ps, unsigned depth);

/* Always returns NULL so that callers can `return fail(...)`. */
static void *
fail(struct parser *ps, size_t offset, const char *msg)
{
	if (ps->err != NULL) {
		ps->err->offset = offset;
		snprintf(ps->err->msg, sizeof(ps->err->msg), "%s", msg);
	}
	return NULL;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 if there is none.
 */
static size_t
utf8_seq_len(const uint8_t *p, size_t avail)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len) {
		uint8_t c = ps->p[ps->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->pos++;
	}
}

static struct json_value *
new_value(struct parser *ps, enum json_type t)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return fail(ps, ps->pos, "out of memory");
	v->type = t;
	return v;
}

/* Four hex digits at ps->pos; -1 if they are not there. */
static int32_t
parse_hex4(struct parser *ps)
{
	int32_t v = 0;

	if (ps->len - ps->pos < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		uint8_t c = ps->p[ps->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	ps->pos += 4;
	return v;
}

/* After "\u" at ps->pos; a high surrogate must be followed by "\u" and a low one. */
static int
parse_u_escape(struct parser *ps, uint32_t *cp)
{
	size_t start = ps->pos - 2;
	int32_t hi = parse_hex4(ps), lo;

	if (hi < 0)
		return fail(ps, start, "\\u needs four hex digits"), -1;
	if (hi == 0)
		return fail(ps, start, "\\u0000 is not allowed in strings"), -1;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(ps, start, "unpaired low surrogate"), -1;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = (uint32_t)hi;
		return 0;
	}
	if (ps->len - ps->pos < 2 || ps->p[ps->pos] != '\\' || ps->p[ps->pos + 1] != 'u')
		return fail(ps, start, "unpaired high surrogate"), -1;
	ps->pos += 2;
	lo = parse_hex4(ps);
	if (lo < 0)
		return fail(ps, ps->pos - 2, "\\u needs four hex digits"), -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(ps, start, "unpaired high surrogate"), -1;
	*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
	return 0;
}

/* At the opening quote. On success *out is a NUL-terminated heap string. */
static int
parse_string_raw(struct parser *ps, char **out, size_t *outlen)
{
	size_t end = ps->pos + 1;
	size_t n = 0;
	char *s;

	/* Decoding only ever shrinks, so the raw span bounds the allocation. */
	while (end < ps->len && ps->p[end] != '"')
		end += ps->p[end] == '\\' ? 2 : 1;
	if (end >= ps->len)
		return fail(ps, ps->pos, "unterminated string"), -1;
	s = malloc(end - ps->pos);
	if (s == NULL)
		return fail(ps, ps->pos, "out of memory"), -1;
	ps->pos++;
	while (ps->pos < end) {
		uint8_t c = ps->p[ps->pos];
		size_t k;
		uint32_t cp;

		if (c < 0x20) {
			fail(ps, ps->pos, "control character in string");
			goto bad;
		}
		if (c >= 0x80) {
			k = utf8_seq_len(ps->p + ps->pos, end - ps->pos);
			if (k == 0) {
				fail(ps, ps->pos, "invalid UTF-8 in string");
				goto bad;
			}
			memcpy(s + n, ps->p + ps->pos, k);
			n += k;
			ps->pos += k;
			continue;
		}
		if (c != '\\') {
			s[n++] = (char)c;
			ps->pos++;
			continue;
		}
		ps->pos += 2;
		switch (ps->p[ps->pos - 1]) {
		case '"': s[n++] = '"'; break;
		case '\\': s[n++] = '\\'; break;
		case '/': s[n++] = '/'; break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'u':
			/* Hex digits are never '"', so a \u escape that
			 * parses ends before the closing quote. */
			if (parse_u_escape(ps, &cp) != 0)
				goto bad;
			n += utf8_encode(cp, s + n);
			break;
		default:
			fail(ps, ps->pos - 2, "invalid escape");
			goto bad;
		}
	}
	s[n] = '\0';
	ps->pos = end + 1;
	*out = s;
	*outlen = n;
	return 0;
bad:
	free(s);
	return -1;
}

static struct json_value *
parse_string(struct parser *ps)
{
	struct json_value *v;
	char *s;
	size_t n;

	if (parse_string_raw(ps, &s, &n) != 0)
		return NULL;
	if ((v = new_value(ps, JSON_STRING)) == NULL) {
		free(s);
		return NULL;
	}
	v->u.str.s = s;
	v->u.str.len = n;
	return v;
}

static size_t
skip_digits(struct parser *ps)
{
	size_t start = ps->pos;

	while (ps->pos < ps->len && ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9')
		ps->pos++;
	return ps->pos - start;
}

/* Digits of an integer token into int64; -1 on overflow. */
static int
integral_value(const uint8_t *p, size_t n, int64_t *out)
{
	bool neg = p[0] == '-';
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;

	for (size_t i = neg ? 1 : 0; i < n; i++) {
		unsigned d = p[i] - '0';

		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

static struct json_value *
parse_number(struct parser *ps)
{
	size_t start = ps->pos;
	bool integral = true;
	char tmp[JSON_NUMBER_MAX + 1];
	struct json_value *v;
	int64_t i;
	double d;
	char *endp;

	if (ps->p[ps->pos] == '-')
		ps->pos++;
	if (ps->pos < ps->len && ps->p[ps->pos] == '0')
		ps->pos++;
	else if (skip_digits(ps) == 0)
		return fail(ps, start, "invalid number");
	if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
		integral = false;
		ps->pos++;
		if (skip_digits(ps) == 0)
			return fail(ps, ps->pos, "digits expected after '.'");
	}
	if (ps->pos < ps->len && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
		integral = false;
		ps->pos++;
		if (ps->pos < ps->len && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
			ps->pos++;
		if (skip_digits(ps) == 0)
			return fail(ps, ps->pos, "digits expected in exponent");
	}
	if (ps->pos - start > JSON_NUMBER_MAX)
		return fail(ps, start, "number too long");
	if (integral && integral_value(ps->p + start, ps->pos - start, &i) == 0) {
		if ((v = new_value(ps, JSON_INT)) != NULL)
			v->u.i = i;
		return v;
	}
	/* strtod needs a terminator; the grammar above already vetted every byte. */
	memcpy(tmp, ps->p + start, ps->pos - start);
	tmp[ps->pos - start] = '\0';
	d = strtod(tmp, &endp);
	if (*endp != '\0')
		return fail(ps, start, "invalid number");
	if (isinf(d))
		return fail(ps, start, "number out of range");
	if ((v = new_value(ps, JSON_DOUBLE)) != NULL)
		v->u.d = d;
	return v;
}

static struct json_value *
parse_literal(struct parser *ps)
{
	static const struct {
		const char *word;
		enum json_type type;
		bool b;
	} lits[] = {
		{ "true", JSON_BOOL, true },
		{ "false", JSON_BOOL, false },
		{ "null", JSON_NULL, false },
	};

	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		size_t n = strlen(lits[k].word);
		struct json_value *v;

		if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, lits[k].word, n) != 0)
			continue;
		if ((v = new_value(ps, lits[k].type)) == NULL)
			return NULL;
		v->u.b = lits[k].b;
		ps->pos += n;
		return v;
	}
	return fail(ps, ps->pos, "unexpected character");
}

/* Room for one more member; grows the array by doubling. */
static int
grow(struct parser *ps, void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n >= ps->lim->max_members)
		return fail(ps, ps->pos, "too many members"), -1;
	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 4 : *cap * 2;
	if (ncap > ps->lim->max_members)
		ncap = ps->lim->max_members;
	if ((p = reallocarray(*arr, ncap, size)) == NULL)
		return fail(ps, ps->pos, "out of memory"), -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct json_value *
parse_array(struct parser *ps, unsigned depth)
{
	struct json_value *v, *item;
	size_t cap = 0;

	if ((v = new_value(ps, JSON_ARRAY)) == NULL)
		return NULL;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == ']') {
		ps->pos++;
		return v;
	}
	for (;;) {
		if (grow(ps, (void **)&v->u.arr.items, &cap, v->u.arr.n,
		    sizeof(*v->u.arr.items)) != 0)
			goto bad;
		if ((item = parse_value(ps, depth)) == NULL)
			goto bad;
		v->u.arr.items[v->u.arr.n++] = item;
		skip_ws(ps);
		if (ps->pos >= ps->len) {
			fail(ps, ps->pos, "unexpected end of input in array");
			goto bad;
		}
		if (ps->p[ps->pos] == ']') {
			ps->pos++;
			return v;
		}
		if (ps->p[ps->pos] != ',') {
			fail(ps, ps->pos, "',' or ']' expected");
			goto bad;
		}
		ps->pos++;
	}
bad:
	json_free(v);
	return NULL;
}

static int
member_cmp(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

/* Sorting keeps this O(n log n) however many members a peer sends. */
static int
check_duplicates(struct parser *ps, const struct json_value *v, size_t at)
{
	size_t n = v->u.obj.n;
	const struct json_member **sorted;
	int rc = 0;

	if (n < 2)
		return 0;
	if ((sorted = calloc(n, sizeof(*sorted))) == NULL)
		return fail(ps, at, "out of memory"), -1;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &v->u.obj.members[i];
	qsort(sorted, n, sizeof(*sorted), member_cmp);
	for (size_t i = 1; i < n && rc == 0; i++)
		if (member_cmp(&sorted[i - 1], &sorted[i]) == 0)
			rc = -1;
	free(sorted);
	if (rc != 0)
		fail(ps, at, "duplicate key in object");
	return rc;
}

static struct json_value *
parse_object(struct parser *ps, unsigned depth)
{
	struct json_value *v;
	size_t cap = 0, start = ps->pos;

	if ((v = new_value(ps, JSON_OBJECT)) == NULL)
		return NULL;
	ps->pos++;
	skip_ws(ps);
	if (ps->pos < ps->len && ps->p[ps->pos] == '}') {
		ps->pos++;
		return v;
	}
	for (;;) {
		struct json_member *m;

		if (grow(ps, (void **)&v->u.obj.members, &cap, v->u.obj.n,
		    sizeof(*v->u.obj.members)) != 0)
			goto bad;
		if (ps->pos >= ps->len || ps->p[ps->pos] != '"') {
			fail(ps, ps->pos, "string key expected");
			goto bad;
		}
		m = &v->u.obj.members[v->u.obj.n];
		if (parse_string_raw(ps, &m->key, &m->keylen) != 0)
			goto bad;
		m->value = NULL;
		v->u.obj.n++;
		skip_ws(ps);
		if (ps->pos >= ps->len || ps->p[ps->pos] != ':') {
			fail(ps, ps->pos, "':' expected");
			goto bad;
		}
		ps->pos++;
		if ((m->value = parse_value(ps, depth)) == NULL)
			goto bad;
		skip_ws(ps);
		if (ps->pos >= ps->len) {
			fail(ps, ps->pos, "unexpected end of input in object");
			goto bad;
		}
		if (ps->p[ps->pos] == '}') {
			ps->pos++;
			if (check_duplicates(ps, v, start) != 0)
				goto bad;
			return v;
		}
		if (ps->p[ps->pos] != ',') {
			fail(ps, ps->pos, "',' or '}' expected");
			goto bad;
		}
		ps->pos++;
		skip_ws(ps);
	}
bad:
	json_free(v);
	return NULL;
}

static struct json_value *
parse_value(struct parser *ps, unsigned depth)
{
	uint8_t c;

	skip_ws(ps);
	if (ps->pos >= ps->len)
		return fail(ps, ps->pos, "unexpected end of input");
	c = ps->p[ps->pos];
	if (c == '{' || c == '[') {
		if (depth >= ps->lim->max_depth)
			return fail(ps, ps->pos, "nesting too deep");
		return c == '{' ? parse_object(ps, depth + 1) : parse_array(ps, depth + 1);
	}
	if (c == '"')
		return parse_string(ps);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(ps);
	return parse_literal(ps);
}

struct json_value *
json_parse(const char *p, size_t len, const struct json_limits *limits,
    struct json_error *err)
{
	struct parser ps = {
		.p = (const uint8_t *)p,
		.len = len,
		.lim = limits != NULL ? limits : &default_limits,
		.err = err,
	};
	struct json_value *v;

	if (len > ps.lim->max_input)
		return fail(&ps, ps.lim->max_input, "document too large");
	if ((v = parse_value(&ps, 0)) == NULL)
		return NULL;
	skip_ws(&ps);
	if (ps.pos != ps.len) {
		json_free(v);
		return fail(&ps, ps.pos, "trailing characters after the document");
	}
	return v;
}

void
json_free(struct json_value *v)
{
	if (v == NULL)
		return;
	switch (v->type) {
	case JSON_STRING:
		free(v->u.str.s);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->u.arr.n; i++)
			json_free(v->u.arr.items[i]);
		free(v->u.arr.items);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->u.obj.n; i++) {
			free(v->u.obj.members[i].key);
			json_free(v->u.obj.members[i].value);
		}
		free(v->u.obj.members);
		break;
	default:
		break;
	}
	free(v);
}

enum json_type
json_type(const struct json_value *v)
{
	return v->type;
}

bool
json_is(const struct json_value *v, enum json_type t)
{
	return v != NULL && v->type == t;
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "boolean";
	case JSON_INT: return "integer";
	case JSON_DOUBLE: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "unknown";
}

static ssize_t
member_index(const struct json_value *obj, const char *key)
{
	if (!json_is(obj, JSON_OBJECT))
		return -1;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.members[i].key, key) == 0)
			return (ssize_t)i;
	return -1;
}

const struct json_value *
json_get(const struct json_value *obj, const char *key)
{
	ssize_t i = member_index(obj, key);

	return i < 0 ? NULL : obj->u.obj.members[i].value;
}

struct json_value *
json_take(struct json_value *obj, const char *key)
{
	ssize_t i = member_index(obj, key);
	struct json_member *m;
	struct json_value *v;

	if (i < 0)
		return NULL;
	m = obj->u.obj.members;
	v = m[i].value;
	free(m[i].key);
	memmove(&m[i], &m[i + 1], (obj->u.obj.n - (size_t)i - 1) * sizeof(*m));
	obj->u.obj.n--;
	return v;
}

size_t
json_object_len(const struct json_value *obj)
{
	return json_is(obj, JSON_OBJECT) ? obj->u.obj.n : 0;
}

const char *
json_object_key_at(const struct json_value *obj, size_t i)
{
	return i < json_object_len(obj) ? obj->u.obj.members[i].key : NULL;
}

const struct json_value *
json_object_value_at(const struct json_value *obj, size_t i)
{
	return i < json_object_len(obj) ? obj->u.obj.members[i].value : NULL;
}

const char *
json_string(const struct json_value *v)
{
	return json_is(v, JSON_STRING) ? v->u.str.s : NULL;
}

int
json_int(const struct json_value *v, int64_t *out)
{
	if (!json_is(v, JSON_INT))
		return -1;
	*out = v->u.i;
	return 0;
}

int
json_double(const struct json_value *v, double *out)
{
	if (json_is(v, JSON_INT))
		*out = (double)v->u.i;
	else if (json_is(v, JSON_DOUBLE))
		*out = v->u.d;
	else
		return -1;
	return 0;
}

int
json_bool(const struct json_value *v, bool *out)
{
	if (!json_is(v, JSON_BOOL))
		return -1;
	*out = v->u.b;
	return 0;
}

size_t
json_array_len(const struct json_value *arr)
{
	return json_is(arr, JSON_ARRAY) ? arr->u.arr.n : 0;
}

const struct json_value *
json_array_at(const struct json_value *arr, size_t i)
{
	return i < json_array_len(arr) ? arr->u.arr.items[i] : NULL;
}

int
json_append_string_n(struct msb_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0;

	if (msb_buf_put_u8(b, '"') != 0)
		return -1;
	while (i < len) {
		uint8_t c = p[i];
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t escn = 2;

		if (c >= 0x80) {
			size_t k = utf8_seq_len(p + i, len - i);

			if (k == 0)
				return -1;
			i += k;
			run += k;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		/* Flush the plain run before this character's escape. */
		if (msb_buf_put(b, p + i - run, run) != 0)
			return -1;
		run = 0;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			if (c == 0)
				return -1;
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			escn = 6;
			break;
		}
		if (msb_buf_put(b, esc, escn) != 0)
			return -1;
		i++;
	}
	if (msb_buf_put(b, p + i - run, run) != 0)
		return -1;
	return msb_buf_put_u8(b, '"');
}

int
json_append_string(struct msb_buf *b, const char *s)
{
	return json_append_string_n(b, s, strlen(s));
}

static int
append_number(struct msb_buf *b, const struct json_value *v)
{
	char tmp[40];
	int n;

	if (v->type == JSON_INT)
		n = snprintf(tmp, sizeof(tmp), "%" PRId64, v->u.i);
	else
		n = snprintf(tmp, sizeof(tmp), "%.17g", v->u.d);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	/* A double must read back as a double, not turn into an integer. */
	if (v->type == JSON_DOUBLE && strpbrk(tmp, ".eE") == NULL) {
		if ((size_t)n + 2 >= sizeof(tmp))
			return -1;
		memcpy(tmp + n, ".0", 3);
		n += 2;
	}
	return msb_buf_put(b, tmp, (size_t)n);
}

int
json_append_value(struct msb_buf *b, const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		return msb_buf_put(b, "null", 4);
	case JSON_BOOL:
		return v->u.b ? msb_buf_put(b, "true", 4) : msb_buf_put(b, "false", 5);
	case JSON_INT:
	case JSON_DOUBLE:
		return append_number(b, v);
	case JSON_STRING:
		return json_append_string_n(b, v->u.str.s, v->u.str.len);
	case JSON_ARRAY:
		if (msb_buf_put_u8(b, '[') != 0)
			return -1;
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if (i > 0 && msb_buf_put_u8(b, ',') != 0)
				return -1;
			if (json_append_value(b, v->u.arr.items[i]) != 0)
				return -1;
		}
		return msb_buf_put_u8(b, ']');
	case JSON_OBJECT:
		if (msb_buf_put_u8(b, '{') != 0)
			return -1;
		for (size_t i = 0; i < v->u.obj.n; i++) {
			const struct json_member *m = &v->u.obj.members[i];

			if (i > 0 && msb_buf_put_u8(b, ',') != 0)
				return -1;
			if (json_append_string_n(b, m->key, m->keylen) != 0 ||
			    msb_buf_put_u8(b, ':') != 0 ||
			    json_append_value(b, m->value) != 0)
				return -1;
		}
		return msb_buf_put_u8(b, '}');
	}
	return -1;
}
