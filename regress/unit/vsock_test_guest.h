/*
 * A synthetic guest for the vsock backend's unit tests: one region of
 * guest memory between PROT_NONE guard pages (so a stray access faults even
 * without ASan), split virtqueues laid out in it, and helpers that play the
 * guest driver's part: post buffers, build packets, read used entries.
 */
#ifndef MSB_VSOCK_TEST_GUEST_H
#define MSB_VSOCK_TEST_GUEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>

#include "vmctl/vsock/vsock_dev.h"
#include "vmctl/vsock/vsock_le.h"
#include "vmctl/vsock/vsock_pkt.h"
#include "unit.h"

#define TG_GPA 0x100000ull
#define TG_UVA 0x7f0000000000ull
#define TG_SIZE (1024 * 1024)
#define TG_QSIZE 8
#define TG_CID 3
#define TG_PAGE 4096

struct tg_queue {
	uint64_t desc, avail, used;   /* guest physical addresses */
	uint16_t next_desc, avail_idx, used_seen;
	int kick, call;
};

struct tg {
	uint8_t *mem;                 /* TG_SIZE bytes at TG_GPA */
	uint8_t *mapping;
	struct vsock_dev dev;
	struct tg_queue q[VSOCK_NUM_VQ];
	uint64_t heap;                /* next free guest address for buffers */
	int epfd;
};

static inline uint8_t *
tg_ptr(struct tg *g, uint64_t gpa)
{
	return g->mem + (gpa - TG_GPA);
}

static inline void
tg_fatal(const char *what)
{
	perror(what);
	exit(1);
}

static inline void
tg_setup(struct tg *g)
{
	memset(g, 0, sizeof(*g));
	g->mapping = mmap(NULL, TG_SIZE + 2 * TG_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mapping == MAP_FAILED)
		tg_fatal("mmap");
	g->mem = g->mapping + TG_PAGE;
	if (mprotect(g->mem, TG_SIZE, PROT_READ | PROT_WRITE) != 0)
		tg_fatal("mprotect");
	if ((g->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		tg_fatal("epoll_create1");
	vsock_dev_init(&g->dev, TG_CID, g->epfd);
	if (guest_mem_add_host(&g->dev.mem, TG_GPA, TG_UVA, g->mem, TG_SIZE) != 0)
		tg_fatal("guest_mem_add_host");
	uint64_t at = TG_GPA;
	for (unsigned i = 0; i < VSOCK_NUM_VQ; i++) {
		struct tg_queue *tq = &g->q[i];
		struct virtq *q = &g->dev.vq[i];
		tq->desc = at;
		tq->avail = at + 16 * TG_QSIZE;
		tq->used = at + 4096;
		at += 8192;
		q->num = TG_QSIZE;
		q->desc_uva = TG_UVA + (tq->desc - TG_GPA);
		q->avail_uva = TG_UVA + (tq->avail - TG_GPA);
		q->used_uva = TG_UVA + (tq->used - TG_GPA);
		q->addr_set = true;
		q->enabled = true;
		tq->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		tq->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (tq->call < 0 || tq->kick < 0)
			tg_fatal("eventfd");
		q->call_fd = tq->call;
		if (vsock_dev_start_queue(&g->dev, i, tq->kick) != 0)
			tg_fatal("vsock_dev_start_queue");
	}
	g->heap = at;
}

static inline void
tg_teardown(struct tg *g)
{
	vsock_dev_cleanup(&g->dev);
	close(g->epfd);
	munmap(g->mapping, TG_SIZE + 2 * TG_PAGE);
}

/* Writes descriptor i. */
static inline void
tg_desc(struct tg *g, unsigned qi, uint16_t i, uint64_t addr, uint32_t len,
    uint16_t flags, uint16_t next)
{
	uint8_t *d = tg_ptr(g, g->q[qi].desc) + 16 * (size_t)i;

	put_le64(d, addr);
	put_le32(d + 8, len);
	put_le16(d + 12, flags);
	put_le16(d + 14, next);
}

/* Makes head available: writes the ring entry and bumps the index by step. */
static inline void
tg_avail(struct tg *g, unsigned qi, uint16_t head, uint16_t step)
{
	struct tg_queue *tq = &g->q[qi];
	uint8_t *a = tg_ptr(g, tq->avail);

	put_le16(a + 4 + 2 * (size_t)(tq->avail_idx % TG_QSIZE), head);
	tq->avail_idx += step;
	put_le16(a + 2, tq->avail_idx);
}

static inline uint64_t
tg_alloc(struct tg *g, size_t n)
{
	uint64_t at = g->heap;

	g->heap += (n + 63) & ~(size_t)63;
	if (g->heap > TG_GPA + TG_SIZE)
		tg_fatal("test guest memory exhausted");
	return at;
}

/* How many used entries the device published since the last look. */
static inline unsigned
tg_used_new(struct tg *g, unsigned qi)
{
	uint16_t idx = le16_at(tg_ptr(g, g->q[qi].used) + 2);

	return (uint16_t)(idx - g->q[qi].used_seen);
}

/* The next used entry: its head and length. */
static inline void
tg_used_next(struct tg *g, unsigned qi, uint32_t *id, uint32_t *len)
{
	uint8_t *e = tg_ptr(g, g->q[qi].used) + 4 + 8 * (size_t)(g->q[qi].used_seen % TG_QSIZE);

	*id = le32_at(e);
	*len = le32_at(e + 4);
	g->q[qi].used_seen++;
}

/* Posts one rx buffer (header and payload in one writable descriptor). */
static inline uint64_t
tg_post_rx(struct tg *g, uint32_t size)
{
	uint64_t buf = tg_alloc(g, size);
	uint16_t d = g->q[VSOCK_VQ_RX].next_desc++ % TG_QSIZE;

	tg_desc(g, VSOCK_VQ_RX, d, buf, size, VRING_DESC_F_WRITE, 0);
	tg_avail(g, VSOCK_VQ_RX, d, 1);
	return buf;
}

static inline struct vsock_hdr
tg_hdr(uint16_t op, uint32_t src_port, uint32_t dst_port, uint32_t len)
{
	struct vsock_hdr h = {
		.src_cid = TG_CID, .dst_cid = VSOCK_HOST_CID,
		.src_port = src_port, .dst_port = dst_port, .len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM, .op = op,
		.buf_alloc = 256 * 1024,
	};
	return h;
}

/* Sends a packet on tx: header in one descriptor, payload in a second. */
static inline void
tg_send(struct tg *g, const struct vsock_hdr *h, const void *payload, uint32_t plen)
{
	uint64_t hb = tg_alloc(g, VSOCK_HDR_LEN);
	uint16_t d0 = g->q[VSOCK_VQ_TX].next_desc++ % TG_QSIZE;

	vsock_hdr_encode(h, tg_ptr(g, hb));
	if (plen == 0) {
		tg_desc(g, VSOCK_VQ_TX, d0, hb, VSOCK_HDR_LEN, 0, 0);
	} else {
		uint64_t pb = tg_alloc(g, plen);
		uint16_t d1 = g->q[VSOCK_VQ_TX].next_desc++ % TG_QSIZE;
		memcpy(tg_ptr(g, pb), payload, plen);
		tg_desc(g, VSOCK_VQ_TX, d0, hb, VSOCK_HDR_LEN, VRING_DESC_F_NEXT, d1);
		tg_desc(g, VSOCK_VQ_TX, d1, pb, plen, 0, 0);
	}
	tg_avail(g, VSOCK_VQ_TX, d0, 1);
}

#endif
