#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int
msb_frame_begin(struct msb_buf *out, uint8_t type, size_t *start)
{
	if (msb_buf_reserve(out, MSB_FRAME_HEADER) == NULL)
		return -1;
	/* Relative to the read position: a later reserve may compact. */
	*start = out->len - out->off;
	msb_buf_put_u32(out, 0);
	msb_buf_put_u8(out, type);
	return 0;
}

int
msb_frame_end(struct msb_buf *out, size_t start, size_t max)
{
	size_t pos = out->off + start;
	size_t flen = out->len - pos - 4;

	if (flen > max || flen > UINT32_MAX) {
		msb_frame_abort(out, start);
		return -1;
	}
	msb_buf_poke_u32(out, pos, (uint32_t)flen);
	return 0;
}

void
msb_frame_abort(struct msb_buf *out, size_t start)
{
	out->len = out->off + start;
}

int
msb_frame_peek(const struct msb_buf *in, size_t max, uint8_t *type,
    const uint8_t **body, size_t *len)
{
	size_t avail = msb_buf_avail(in);
	const uint8_t *p = msb_buf_ptr(in);

	if (avail < 4)
		return 0;
	uint32_t flen = msb_get_be32(p);
	if (flen < 1 || flen > max)
		return -1;
	if (avail - 4 < flen)
		return 0;
	*type = p[4];
	*body = p + MSB_FRAME_HEADER;
	*len = flen - 1;
	return 1;
}

void
msb_frame_consume(struct msb_buf *in, size_t body_len)
{
	msb_buf_consume(in, MSB_FRAME_HEADER + body_len);
}

static int
put_cstr(struct msb_buf *out, const char *s, uint32_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > max ? -1 : msb_buf_put_string(out, s, n);
}

static int
put_field(struct msb_buf *out, const struct msb_field *f, const uint8_t *msg)
{
	const uint8_t *field = msg + f->off;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;
	bool b;
	const void *p;
	size_t n;

	switch (f->kind) {
	case MSB_FIELD_U32:
		memcpy(&u32, field, sizeof(u32));
		if (u32 < f->min || u32 > f->max)
			return -1;
		return msb_buf_put_u32(out, u32);
	case MSB_FIELD_U64:
		memcpy(&u64, field, sizeof(u64));
		return msb_buf_put_u64(out, u64);
	case MSB_FIELD_I32:
		memcpy(&i32, field, sizeof(i32));
		return msb_buf_put_u32(out, (uint32_t)i32);
	case MSB_FIELD_BOOL:
		memcpy(&b, field, sizeof(b));
		if (b && f->max == 0)
			return -1;
		return msb_buf_put_u8(out, b ? 1 : 0);
	case MSB_FIELD_TEXT:
	case MSB_FIELD_BYTES:
		memcpy(&p, field, sizeof(p));
		memcpy(&n, msg + f->len_off, sizeof(n));
		if (n > f->max || (p == NULL && n > 0))
			return -1;
		if (f->kind == MSB_FIELD_TEXT && n > 0 && memchr(p, '\0', n) != NULL)
			return -1;
		return msb_buf_put_string(out, p, n);
	case MSB_FIELD_CSTR:
		memcpy(&p, field, sizeof(p));
		return put_cstr(out, p, f->max);
	case MSB_FIELD_CSTRV: {
		char *const *v;
		memcpy(&v, field, sizeof(v));
		memcpy(&u32, msg + f->len_off, sizeof(u32));
		if (u32 > f->min || (v == NULL && u32 > 0) || msb_buf_put_u32(out, u32) != 0)
			return -1;
		for (uint32_t i = 0; i < u32; i++)
			if (v[i] == NULL || put_cstr(out, v[i], f->max) != 0)
				return -1;
		return 0;
	}
	default:
		return -1;
	}
}

/* Whether an MSB_FIELD_IF's fields are there. */
static bool
present(const struct msb_field *f, const uint8_t *msg)
{
	uint32_t v;

	memcpy(&v, msg + f->off, sizeof(v));
	return (v & f->min) == f->max;
}

/* Whether a field holds nothing (an MSB_FIELD_TAIL of such is not sent). */
static bool
empty(const struct msb_field *f, const uint8_t *msg)
{
	const uint8_t *field = msg + f->off;
	uint8_t zero[8] = { 0 };
	const char *s;
	size_t n;

	switch (f->kind) {
	case MSB_FIELD_U32:
	case MSB_FIELD_I32:
		return memcmp(field, zero, 4) == 0;
	case MSB_FIELD_U64:
		return memcmp(field, zero, 8) == 0;
	case MSB_FIELD_BOOL:
		return memcmp(field, zero, sizeof(bool)) == 0;
	case MSB_FIELD_TEXT:
	case MSB_FIELD_BYTES:
		memcpy(&n, msg + f->len_off, sizeof(n));
		return n == 0;
	case MSB_FIELD_CSTR:
		memcpy(&s, field, sizeof(s));
		return s == NULL || s[0] == '\0';
	case MSB_FIELD_CSTRV:
		return memcmp(msg + f->len_off, zero, 4) == 0;
	default:
		return false;
	}
}

static bool
tail_empty(const struct msb_field *f, const uint8_t *msg)
{
	for (; f->kind != MSB_FIELD_END; f++)
		if (!empty(f, msg))
			return false;
	return true;
}

int
msb_frame_put_fields(struct msb_buf *out, uint8_t type, size_t max,
    const struct msb_field *f, const void *msg)
{
	size_t start;

	if (msb_frame_begin(out, type, &start) != 0)
		return -1;
	for (; f->kind != MSB_FIELD_END; f++) {
		if (f->kind == MSB_FIELD_IF && !present(f, msg))
			f += f->len_off;
		else if (f->kind == MSB_FIELD_TAIL && tail_empty(f + 1, msg))
			break;
		else if (f->kind != MSB_FIELD_IF && f->kind != MSB_FIELD_TAIL &&
		    put_field(out, f, msg) != 0) {
			msb_frame_abort(out, start);
			return -1;
		}
	}
	return msb_frame_end(out, start, max);
}

/* Two's complement back to int32 without implementation-defined casts. */
static int32_t
to_i32(uint32_t v)
{
	return v <= INT32_MAX ? (int32_t)v : -(int32_t)(UINT32_MAX - v) - 1;
}

/* Entries are stored as they come, so that a failure frees what was copied. */
static int
get_cstrv(struct msb_reader *r, const struct msb_field *f, uint8_t *msg)
{
	uint32_t n;

	/* Each entry costs at least its 4-byte length: refuse a count the
	 * rest cannot hold before allocating for it. */
	if (msb_get_u32(r, &n) != 0 || n > f->min || n > msb_reader_left(r) / 4)
		return -1;
	char **v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	memcpy(msg + f->off, &v, sizeof(v));
	for (uint32_t i = 0; i < n; i++) {
		if (msb_get_cstring(r, &v[i], f->max) != 0)
			return -1;
		uint32_t have = i + 1;
		memcpy(msg + f->len_off, &have, sizeof(have));
	}
	return 0;
}

static int
get_field(struct msb_reader *r, const struct msb_field *f, uint8_t *msg)
{
	uint8_t *field = msg + f->off;
	uint32_t u32;
	uint64_t u64;
	int32_t i32;
	uint8_t u8;
	bool b;
	const uint8_t *p;
	size_t n;

	switch (f->kind) {
	case MSB_FIELD_U32:
		if (msb_get_u32(r, &u32) != 0 || u32 < f->min || u32 > f->max)
			return -1;
		memcpy(field, &u32, sizeof(u32));
		return 0;
	case MSB_FIELD_U64:
		if (msb_get_u64(r, &u64) != 0)
			return -1;
		memcpy(field, &u64, sizeof(u64));
		return 0;
	case MSB_FIELD_I32:
		if (msb_get_u32(r, &u32) != 0)
			return -1;
		i32 = to_i32(u32);
		memcpy(field, &i32, sizeof(i32));
		return 0;
	case MSB_FIELD_BOOL:
		if (msb_get_u8(r, &u8) != 0 || u8 > 1 || (u8 && f->max == 0))
			return -1;
		b = u8 == 1;
		memcpy(field, &b, sizeof(b));
		return 0;
	case MSB_FIELD_TEXT:
	case MSB_FIELD_BYTES:
		if (msb_get_string(r, &p, &u32) != 0 || u32 > f->max)
			return -1;
		if (f->kind == MSB_FIELD_TEXT && memchr(p, '\0', u32) != NULL)
			return -1;
		n = u32;
		memcpy(field, &p, sizeof(p));
		memcpy(msg + f->len_off, &n, sizeof(n));
		return 0;
	case MSB_FIELD_CSTR: {
		char *c;
		if (msb_get_cstring(r, &c, f->max) != 0)
			return -1;
		memcpy(field, &c, sizeof(c));
		return 0;
	}
	case MSB_FIELD_CSTRV:
		return get_cstrv(r, f, msg);
	default:
		return -1;
	}
}

int
msb_frame_get_fields(const uint8_t *body, size_t len,
    const struct msb_field *f, void *msg)
{
	struct msb_reader r;

	const struct msb_field *first = f;
	int rc = 0;

	msb_reader_init(&r, body, len);
	for (; rc == 0 && f->kind != MSB_FIELD_END; f++) {
		if (f->kind == MSB_FIELD_IF) {
			if (!present(f, msg))
				f += f->len_off;
		} else if (f->kind == MSB_FIELD_TAIL) {
			if (msb_reader_left(&r) == 0)
				break;
			const struct msb_field *t = f + 1;
			for (; rc == 0 && t->kind != MSB_FIELD_END; t++)
				rc = get_field(&r, t, msg);
			/* One encoding per message: a tail of empties is never sent. */
			if (rc == 0 && tail_empty(f + 1, msg))
				rc = -1;
			break;
		} else {
			rc = get_field(&r, f, msg);
		}
	}
	if (rc != 0 || !msb_reader_done(&r)) {
		msb_frame_free_fields(first, msg);
		return -1;
	}
	return 0;
}

void
msb_frame_free_fields(const struct msb_field *f, void *msg)
{
	uint8_t *m = msg;

	for (; f->kind != MSB_FIELD_END; f++) {
		if (f->kind == MSB_FIELD_CSTR) {
			char *s;
			memcpy(&s, m + f->off, sizeof(s));
			free(s);
			s = NULL;
			memcpy(m + f->off, &s, sizeof(s));
		} else if (f->kind == MSB_FIELD_CSTRV) {
			char **v;
			memcpy(&v, m + f->off, sizeof(v));
			for (size_t i = 0; v != NULL && v[i] != NULL; i++)
				free(v[i]);
			free(v);
			v = NULL;
			uint32_t zero = 0;
			memcpy(m + f->off, &v, sizeof(v));
			memcpy(m + f->len_off, &zero, sizeof(zero));
		}
	}
}

int
msb_frame_get_message(const struct msb_buf *in, size_t max,
    const struct msb_field *(*layout)(uint8_t type), void *msg,
    uint8_t *type, size_t *frame)
{
	const struct msb_field *f;
	const uint8_t *body;
	size_t len;
	uint8_t t;

	int rc = msb_frame_peek(in, max, &t, &body, &len);
	if (rc != 1)
		return rc;
	if ((f = layout(t)) == NULL || msb_frame_get_fields(body, len, f, msg) != 0)
		return -1;
	*type = t;
	*frame = MSB_FRAME_HEADER + len;
	return 1;
}
