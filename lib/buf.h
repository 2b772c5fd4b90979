/*
 * Byte buffers for every msb wire format: big-endian integers and
 * length-prefixed strings as SSH and SFTP write them. Writers grow up to a
 * hard maximum so no peer can make us allocate without bound; readers carry
 * a sticky error so a codec can decode a whole message and check once.
 */
#ifndef MSB_BUF_H
#define MSB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msb_buf {
	uint8_t *data;
	size_t off;  /* first unread byte */
	size_t len;  /* one past the last written byte */
	size_t cap;
	size_t max;  /* cap never grows past this */
};

void msb_buf_init(struct msb_buf *b, size_t max);
/* Wipes the contents before freeing: buffers may have carried secrets. */
void msb_buf_free(struct msb_buf *b);
void msb_buf_reset(struct msb_buf *b);
static inline size_t msb_buf_avail(const struct msb_buf *b) { return b->len - b->off; }
/* A buffer that never allocated has no data pointer; NULL + 0 is undefined. */
static inline const uint8_t *msb_buf_ptr(const struct msb_buf *b)
{
	return b->data == NULL ? NULL : b->data + b->off;
}
/* Room left before max, counting space reclaimable by compaction. */
size_t msb_buf_room(const struct msb_buf *b);
void msb_buf_consume(struct msb_buf *b, size_t n);
/* Makes n bytes writable at the end; returns NULL when that would pass max. */
uint8_t *msb_buf_reserve(struct msb_buf *b, size_t n);
void msb_buf_commit(struct msb_buf *b, size_t n);

/* All put functions return 0, or -1 when the buffer would pass its max. */
int msb_buf_put(struct msb_buf *b, const void *p, size_t n);
int msb_buf_put_u8(struct msb_buf *b, uint8_t v);
int msb_buf_put_u32(struct msb_buf *b, uint32_t v);
int msb_buf_put_u64(struct msb_buf *b, uint64_t v);
int msb_buf_put_string(struct msb_buf *b, const void *p, size_t n);
int msb_buf_put_cstring(struct msb_buf *b, const char *s);
/* Overwrites a u32 already written at absolute offset pos (frame lengths). */
void msb_buf_poke_u32(struct msb_buf *b, size_t pos, uint32_t v);

void msb_put_be32(uint8_t *p, uint32_t v);
uint32_t msb_get_be32(const uint8_t *p);

struct msb_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool error;
};

void msb_reader_init(struct msb_reader *r, const void *p, size_t len);
static inline size_t msb_reader_left(const struct msb_reader *r) { return r->len - r->off; }
/* True when every byte was consumed and no read failed. */
bool msb_reader_done(const struct msb_reader *r);

/* Each get returns 0, or -1 (and sets the sticky error) on short input. */
int msb_get_u8(struct msb_reader *r, uint8_t *v);
int msb_get_u32(struct msb_reader *r, uint32_t *v);
int msb_get_u64(struct msb_reader *r, uint64_t *v);
/* Points into the input, no copy; *p is NULL on error. */
int msb_get_string(struct msb_reader *r, const uint8_t **p, uint32_t *n);
/* Copies a string of at most max bytes into a new NUL-terminated heap string;
 * fails on embedded NULs, overlength or allocation failure. Free with free(). */
int msb_get_cstring(struct msb_reader *r, char **out, size_t max);

#endif
