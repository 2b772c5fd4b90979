#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "vsock_dev.h"


static unsigned
bucket(uint32_t port)
{
	return (port * 2654435761u) >> 24;
}

struct vsock_conn *
vsock_conn_find(const struct vsock_dev *d, uint32_t host_port)
{
	struct vsock_conn *c = d->buckets[bucket(host_port) % VSOCK_CONN_BUCKETS];

	while (c != NULL && c->host_port != host_port)
		c = c->hnext;
	return c;
}

static uint32_t
alloc_port(struct vsock_dev *d)
{
	/* At most VSOCK_MAX_CONNS ports are taken, so this ends quickly. */
	for (;;) {
		uint32_t p = d->next_port++;
		if (d->next_port == UINT32_MAX || d->next_port < VSOCK_FIRST_HOST_PORT)
			d->next_port = VSOCK_FIRST_HOST_PORT;
		if (vsock_conn_find(d, p) == NULL)
			return p;
	}
}

struct vsock_conn *
vsock_conn_new(struct vsock_dev *d, int fd)
{
	if (d->nconns >= VSOCK_MAX_CONNS) {
		error_f("too many connections (%u); refusing a new one", d->nconns);
		return NULL;
	}
	struct vsock_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		error_f("out of memory");
		return NULL;
	}
	c->fd = fd;
	c->state = CONN_HANDSHAKE;
	c->host_port = alloc_port(d);
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.u64 = VSOCK_EV(VSOCK_EV_CONN, c->host_port),
	};
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		error_f("epoll_ctl: %s", strerror(errno));
		free(c);
		return NULL;
	}
	unsigned b = bucket(c->host_port) % VSOCK_CONN_BUCKETS;
	c->hnext = d->buckets[b];
	d->buckets[b] = c;
	d->nconns++;
	return c;
}

void
vsock_conn_close_fd(struct vsock_dev *d, struct vsock_conn *c)
{
	if (c->fd < 0)
		return;
	if (epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL) != 0)
		error_f("epoll_ctl: %s", strerror(errno));
	if (close(c->fd) != 0)
		error_f("close: %s", strerror(errno));
	c->fd = -1;
	c->readable = c->writable = false;
	free(c->buf);
	c->buf = NULL;
	c->buf_len = c->buf_head = 0;
}

static void
rx_unlink(struct vsock_dev *d, struct vsock_conn *c)
{
	if (!c->on_rx)
		return;
	if (c->rx_prev != NULL)
		c->rx_prev->rx_next = c->rx_next;
	else
		d->rx_head = c->rx_next;
	if (c->rx_next != NULL)
		c->rx_next->rx_prev = c->rx_prev;
	else
		d->rx_tail = c->rx_prev;
	c->rx_next = c->rx_prev = NULL;
	c->on_rx = false;
}

void
vsock_conn_free(struct vsock_dev *d, struct vsock_conn *c)
{
	vsock_conn_close_fd(d, c);
	rx_unlink(d, c);
	struct vsock_conn **pp = &d->buckets[bucket(c->host_port) % VSOCK_CONN_BUCKETS];
	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	d->nconns--;
	free(c);
}

uint32_t
vsock_conn_peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;

	/* The guest may shrink its buffer below what is already in flight. */
	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

bool
vsock_conn_wants_rx(const struct vsock_conn *c)
{
	if (c->pending != 0)
		return true;
	return c->state == CONN_OPEN && c->fd >= 0 && c->readable && !c->uds_eof &&
	    !c->guest_no_recv && vsock_conn_peer_credit(c) > 0;
}

void
vsock_conn_update_rx(struct vsock_dev *d, struct vsock_conn *c)
{
	bool want = vsock_conn_wants_rx(c);

	if (want && !c->on_rx) {
		c->rx_prev = d->rx_tail;
		c->rx_next = NULL;
		if (d->rx_tail != NULL)
			d->rx_tail->rx_next = c;
		else
			d->rx_head = c;
		d->rx_tail = c;
		c->on_rx = true;
	} else if (!want) {
		rx_unlink(d, c);
	}
}

void
vsock_conn_set_deadline(struct vsock_dev *d, struct vsock_conn *c, uint64_t ms)
{
	c->deadline_ms = ms == 0 ? 0 : (uint64_t)msb_now_ms() + ms;
	if (c->deadline_ms != 0 && (d->next_deadline == 0 || c->deadline_ms < d->next_deadline))
		d->next_deadline = c->deadline_ms;
}

void
vsock_conn_requeue_rx(struct vsock_dev *d, struct vsock_conn *c)
{
	rx_unlink(d, c);
	vsock_conn_update_rx(d, c);
}
