#include "config.h"

#include <stdbool.h>
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
	default:
		return -1;
	}
}

int
msb_frame_put_fields(struct msb_buf *out, uint8_t type, size_t max,
    const struct msb_field *f, const void *msg)
{
	size_t start;

	if (msb_frame_begin(out, type, &start) != 0)
		return -1;
	for (; f->kind != MSB_FIELD_END; f++) {
		if (put_field(out, f, msg) != 0) {
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
	default:
		return -1;
	}
}

int
msb_frame_get_fields(const uint8_t *body, size_t len,
    const struct msb_field *f, void *msg)
{
	struct msb_reader r;

	msb_reader_init(&r, body, len);
	for (; f->kind != MSB_FIELD_END; f++) {
		if (get_field(&r, f, msg) != 0)
			return -1;
	}
	return msb_reader_done(&r) ? 0 : -1;
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
