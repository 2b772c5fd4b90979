/*
 * Device side of a virtio split virtqueue living in guest memory. The guest
 * is not trusted: every index, length and address it writes is checked, and
 * a chain that breaks a rule marks the queue broken instead of being used.
 * No indirect descriptors and no EVENT_IDX: the backend never offers them.
 */
#ifndef MSB_VSOCK_VIRTQ_H
#define MSB_VSOCK_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"

#define VIRTQ_MAX_SIZE 32768
/* iovecs per direction in one chain: the vsock driver uses one or two. */
#define VIRTQ_MAX_IOV 64

struct virtq {
	uint16_t num;             /* ring size; 0 until SET_VRING_NUM */
	uint64_t desc_uva, avail_uva, used_uva;
	bool addr_set;
	uint8_t *desc, *avail, *used;  /* host addresses, NULL until mapped */
	uint16_t last_avail;      /* next avail entry to take */
	uint16_t used_idx;        /* our copy of used->idx, possibly unpublished */
	uint16_t signalled_idx;   /* used_idx when the guest was last notified */
	int kick_fd, call_fd, err_fd;
	bool enabled;             /* SET_VRING_ENABLE */
	bool started;             /* kick fd received, not stopped since */
	bool broken;              /* the guest broke the ring: no more use */
};

struct virtq_chain {
	uint16_t head;
	unsigned n_out, n_in;     /* device-readable, then device-writable */
	struct iovec out[VIRTQ_MAX_IOV];
	struct iovec in[VIRTQ_MAX_IOV];
	size_t out_len, in_len;
};

void virtq_init(struct virtq *q);
/* Closes the eventfds and forgets everything but nothing in guest memory. */
void virtq_reset(struct virtq *q);
/* Translates the ring addresses through m; -1 when they are not all mapped. */
int virtq_map(struct virtq *q, const struct guest_mem *m);
/* True when the queue may be processed. */
bool virtq_ready(const struct virtq *q);
/*
 * Takes the next available chain. Returns 1 with *c filled, 0 when the
 * guest offered nothing, -1 when the guest broke the ring (q->broken set).
 */
int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c);
/* Gives back the chain just popped, unused (nothing was published). */
void virtq_unpop(struct virtq *q);
/* Returns a chain with len bytes written; visible to the guest at flush. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
/* Publishes pushed entries and signals the call eventfd unless suppressed. */
void virtq_flush(struct virtq *q);
/* Reads the kick eventfd dry. */
void virtq_drain_kick(const struct virtq *q);

#endif
