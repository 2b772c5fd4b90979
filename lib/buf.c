#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
msb_buf_init(struct msb_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
msb_buf_free(struct msb_buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	size_t max = b->max;
	msb_buf_init(b, max);
}

void
msb_buf_reset(struct msb_buf *b)
{
	b->off = b->len = 0;
}

size_t
msb_buf_room(const struct msb_buf *b)
{
	return b->max - msb_buf_avail(b);
}

void
msb_buf_consume(struct msb_buf *b, size_t n)
{
	if (n > msb_buf_avail(b))
		n = msb_buf_avail(b);
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

uint8_t *
msb_buf_reserve(struct msb_buf *b, size_t n)
{
	size_t used = msb_buf_avail(b);

	if (n > b->max || used > b->max - n)
		return NULL;
	/* A buffer that never allocated has no address to offer, even for
	 * zero bytes: fall through and allocate. */
	if (b->data != NULL && b->cap - b->len >= n)
		return b->data + b->len;
	/* Compact before growing: consumers drain from the front. */
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, used);
		b->off = 0;
		b->len = used;
		if (b->cap - b->len >= n)
			return b->data + b->len;
	}
	size_t want = b->cap ? b->cap : 256;
	while (want < used + n)
		want = want > b->max / 2 ? b->max : want * 2;
	if (want > b->max)
		want = b->max;
	uint8_t *p = realloc(b->data, want);
	if (p == NULL)
		return NULL;
	b->data = p;
	b->cap = want;
	return b->data + b->len;
}

void
msb_buf_commit(struct msb_buf *b, size_t n)
{
	b->len += n;
}

int
msb_buf_put(struct msb_buf *b, const void *p, size_t n)
{
	uint8_t *dst = msb_buf_reserve(b, n);

	if (dst == NULL)
		return -1;
	if (n > 0)
		memcpy(dst, p, n);
	b->len += n;
	return 0;
}

int
msb_buf_put_u8(struct msb_buf *b, uint8_t v)
{
	return msb_buf_put(b, &v, 1);
}

void
msb_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t
msb_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
msb_buf_put_u32(struct msb_buf *b, uint32_t v)
{
	uint8_t tmp[4];

	msb_put_be32(tmp, v);
	return msb_buf_put(b, tmp, sizeof(tmp));
}

int
msb_buf_put_u64(struct msb_buf *b, uint64_t v)
{
	if (msb_buf_put_u32(b, (uint32_t)(v >> 32)) != 0)
		return -1;
	return msb_buf_put_u32(b, (uint32_t)v);
}

int
msb_buf_put_string(struct msb_buf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX)
		return -1;
	if (msb_buf_reserve(b, 4 + n) == NULL)
		return -1;
	msb_buf_put_u32(b, (uint32_t)n);
	return msb_buf_put(b, p, n);
}

int
msb_buf_put_cstring(struct msb_buf *b, const char *s)
{
	return msb_buf_put_string(b, s, s == NULL ? 0 : strlen(s));
}

void
msb_buf_poke_u32(struct msb_buf *b, size_t pos, uint32_t v)
{
	msb_put_be32(b->data + pos, v);
}

void
msb_reader_init(struct msb_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->error = false;
}

bool
msb_reader_done(const struct msb_reader *r)
{
	return !r->error && r->off == r->len;
}

static const uint8_t *
reader_take(struct msb_reader *r, size_t n)
{
	if (r->error || n > r->len - r->off) {
		r->error = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

int
msb_get_u8(struct msb_reader *r, uint8_t *v)
{
	const uint8_t *p = reader_take(r, 1);

	if (p == NULL)
		return -1;
	*v = p[0];
	return 0;
}

int
msb_get_u32(struct msb_reader *r, uint32_t *v)
{
	const uint8_t *p = reader_take(r, 4);

	if (p == NULL)
		return -1;
	*v = msb_get_be32(p);
	return 0;
}

int
msb_get_u64(struct msb_reader *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (msb_get_u32(r, &hi) != 0 || msb_get_u32(r, &lo) != 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
msb_get_string(struct msb_reader *r, const uint8_t **p, uint32_t *n)
{
	uint32_t len;

	*p = NULL;
	*n = 0;
	if (msb_get_u32(r, &len) != 0)
		return -1;
	const uint8_t *s = reader_take(r, len);
	if (s == NULL)
		return -1;
	*p = s;
	*n = len;
	return 0;
}

int
msb_get_cstring(struct msb_reader *r, char **out, size_t max)
{
	const uint8_t *p;
	uint32_t n;

	*out = NULL;
	if (msb_get_string(r, &p, &n) != 0)
		return -1;
	if (n > max || memchr(p, '\0', n) != NULL) {
		r->error = true;
		return -1;
	}
	char *s = malloc((size_t)n + 1);
	if (s == NULL) {
		r->error = true;
		return -1;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	*out = s;
	return 0;
}
