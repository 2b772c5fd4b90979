/*
 * The virtio-vsock packet header (struct virtio_vsock_hdr, 44 bytes,
 * little-endian) and the scatter-gather copies that move it in and out of
 * descriptor chains, where it may be split across buffers.
 */
#ifndef MSB_VSOCK_PKT_H
#define MSB_VSOCK_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VSOCK_HDR_LEN 44
#define VSOCK_HOST_CID 2

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

void vsock_hdr_decode(const uint8_t *b, struct vsock_hdr *h);
void vsock_hdr_encode(const struct vsock_hdr *h, uint8_t *b);

/* Copies up to len bytes starting off bytes into iov; returns bytes copied. */
size_t iov_copy_out(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len);
size_t iov_copy_in(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len);
/*
 * Describes bytes [off, off + len) of iov (clipped to its end) in dst,
 * which has room for n entries; returns the number used.
 */
unsigned iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
    struct iovec *dst);

#endif
