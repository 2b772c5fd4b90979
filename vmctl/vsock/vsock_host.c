#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_vsock.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "vsock_host.h"

void
vsock_conn_reset(struct vsock_dev *d, struct vsock_conn *c, const char *why)
{
	verbose_f("host port %u, guest port %u: %s", c->host_port, c->guest_port, why);
	bool guest_knows = c->state == CONN_OPEN ||
	    (c->state == CONN_CONNECTING && !(c->pending & PEND_REQUEST));
	if (!guest_knows) {
		vsock_conn_free(d, c);
		return;
	}
	vsock_conn_close_fd(d, c);
	c->state = CONN_DEAD;
	c->pending = PEND_RST;
	vsock_conn_set_deadline(d, c, VSOCK_CLOSE_MS);
	vsock_conn_update_rx(d, c);
}

/* Both directions are over: tell the guest with RST, as Linux expects. */
static void
finish(struct vsock_dev *d, struct vsock_conn *c)
{
	verbose_f("host port %u: stream closed", c->host_port);
	vsock_conn_close_fd(d, c);
	c->state = CONN_DEAD;
	c->pending = (c->pending & PEND_SHUTDOWN) | PEND_RST;
	vsock_conn_set_deadline(d, c, VSOCK_CLOSE_MS);
	vsock_conn_update_rx(d, c);
}

static void
credit_check(struct vsock_conn *c)
{
	uint32_t guest_view = VSOCK_BUF_ALLOC - (c->rx_cnt - c->reported_fwd);

	if (c->fwd_cnt != c->reported_fwd && guest_view < VSOCK_CREDIT_LOW)
		c->pending |= PEND_CREDIT;
}

void
vsock_host_progress(struct vsock_dev *d, struct vsock_conn *c)
{
	if (c->state != CONN_OPEN)
		return;
	if (c->buf_len == 0 && c->guest_no_send) {
		if (!c->shut_wr_done) {
			c->shut_wr_done = true;
			if (shutdown(c->fd, SHUT_WR) != 0 && errno != ENOTCONN)
				error_f("shutdown: %s", strerror(errno));
		}
		if (c->guest_no_recv || c->uds_eof) {
			finish(d, c);
			return;
		}
	}
	credit_check(c);
	vsock_conn_update_rx(d, c);
}

/* Returns bytes written, or -1 after resetting c. */
static ssize_t
send_iov(struct vsock_dev *d, struct vsock_conn *c, struct iovec *iov, unsigned n)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t w;

	do {
		w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (w < 0 && errno == EINTR);
	if (w >= 0)
		return w;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->writable = false;
		return 0;
	}
	vsock_conn_reset(d, c, strerror(errno));
	return -1;
}

static size_t
iov_total(const struct iovec *iov, unsigned n)
{
	size_t t = 0;

	for (unsigned i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

void
vsock_host_deliver(struct vsock_dev *d, struct vsock_conn *c,
    const struct virtq_chain *ch, uint32_t len)
{
	struct iovec part[VIRTQ_MAX_IOV];
	size_t done = 0;

	c->rx_cnt += len;
	if (len == 0)
		return;
	unsigned k = iov_slice(ch->out, ch->n_out, VSOCK_HDR_LEN, len, part);
	if (c->buf_len == 0 && c->writable) {
		/* The common case: straight from guest memory to the socket. */
		ssize_t w = send_iov(d, c, part, k);
		if (w < 0)
			return;
		done = (size_t)w;
		c->fwd_cnt += (uint32_t)w;
		if (done < len)
			c->writable = false;
	}
	if (done < len) {
		if (c->buf == NULL && (c->buf = malloc(VSOCK_BUF_ALLOC)) == NULL) {
			vsock_conn_reset(d, c, "out of memory");
			return;
		}
		/* Credit guarantees buf_len + rest <= VSOCK_BUF_ALLOC. */
		size_t rest = len - done, tail = (c->buf_head + c->buf_len) % VSOCK_BUF_ALLOC;
		size_t first = VSOCK_BUF_ALLOC - tail < rest ? VSOCK_BUF_ALLOC - tail : rest;
		iov_copy_out(part, k, done, c->buf + tail, first);
		iov_copy_out(part, k, done + first, c->buf, rest - first);
		c->buf_len += rest;
	}
	vsock_host_progress(d, c);
}

/* Writes buffered guest data to the socket; 0, or -1 after resetting c. */
static int
flush_buf(struct vsock_dev *d, struct vsock_conn *c)
{
	while (c->buf_len > 0 && c->writable) {
		struct iovec iov[2];
		unsigned n = 1;
		size_t first = VSOCK_BUF_ALLOC - c->buf_head;
		iov[0].iov_base = c->buf + c->buf_head;
		iov[0].iov_len = first < c->buf_len ? first : c->buf_len;
		if (first < c->buf_len) {
			iov[1].iov_base = c->buf;
			iov[1].iov_len = c->buf_len - first;
			n = 2;
		}
		size_t want = iov_total(iov, n);
		ssize_t w = send_iov(d, c, iov, n);
		if (w < 0)
			return -1;
		c->fwd_cnt += (uint32_t)w;
		c->buf_head = (c->buf_head + (size_t)w) % VSOCK_BUF_ALLOC;
		c->buf_len -= (size_t)w;
		if ((size_t)w < want)
			c->writable = false;
	}
	if (c->buf_len == 0) {
		/* Idle streams hold no buffer: memory follows stalled readers only. */
		free(c->buf);
		c->buf = NULL;
		c->buf_head = 0;
	}
	return 0;
}

ssize_t
vsock_host_read(struct vsock_dev *d, struct vsock_conn *c,
    const struct virtq_chain *ch, size_t want)
{
	struct iovec part[VIRTQ_MAX_IOV];
	unsigned k = iov_slice(ch->in, ch->n_in, VSOCK_HDR_LEN, want, part);
	struct msghdr msg = { .msg_iov = part, .msg_iovlen = k };
	ssize_t r;

	do {
		r = recvmsg(c->fd, &msg, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r > 0) {
		/* Edge-triggered: once the client has shut its side no edge
		 * will come for the EOF behind a short read, so read on. */
		if ((size_t)r < want && !c->uds_rdhup)
			c->readable = false;
		return r;
	}
	if (r == 0) {
		c->uds_eof = true;
		c->pending |= PEND_SHUTDOWN;
		c->shutdown_flags = VIRTIO_VSOCK_SHUTDOWN_SEND |
		    (c->uds_hup ? VIRTIO_VSOCK_SHUTDOWN_RCV : 0);
		if (c->uds_hup)
			vsock_conn_set_deadline(d, c, VSOCK_CLOSE_MS);
		vsock_host_progress(d, c);
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		c->readable = false;
		vsock_conn_update_rx(d, c);
		return -1;
	}
	vsock_conn_reset(d, c, strerror(errno));
	return 0;
}

static void
handshake(struct vsock_dev *d, struct vsock_conn *c)
{
	char line[MSB_HYBRID_LINE_MAX];
	uint32_t port;
	ssize_t n;

	do {
		n = recv(c->fd, line, sizeof(line), MSG_PEEK | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->readable = false;
		return;
	}
	if (n <= 0) {
		verbose_f("Unix client left before CONNECT");
		vsock_conn_free(d, c);
		return;
	}
	const char *nl = memchr(line, '\n', (size_t)n);
	if (nl == NULL) {
		if ((size_t)n < sizeof(line) && !c->uds_rdhup) {
			c->readable = false;
			return;
		}
		info_f("closing a Unix client: no CONNECT line");
		vsock_conn_free(d, c);
		return;
	}
	size_t len = (size_t)(nl - line) + 1;
	if (msb_hybrid_parse_connect(line, len, &port) != 0) {
		info_f("closing a Unix client: bad CONNECT line");
		vsock_conn_free(d, c);
		return;
	}
	if (recv(c->fd, line, len, MSG_DONTWAIT) != (ssize_t)len) {
		vsock_conn_free(d, c);
		return;
	}
	c->guest_port = port;
	c->state = CONN_CONNECTING;
	c->pending |= PEND_REQUEST;
	vsock_conn_set_deadline(d, c, VSOCK_CONNECT_MS);
	debug_f("host port %u: connecting to guest port %u", c->host_port, port);
	vsock_conn_update_rx(d, c);
}

void
vsock_dev_accept(struct vsock_dev *d, int fd)
{
	struct vsock_conn *c = vsock_conn_new(d, fd);

	if (c == NULL) {
		if (close(fd) != 0)
			error_f("close: %s", strerror(errno));
		return;
	}
	vsock_conn_set_deadline(d, c, VSOCK_HANDSHAKE_MS);
}

void
vsock_dev_conn_event(struct vsock_dev *d, uint32_t host_port, uint32_t events)
{
	struct vsock_conn *c = vsock_conn_find(d, host_port);

	if (c == NULL || c->fd < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->readable = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->writable = true;
	if (events & EPOLLHUP)
		c->uds_hup = true;
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->uds_rdhup = true;
	switch (c->state) {
	case CONN_HANDSHAKE:
		handshake(d, c);
		return;
	case CONN_OPEN:
		if (flush_buf(d, c) != 0)
			return;
		if (c->uds_hup && c->uds_eof && !(c->shutdown_flags & VIRTIO_VSOCK_SHUTDOWN_RCV)) {
			c->shutdown_flags |= VIRTIO_VSOCK_SHUTDOWN_RCV;
			c->pending |= PEND_SHUTDOWN;
			vsock_conn_set_deadline(d, c, VSOCK_CLOSE_MS);
		}
		vsock_host_progress(d, c);
		return;
	case CONN_CONNECTING:
	case CONN_DEAD:
		return;
	}
}

/* A deadline passed: what it means depends on how far c got. */
static void
expire(struct vsock_dev *d, struct vsock_conn *c)
{
	switch (c->state) {
	case CONN_HANDSHAKE:
		info_f("closing a Unix client: no CONNECT line in time");
		vsock_conn_free(d, c);
		return;
	case CONN_CONNECTING:
		info_f("guest port %u did not answer; closing the Unix client", c->guest_port);
		vsock_conn_reset(d, c, "connect timeout");
		return;
	case CONN_OPEN:
		vsock_conn_reset(d, c, "guest did not finish closing");
		return;
	case CONN_DEAD:
		vsock_conn_free(d, c);
		return;
	}
}

int
vsock_dev_timers(struct vsock_dev *d)
{
	if (d->next_deadline == 0)
		return -1;
	uint64_t now = (uint64_t)msb_now_ms();
	if (now < d->next_deadline)
		return (int)(d->next_deadline - now);
	d->next_deadline = 0;
	for (unsigned b = 0; b < VSOCK_CONN_BUCKETS; b++) {
		struct vsock_conn *c = d->buckets[b], *next;
		for (; c != NULL; c = next) {
			next = c->hnext;
			if (c->deadline_ms != 0 && c->deadline_ms <= now) {
				c->deadline_ms = 0;
				expire(d, c);
			}
		}
	}
	/* Expiry may have set new deadlines; collect the earliest that is left. */
	d->next_deadline = 0;
	for (unsigned b = 0; b < VSOCK_CONN_BUCKETS; b++) {
		for (struct vsock_conn *c = d->buckets[b]; c != NULL; c = c->hnext) {
			if (c->deadline_ms != 0 && (d->next_deadline == 0 || c->deadline_ms < d->next_deadline))
				d->next_deadline = c->deadline_ms;
		}
	}
	if (d->next_deadline == 0)
		return -1;
	return d->next_deadline > now ? (int)(d->next_deadline - now) : 0;
}
