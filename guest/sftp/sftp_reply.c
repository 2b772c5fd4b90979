#include "config.h"

#include "sftp_reply.h"

void
sftp_reply_begin(struct sftp_reply *r, struct msb_buf *b, uint8_t type,
    uint32_t id)
{
	r->b = b;
	r->start = msb_buf_avail(b);
	r->error = msb_buf_put_u32(b, 0) != 0 || msb_buf_put_u8(b, type) != 0;
	if (type != SFTP_VERSION_REPLY)
		sftp_reply_u32(r, id);
}

void
sftp_reply_u32(struct sftp_reply *r, uint32_t v)
{
	if (!r->error && msb_buf_put_u32(r->b, v) != 0)
		r->error = true;
}

void
sftp_reply_u64(struct sftp_reply *r, uint64_t v)
{
	if (!r->error && msb_buf_put_u64(r->b, v) != 0)
		r->error = true;
}

void
sftp_reply_string(struct sftp_reply *r, const void *p, size_t n)
{
	if (!r->error && msb_buf_put_string(r->b, p, n) != 0)
		r->error = true;
}

void
sftp_reply_cstring(struct sftp_reply *r, const char *s)
{
	if (!r->error && msb_buf_put_cstring(r->b, s) != 0)
		r->error = true;
}

int
sftp_put_attrs(struct msb_buf *b, const struct sftp_attrs *a)
{
	/* Vendor extensions are never sent. */
	uint32_t flags = a->flags & ~SFTP_ATTR_EXTENDED;
	int rc = msb_buf_put_u32(b, flags);

	if (flags & SFTP_ATTR_SIZE)
		rc |= msb_buf_put_u64(b, a->size);
	if (flags & SFTP_ATTR_UIDGID) {
		rc |= msb_buf_put_u32(b, a->uid);
		rc |= msb_buf_put_u32(b, a->gid);
	}
	if (flags & SFTP_ATTR_PERMISSIONS)
		rc |= msb_buf_put_u32(b, a->perm);
	if (flags & SFTP_ATTR_ACMODTIME) {
		rc |= msb_buf_put_u32(b, a->atime);
		rc |= msb_buf_put_u32(b, a->mtime);
	}
	return rc != 0 ? -1 : 0;
}

void
sftp_reply_attrs(struct sftp_reply *r, const struct sftp_attrs *a)
{
	if (!r->error && sftp_put_attrs(r->b, a) != 0)
		r->error = true;
}

uint8_t *
sftp_reply_reserve_string(struct sftp_reply *r, size_t max)
{
	if (r->error)
		return NULL;
	uint8_t *p = msb_buf_reserve(r->b, 4 + max);
	if (p == NULL) {
		r->error = true;
		return NULL;
	}
	return p + 4;
}

void
sftp_reply_commit_string(struct sftp_reply *r, size_t n)
{
	if (r->error)
		return;
	msb_put_be32(r->b->data + r->b->len, (uint32_t)n);
	msb_buf_commit(r->b, 4 + n);
}

size_t
sftp_reply_mark(const struct sftp_reply *r)
{
	return msb_buf_avail(r->b);
}

void
sftp_reply_poke_u32(struct sftp_reply *r, size_t mark, uint32_t v)
{
	if (!r->error)
		msb_buf_poke_u32(r->b, r->b->off + mark, v);
}

void
sftp_reply_abort(struct sftp_reply *r)
{
	r->error = true;
	r->b->len = r->b->off + r->start;
}

int
sftp_reply_end(struct sftp_reply *r)
{
	struct msb_buf *b = r->b;
	size_t pos = b->off + r->start;

	if (r->error) {
		b->len = pos;
		return -1;
	}
	msb_buf_poke_u32(b, pos, (uint32_t)(b->len - pos - 4));
	return 0;
}

int
sftp_put_status(struct msb_buf *b, uint32_t id, uint32_t status,
    const char *message, bool with_text)
{
	struct sftp_reply r;

	sftp_reply_begin(&r, b, SFTP_STATUS, id);
	sftp_reply_u32(&r, status);
	/* Version 3 added the message and language tag. */
	if (with_text) {
		sftp_reply_cstring(&r, message != NULL ? message :
		    sftp_status_text(status));
		sftp_reply_cstring(&r, "");
	}
	return sftp_reply_end(&r);
}
