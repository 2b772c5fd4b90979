#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "lib/log.h"
#include "virtq.h"
#include "vsock_le.h"

#define DESC_SIZE 16

void
virtq_init(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0 && close(*fd) != 0)
		error_f("close: %s", strerror(errno));
	*fd = -1;
}

void
virtq_reset(struct virtq *q)
{
	close_fd(&q->kick_fd);
	close_fd(&q->call_fd);
	close_fd(&q->err_fd);
	virtq_init(q);
}

int
virtq_map(struct virtq *q, const struct guest_mem *m)
{
	uint64_t n = q->num;

	q->desc = q->avail = q->used = NULL;
	if (!q->addr_set || n == 0)
		return -1;
	q->desc = guest_mem_uva(m, q->desc_uva, DESC_SIZE * n);
	q->avail = guest_mem_uva(m, q->avail_uva, 4 + 2 * n);
	q->used = guest_mem_uva(m, q->used_uva, 4 + 8 * n);
	/* The atomics on idx fields need the alignment the spec requires. */
	if (q->desc == NULL || q->avail == NULL || q->used == NULL ||
	    (uintptr_t)q->desc % 16 != 0 || (uintptr_t)q->avail % 2 != 0 ||
	    (uintptr_t)q->used % 4 != 0) {
		q->desc = q->avail = q->used = NULL;
		return -1;
	}
	return 0;
}

bool
virtq_ready(const struct virtq *q)
{
	return q->started && q->enabled && !q->broken && q->desc != NULL;
}

static uint16_t
avail_idx(const struct virtq *q)
{
	uint16_t v = __atomic_load_n((const uint16_t *)(q->avail + 2), __ATOMIC_ACQUIRE);

	return le16toh(v);
}

static int
broken(struct virtq *q, const char *why, unsigned a, unsigned b)
{
	error_f("guest broke the virtqueue: %s (%u, %u)", why, a, b);
	q->broken = true;
	if (q->err_fd >= 0) {
		uint64_t one = 1;
		if (write(q->err_fd, &one, sizeof(one)) != sizeof(one))
			error_f("signalling the error eventfd: %s", strerror(errno));
	}
	return -1;
}

int
virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c)
{
	if (!virtq_ready(q))
		return 0;
	uint16_t avail = avail_idx(q);
	uint16_t pending = (uint16_t)(avail - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->num)
		return broken(q, "avail index moved past the ring size", pending, q->num);
	uint16_t head = le16_at(q->avail + 4 + 2 * (size_t)(q->last_avail % q->num));
	if (head >= q->num)
		return broken(q, "head index out of range", head, q->num);

	c->head = head;
	c->n_out = c->n_in = 0;
	c->out_len = c->in_len = 0;
	uint16_t idx = head;
	for (unsigned count = 0;; count++) {
		if (count >= q->num)
			return broken(q, "descriptor chain longer than the ring", count, q->num);
		uint8_t d[DESC_SIZE];
		/* One copy: the guest may rewrite the descriptor while we look. */
		memcpy(d, q->desc + (size_t)idx * DESC_SIZE, sizeof(d));
		uint64_t addr = le64_at(d);
		uint32_t len = le32_at(d + 8);
		uint16_t flags = le16_at(d + 12), next = le16_at(d + 14);
		if (flags & VRING_DESC_F_INDIRECT)
			return broken(q, "indirect descriptor (not negotiated)", idx, flags);
		if (flags & VRING_DESC_F_WRITE) {
			if (guest_mem_gpa_iov(m, addr, len, c->in, &c->n_in, VIRTQ_MAX_IOV) != 0)
				return broken(q, "writable buffer outside guest memory", idx, len);
			c->in_len += len;
		} else {
			if (c->n_in > 0)
				return broken(q, "readable descriptor after a writable one", idx, flags);
			if (guest_mem_gpa_iov(m, addr, len, c->out, &c->n_out, VIRTQ_MAX_IOV) != 0)
				return broken(q, "readable buffer outside guest memory", idx, len);
			c->out_len += len;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		if (next >= q->num)
			return broken(q, "next index out of range", next, q->num);
		idx = next;
	}
	q->last_avail++;
	return 1;
}

void
virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

void
virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *e = q->used + 4 + 8 * (size_t)(q->used_idx % q->num);

	put_le32(e, head);
	put_le32(e + 4, len);
	q->used_idx++;
}

void
virtq_flush(struct virtq *q)
{
	if (q->used == NULL || q->used_idx == q->signalled_idx)
		return;
	__atomic_store_n((uint16_t *)(q->used + 2), htole16(q->used_idx), __ATOMIC_RELEASE);
	q->signalled_idx = q->used_idx;
	/* The idx store must be visible before we read the guest's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint16_t flags = le16toh(__atomic_load_n((const uint16_t *)q->avail, __ATOMIC_RELAXED));
	if ((flags & VRING_AVAIL_F_NO_INTERRUPT) || q->call_fd < 0)
		return;
	uint64_t one = 1;
	if (write(q->call_fd, &one, sizeof(one)) != sizeof(one) && errno != EAGAIN)
		error_f("signalling the call eventfd: %s", strerror(errno));
}

void
virtq_drain_kick(const struct virtq *q)
{
	uint64_t v;

	if (q->kick_fd >= 0 && read(q->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		error_f("reading the kick eventfd: %s", strerror(errno));
}
