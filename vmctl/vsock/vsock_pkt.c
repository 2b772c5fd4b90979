#include "config.h"

#include <string.h>

#include "vsock_le.h"
#include "vsock_pkt.h"

void
vsock_hdr_decode(const uint8_t *b, struct vsock_hdr *h)
{
	h->src_cid = le64_at(b);
	h->dst_cid = le64_at(b + 8);
	h->src_port = le32_at(b + 16);
	h->dst_port = le32_at(b + 20);
	h->len = le32_at(b + 24);
	h->type = le16_at(b + 28);
	h->op = le16_at(b + 30);
	h->flags = le32_at(b + 32);
	h->buf_alloc = le32_at(b + 36);
	h->fwd_cnt = le32_at(b + 40);
}

void
vsock_hdr_encode(const struct vsock_hdr *h, uint8_t *b)
{
	put_le64(b, h->src_cid);
	put_le64(b + 8, h->dst_cid);
	put_le32(b + 16, h->src_port);
	put_le32(b + 20, h->dst_port);
	put_le32(b + 24, h->len);
	put_le16(b + 28, h->type);
	put_le16(b + 30, h->op);
	put_le32(b + 32, h->flags);
	put_le32(b + 36, h->buf_alloc);
	put_le32(b + 40, h->fwd_cnt);
}

unsigned
iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
    struct iovec *dst)
{
	unsigned out = 0;

	for (unsigned i = 0; i < n && len > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t chunk = iov[i].iov_len - off;
		if (chunk > len)
			chunk = len;
		dst[out].iov_base = (uint8_t *)iov[i].iov_base + off;
		dst[out].iov_len = chunk;
		out++;
		len -= chunk;
		off = 0;
	}
	return out;
}

/* The bytes of iov from off on: into out, or (out NULL) from in. */
static size_t
iov_copy(const struct iovec *iov, unsigned n, size_t off, void *out, const void *in,
    size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		uint8_t *piece = (uint8_t *)iov[i].iov_base + off;
		size_t chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (out != NULL)
			memcpy((uint8_t *)out + done, piece, chunk);
		else
			memcpy(piece, (const uint8_t *)in + done, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t
iov_copy_out(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len)
{
	return iov_copy(iov, n, off, dst, NULL, len);
}

size_t
iov_copy_in(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len)
{
	return iov_copy(iov, n, off, NULL, src, len);
}
