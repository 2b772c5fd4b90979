#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_vsock.h>

#include "lib/log.h"
#include "vsock_dev.h"
#include "vsock_host.h"

void
vsock_dev_init(struct vsock_dev *d, uint64_t guest_cid, int epfd)
{
	memset(d, 0, sizeof(*d));
	d->guest_cid = guest_cid;
	d->epfd = epfd;
	guest_mem_init(&d->mem);
	for (unsigned i = 0; i < VSOCK_NUM_VQ; i++)
		virtq_init(&d->vq[i]);
	d->next_port = VSOCK_FIRST_HOST_PORT;
}

void
vsock_dev_drop_conns(struct vsock_dev *d)
{
	if (d->nconns > 0)
		info_f("dropping %u connection(s)", d->nconns);
	for (unsigned b = 0; b < VSOCK_CONN_BUCKETS; b++) {
		while (d->buckets[b] != NULL)
			vsock_conn_free(d, d->buckets[b]);
	}
	d->nrst = 0;
	d->next_deadline = 0;
}

static void
unwatch_kick(struct vsock_dev *d, struct virtq *q)
{
	if (q->kick_fd < 0)
		return;
	if (epoll_ctl(d->epfd, EPOLL_CTL_DEL, q->kick_fd, NULL) != 0)
		error_f("epoll_ctl: %s", strerror(errno));
	if (close(q->kick_fd) != 0)
		error_f("close: %s", strerror(errno));
	q->kick_fd = -1;
}

void
vsock_dev_cleanup(struct vsock_dev *d)
{
	vsock_dev_drop_conns(d);
	for (unsigned i = 0; i < VSOCK_NUM_VQ; i++) {
		unwatch_kick(d, &d->vq[i]);
		virtq_reset(&d->vq[i]);
	}
	guest_mem_unmap(&d->mem);
}

int
vsock_dev_start_queue(struct vsock_dev *d, unsigned i, int kick_fd)
{
	struct virtq *q = &d->vq[i];

	unwatch_kick(d, q);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = VSOCK_EV(VSOCK_EV_KICK, i) };
	q->kick_fd = kick_fd;
	if (virtq_map(q, &d->mem) != 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, kick_fd, &ev) != 0) {
		error_f("queue %u: %s", i, q->desc == NULL ?
		    "rings are not in guest memory" : strerror(errno));
		if (close(kick_fd) != 0)
			error_f("close: %s", strerror(errno));
		q->kick_fd = -1;
		return -1;
	}
	uint16_t used = __atomic_load_n((const uint16_t *)(q->used + 2), __ATOMIC_ACQUIRE);
	q->used_idx = q->signalled_idx = le16toh(used);
	q->started = true;
	q->broken = false;
	debug_f("queue %u started: size %u, avail from %u, used from %u",
	    i, q->num, q->last_avail, q->used_idx);
	return 0;
}

void
vsock_dev_stop_queue(struct vsock_dev *d, unsigned i)
{
	unwatch_kick(d, &d->vq[i]);
	d->vq[i].started = false;
	/* A stopping device is a resetting guest transport: its streams die. */
	vsock_dev_drop_conns(d);
}

int
vsock_dev_remap(struct vsock_dev *d)
{
	for (unsigned i = 0; i < VSOCK_NUM_VQ; i++) {
		struct virtq *q = &d->vq[i];
		if (q->started && virtq_map(q, &d->mem) != 0) {
			error_f("queue %u: rings are not in the new memory table", i);
			return -1;
		}
	}
	return 0;
}

static void
device_broken(struct vsock_dev *d)
{
	for (unsigned i = 0; i < VSOCK_NUM_VQ; i++)
		d->vq[i].broken = true;
	vsock_dev_drop_conns(d);
}

static void
queue_rst(struct vsock_dev *d, uint32_t src_port, uint32_t dst_port)
{
	if (d->nrst == VSOCK_RST_QUEUE) {
		debug_f("reset queue full; not answering port %u", dst_port);
		return;
	}
	d->rst[d->nrst].src_port = src_port;
	d->rst[d->nrst].dst_port = dst_port;
	d->nrst++;
}

static void
open_conn(struct vsock_dev *d, struct vsock_conn *c)
{
	char line[MSB_HYBRID_LINE_MAX];
	size_t n = msb_hybrid_format_ok(line, c->host_port);

	if (send(c->fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n) {
		vsock_conn_reset(d, c, "cannot answer the Unix client");
		return;
	}
	c->state = CONN_OPEN;
	vsock_conn_set_deadline(d, c, 0);
	/* Edges that came while connecting were not acted on. */
	c->readable = c->writable = true;
	verbose_f("host port %u connected to guest port %u", c->host_port, c->guest_port);
	vsock_conn_update_rx(d, c);
}

/* Handles one packet from the guest for connection c; c may be freed. */
static void
conn_packet(struct vsock_dev *d, struct vsock_conn *c, const struct vsock_hdr *h,
    const struct virtq_chain *ch)
{
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != CONN_CONNECTING) {
			vsock_conn_reset(d, c, "unexpected RESPONSE");
			return;
		}
		open_conn(d, c);
		return;
	case VIRTIO_VSOCK_OP_RST:
		verbose_f("guest reset host port %u (%s)", c->host_port,
		    c->state == CONN_CONNECTING ? "refused" : "open");
		vsock_conn_free(d, c);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (c->state != CONN_OPEN) {
			vsock_conn_reset(d, c, "SHUTDOWN before RESPONSE");
			return;
		}
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
			c->guest_no_recv = true;
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
			c->guest_no_send = true;
		vsock_host_progress(d, c);
		return;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state != CONN_OPEN || c->guest_no_send) {
			vsock_conn_reset(d, c, "data outside an open stream");
			return;
		}
		if (h->len > ch->out_len - VSOCK_HDR_LEN) {
			vsock_conn_reset(d, c, "length beyond the buffer");
			return;
		}
		if (h->len > VSOCK_BUF_ALLOC - (c->rx_cnt - c->fwd_cnt)) {
			vsock_conn_reset(d, c, "guest exceeded its credit");
			return;
		}
		vsock_host_deliver(d, c, ch, h->len);
		return;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= PEND_CREDIT;
		break;
	default:
		vsock_conn_reset(d, c, "unexpected operation");
		return;
	}
	vsock_conn_update_rx(d, c);
}

static void
tx_packet(struct vsock_dev *d, const struct virtq_chain *ch)
{
	uint8_t hb[VSOCK_HDR_LEN];
	struct vsock_hdr h;

	if (iov_copy_out(ch->out, ch->n_out, 0, hb, sizeof(hb)) != sizeof(hb)) {
		debug_f("packet shorter than a header (%zu bytes); dropped", ch->out_len);
		return;
	}
	vsock_hdr_decode(hb, &h);
	if (h.src_cid != d->guest_cid || h.dst_cid != VSOCK_HOST_CID) {
		debug_f("packet from cid %llu to cid %llu; dropped",
		    (unsigned long long)h.src_cid, (unsigned long long)h.dst_cid);
		return;
	}
	struct vsock_conn *c = vsock_conn_find(d, h.dst_port);
	if (c != NULL && c->state == CONN_DEAD && c->guest_port == h.src_port) {
		/* We are closing it; the guest's RST completes that. */
		if (h.op == VIRTIO_VSOCK_OP_RST)
			vsock_conn_free(d, c);
		return;
	}
	if (c != NULL && (c->state == CONN_HANDSHAKE || c->guest_port != h.src_port ||
	    (c->pending & PEND_REQUEST)))
		c = NULL;
	if (c == NULL) {
		/* Guest-initiated connections to the host are refused this way too. */
		if (h.op != VIRTIO_VSOCK_OP_RST)
			queue_rst(d, h.dst_port, h.src_port);
		return;
	}
	if (h.type != VIRTIO_VSOCK_TYPE_STREAM) {
		vsock_conn_reset(d, c, "not a stream packet");
		return;
	}
	conn_packet(d, c, &h, ch);
}

static void
process_tx(struct vsock_dev *d)
{
	struct virtq *q = &d->vq[VSOCK_VQ_TX];
	int r;

	while ((r = virtq_pop(q, &d->mem, &d->chain)) == 1) {
		if (d->chain.n_in != 0) {
			error_f("guest offered writable buffers on the tx queue");
			q->broken = true;
			r = -1;
			break;
		}
		tx_packet(d, &d->chain);
		virtq_push(q, d->chain.head, 0);
	}
	virtq_flush(q);
	if (r < 0)
		device_broken(d);
}

/* Fills the rx chain with one packet for c; returns the bytes used, 0 if none. */
static uint32_t
conn_fill(struct vsock_dev *d, struct vsock_conn *c, const struct virtq_chain *ch)
{
	struct vsock_hdr h = {
		.src_cid = VSOCK_HOST_CID, .dst_cid = d->guest_cid,
		.src_port = c->host_port, .dst_port = c->guest_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.buf_alloc = VSOCK_BUF_ALLOC,
	};
	uint8_t hb[VSOCK_HDR_LEN];
	bool done = false;

	if (c->pending & PEND_REQUEST) {
		h.op = VIRTIO_VSOCK_OP_REQUEST;
	} else if (c->pending & PEND_SHUTDOWN) {
		h.op = VIRTIO_VSOCK_OP_SHUTDOWN;
		h.flags = c->shutdown_flags;
	} else if (c->pending & PEND_CREDIT) {
		h.op = VIRTIO_VSOCK_OP_CREDIT_UPDATE;
	} else if (c->pending & PEND_RST) {
		h.op = VIRTIO_VSOCK_OP_RST;
		done = true;
	} else {
		size_t want = ch->in_len - VSOCK_HDR_LEN;
		uint32_t credit = vsock_conn_peer_credit(c);
		if (want > credit)
			want = credit;
		if (want > VSOCK_MAX_PKT)
			want = VSOCK_MAX_PKT;
		ssize_t r = vsock_host_read(d, c, ch, want);
		if (r < 0)
			return 0;
		/* End of file or an error left control packets to send instead. */
		if (r == 0)
			return conn_fill(d, c, ch);
		h.op = VIRTIO_VSOCK_OP_RW;
		h.len = (uint32_t)r;
		c->tx_cnt += (uint32_t)r;
	}
	c->pending &= ~(h.op == VIRTIO_VSOCK_OP_REQUEST ? PEND_REQUEST :
	    h.op == VIRTIO_VSOCK_OP_SHUTDOWN ? PEND_SHUTDOWN : 0);
	/* Every header carries our credit, so no separate update is owed. */
	c->pending &= ~PEND_CREDIT;
	h.fwd_cnt = c->fwd_cnt;
	c->reported_fwd = c->fwd_cnt;
	vsock_hdr_encode(&h, hb);
	iov_copy_in(ch->in, ch->n_in, 0, hb, sizeof(hb));
	if (done)
		vsock_conn_free(d, c);
	else
		vsock_conn_requeue_rx(d, c);
	return VSOCK_HDR_LEN + h.len;
}

static uint32_t
rst_fill(struct vsock_dev *d, const struct virtq_chain *ch)
{
	struct vsock_hdr h = {
		.src_cid = VSOCK_HOST_CID, .dst_cid = d->guest_cid,
		.src_port = d->rst[0].src_port, .dst_port = d->rst[0].dst_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM, .op = VIRTIO_VSOCK_OP_RST,
	};
	uint8_t hb[VSOCK_HDR_LEN];

	d->nrst--;
	memmove(&d->rst[0], &d->rst[1], d->nrst * sizeof(d->rst[0]));
	vsock_hdr_encode(&h, hb);
	iov_copy_in(ch->in, ch->n_in, 0, hb, sizeof(hb));
	return VSOCK_HDR_LEN;
}

static void
process_rx(struct vsock_dev *d)
{
	struct virtq *q = &d->vq[VSOCK_VQ_RX];
	struct virtq_chain *ch = &d->chain;

	while (d->nrst > 0 || d->rx_head != NULL) {
		int r = virtq_pop(q, &d->mem, ch);
		if (r == 0)
			break;
		if (r < 0 || ch->n_out != 0 || ch->in_len < VSOCK_HDR_LEN) {
			if (r > 0)
				error_f("guest offered an rx buffer without room for a header");
			q->broken = true;
			virtq_flush(q);
			device_broken(d);
			return;
		}
		uint32_t used = d->nrst > 0 ? rst_fill(d, ch) : conn_fill(d, d->rx_head, ch);
		if (used == 0)
			virtq_unpop(q);
		else
			virtq_push(q, ch->head, used);
	}
	virtq_flush(q);
}

void
vsock_dev_process(struct vsock_dev *d)
{
	process_tx(d);
	process_rx(d);
}
