/*
 * The vsock device against a synthetic guest: a well-behaved exchange
 * first, then every way a guest can break the rings or the protocol. A
 * broken ring must stop the device and drop its streams without touching
 * memory outside the guest region (guard pages and ASan watch for that).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "vsock_test_guest.h"

#define GUEST_PORT 1024

/* A hybrid client connected and handshaken up to the REQUEST. */
struct client {
	int fd;
	uint32_t host_port;
};

static struct client
connect_client(struct tg *g)
{
	int sv[2];
	struct client c = { -1, 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		tg_fatal("socketpair");
	if (fcntl(sv[1], F_SETFL, O_NONBLOCK) != 0)
		tg_fatal("fcntl");
	vsock_dev_accept(&g->dev, sv[1]);
	if (write(sv[0], "CONNECT 1024\n", 13) != 13)
		tg_fatal("write");
	c.fd = sv[0];
	c.host_port = g->dev.next_port - 1;
	vsock_dev_conn_event(&g->dev, c.host_port, EPOLLIN);
	return c;
}

/* Runs the device and returns the header it wrote into a fresh rx buffer. */
static int
receive(struct tg *g, struct vsock_hdr *h, uint8_t *payload, size_t max)
{
	uint64_t buf = tg_post_rx(g, VSOCK_HDR_LEN + 4096);
	uint32_t id, len;

	vsock_dev_process(&g->dev);
	if (tg_used_new(g, VSOCK_VQ_RX) == 0)
		return -1;
	tg_used_next(g, VSOCK_VQ_RX, &id, &len);
	vsock_hdr_decode(tg_ptr(g, buf), h);
	CHECK(len >= VSOCK_HDR_LEN);
	CHECK_EQ_U64(len, VSOCK_HDR_LEN + h->len);
	if (payload != NULL && h->len <= max)
		memcpy(payload, tg_ptr(g, buf) + VSOCK_HDR_LEN, h->len);
	return 0;
}

static struct client
open_client(struct tg *g)
{
	struct client c = connect_client(g);
	struct vsock_hdr h;
	char ok[32];

	CHECK(receive(g, &h, NULL, 0) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_REQUEST);
	CHECK_EQ_U64(h.dst_cid, TG_CID);
	CHECK_EQ_U64(h.src_cid, VSOCK_HOST_CID);
	CHECK_EQ_U64(h.dst_port, GUEST_PORT);
	CHECK_EQ_U64(h.src_port, c.host_port);
	CHECK_EQ_U64(h.src_port, VSOCK_FIRST_HOST_PORT + (c.host_port - VSOCK_FIRST_HOST_PORT));
	struct vsock_hdr r = tg_hdr(VIRTIO_VSOCK_OP_RESPONSE, GUEST_PORT, c.host_port, 0);
	tg_send(g, &r, NULL, 0);
	vsock_dev_process(&g->dev);
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c.host_port);
	char got[32] = "";
	CHECK_EQ_U64(read(c.fd, got, sizeof(got)), n);
	CHECK(memcmp(got, ok, (size_t)n) == 0);
	return c;
}

/* True when the peer closed: read gives EOF or a reset. */
static int
closed(int fd)
{
	char b[64];
	ssize_t r;

	while ((r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
		;
	return r == 0 || errno == ECONNRESET;
}

static void
test_good_exchange(void)
{
	struct tg g;
	struct vsock_hdr h;
	uint8_t payload[4096];

	tg_setup(&g);
	struct client c = open_client(&g);

	/* Guest to host. */
	struct vsock_hdr rw = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, c.host_port, 5);
	tg_send(&g, &rw, "hello", 5);
	vsock_dev_process(&g.dev);
	char got[16] = "";
	CHECK_EQ_U64(read(c.fd, got, sizeof(got)), 5);
	CHECK(memcmp(got, "hello", 5) == 0);

	/* Host to guest, limited by the guest's credit. */
	struct vsock_hdr cu = tg_hdr(VIRTIO_VSOCK_OP_CREDIT_UPDATE, GUEST_PORT, c.host_port, 0);
	cu.buf_alloc = 100;
	tg_send(&g, &cu, NULL, 0);
	uint8_t big[300];
	memset(big, 'x', sizeof(big));
	CHECK_EQ_U64(write(c.fd, big, sizeof(big)), sizeof(big));
	vsock_dev_conn_event(&g.dev, c.host_port, EPOLLIN);
	CHECK(receive(&g, &h, payload, sizeof(payload)) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_RW);
	CHECK_EQ_U64(h.len, 100);
	CHECK_EQ_U64(h.buf_alloc, VSOCK_BUF_ALLOC);
	CHECK_EQ_U64(h.fwd_cnt, 5);
	/* No credit left: nothing more until the guest reports progress. */
	CHECK(receive(&g, &h, NULL, 0) != 0);
	cu.fwd_cnt = 100;
	cu.buf_alloc = 4096;
	tg_send(&g, &cu, NULL, 0);
	vsock_dev_process(&g.dev);
	CHECK_EQ_U64(tg_used_new(&g, VSOCK_VQ_RX), 1);
	uint32_t id, len;
	tg_used_next(&g, VSOCK_VQ_RX, &id, &len);
	CHECK_EQ_U64(len, VSOCK_HDR_LEN + 200);

	/* A credit request is answered. */
	struct vsock_hdr cr = tg_hdr(VIRTIO_VSOCK_OP_CREDIT_REQUEST, GUEST_PORT, c.host_port, 0);
	tg_send(&g, &cr, NULL, 0);
	CHECK(receive(&g, &h, NULL, 0) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_CREDIT_UPDATE);

	/* Guest half-close reaches the Unix side as EOF; Unix EOF comes back. */
	struct vsock_hdr sd = tg_hdr(VIRTIO_VSOCK_OP_SHUTDOWN, GUEST_PORT, c.host_port, 0);
	sd.flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
	tg_send(&g, &sd, NULL, 0);
	vsock_dev_process(&g.dev);
	CHECK_EQ_U64(read(c.fd, got, sizeof(got)), 0);
	CHECK_EQ_U64(shutdown(c.fd, SHUT_WR), 0);
	vsock_dev_conn_event(&g.dev, c.host_port, EPOLLIN | EPOLLRDHUP);
	CHECK(receive(&g, &h, NULL, 0) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	CHECK(h.flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
	/* Both directions are done: the device resets the stream. */
	CHECK(receive(&g, &h, NULL, 0) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_RST);
	CHECK_EQ_U64(g.dev.nconns, 0);
	CHECK(!g.dev.vq[VSOCK_VQ_TX].broken && !g.dev.vq[VSOCK_VQ_RX].broken);
	close(c.fd);
	tg_teardown(&g);
}

/*
 * The Unix client's last bytes and its shutdown arrive together: epoll
 * (edge-triggered) reports them once, the read of those bytes is short,
 * and the EOF behind them must still reach the guest, with no event to come.
 */
static void
test_eof_behind_short_read(void)
{
	struct tg g;
	struct vsock_hdr h;
	uint8_t payload[4096];

	tg_setup(&g);
	struct client c = open_client(&g);
	CHECK_EQ_U64(write(c.fd, "last", 4), 4);
	CHECK_EQ_U64(shutdown(c.fd, SHUT_WR), 0);
	vsock_dev_conn_event(&g.dev, c.host_port, EPOLLIN | EPOLLRDHUP);
	CHECK(receive(&g, &h, payload, sizeof(payload)) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_RW);
	CHECK_EQ_U64(h.len, 4);
	CHECK(receive(&g, &h, NULL, 0) == 0);
	CHECK_EQ_U64(h.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	CHECK(h.flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
	close(c.fd);
	tg_teardown(&g);
}

static void
test_refused(void)
{
	struct tg g;
	struct vsock_hdr h;

	tg_setup(&g);
	struct client c = connect_client(&g);
	CHECK(receive(&g, &h, NULL, 0) == 0);
	struct vsock_hdr r = tg_hdr(VIRTIO_VSOCK_OP_RST, GUEST_PORT, c.host_port, 0);
	tg_send(&g, &r, NULL, 0);
	vsock_dev_process(&g.dev);
	CHECK(closed(c.fd));
	CHECK_EQ_U64(g.dev.nconns, 0);
	close(c.fd);
	tg_teardown(&g);
}

/* The device must be stopped: queues broken, streams dropped. */
static void
expect_broken(struct tg *g, int client_fd)
{
	CHECK(g->dev.vq[VSOCK_VQ_TX].broken);
	CHECK_EQ_U64(g->dev.nconns, 0);
	if (client_fd >= 0)
		CHECK(closed(client_fd));
	/* Further kicks are ignored rather than re-reading the bad ring. */
	uint16_t before = le16_at(tg_ptr(g, g->q[VSOCK_VQ_TX].used) + 2);
	vsock_dev_process(&g->dev);
	CHECK_EQ_U64(le16_at(tg_ptr(g, g->q[VSOCK_VQ_TX].used) + 2), before);
}

enum bad_ring {
	BAD_ADDR, BAD_OVERFLOW, BAD_END, BAD_LOOP, BAD_NEXT, BAD_HEAD, BAD_AVAIL_JUMP,
	BAD_INDIRECT, BAD_WRITABLE_TX, BAD_ORDER, BAD_COUNT
};

static void
test_bad_ring(enum bad_ring kind)
{
	struct tg g;

	tg_setup(&g);
	struct client c = open_client(&g);
	uint64_t hb = tg_alloc(&g, 64);
	struct vsock_hdr rw = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, c.host_port, 0);
	vsock_hdr_encode(&rw, tg_ptr(&g, hb));
	unsigned tx = VSOCK_VQ_TX;
	switch (kind) {
	case BAD_ADDR:
		tg_desc(&g, tx, 0, 0x10, 64, 0, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_OVERFLOW:
		tg_desc(&g, tx, 0, UINT64_MAX - 16, 64, 0, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_END:
		/* Starts inside the region, runs one byte past its end. */
		tg_desc(&g, tx, 0, TG_GPA + TG_SIZE - 63, 64, 0, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_LOOP:
		tg_desc(&g, tx, 0, hb, 44, VRING_DESC_F_NEXT, 1);
		tg_desc(&g, tx, 1, hb, 8, VRING_DESC_F_NEXT, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_NEXT:
		tg_desc(&g, tx, 0, hb, 44, VRING_DESC_F_NEXT, TG_QSIZE);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_HEAD:
		tg_avail(&g, tx, TG_QSIZE + 3, 1);
		break;
	case BAD_AVAIL_JUMP:
		tg_desc(&g, tx, 0, hb, 44, 0, 0);
		tg_avail(&g, tx, 0, TG_QSIZE + 1);
		break;
	case BAD_INDIRECT:
		tg_desc(&g, tx, 0, hb, 16, VRING_DESC_F_INDIRECT, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_WRITABLE_TX:
		tg_desc(&g, tx, 0, hb, 44, VRING_DESC_F_WRITE, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_ORDER:
		tg_desc(&g, tx, 0, hb, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
		tg_desc(&g, tx, 1, hb + 8, 36, 0, 0);
		tg_avail(&g, tx, 0, 1);
		break;
	case BAD_COUNT:
		break;
	}
	vsock_dev_process(&g.dev);
	expect_broken(&g, c.fd);
	close(c.fd);
	tg_teardown(&g);
}

static void
test_bad_rx_buffer(void)
{
	struct tg g;

	tg_setup(&g);
	struct client c = connect_client(&g);
	/* Too small for a header. */
	uint64_t b = tg_alloc(&g, 16);
	tg_desc(&g, VSOCK_VQ_RX, 0, b, 16, VRING_DESC_F_WRITE, 0);
	tg_avail(&g, VSOCK_VQ_RX, 0, 1);
	vsock_dev_process(&g.dev);
	CHECK(g.dev.vq[VSOCK_VQ_RX].broken);
	CHECK_EQ_U64(g.dev.nconns, 0);
	CHECK(closed(c.fd));
	close(c.fd);
	tg_teardown(&g);
}

/* Packet-level faults: the stream is reset, the device keeps working. */
static void
test_bad_packet(const char *what, struct vsock_hdr h, uint32_t plen, int expect_rst)
{
	struct tg g;
	struct vsock_hdr r;
	uint8_t payload[256];
	unsigned long failed_before = unit_failed;

	tg_setup(&g);
	struct client c = open_client(&g);
	if (h.dst_port == 0)
		h.dst_port = c.host_port;
	memset(payload, 'p', sizeof(payload));
	tg_send(&g, &h, payload, plen);
	vsock_dev_process(&g.dev);
	CHECK(!g.dev.vq[VSOCK_VQ_TX].broken);
	CHECK_EQ_U64(tg_used_new(&g, VSOCK_VQ_TX), 2);
	if (expect_rst) {
		if (receive(&g, &r, NULL, 0) != 0) {
			CHECK(!"an RST");
		} else {
			CHECK_EQ_U64(r.op, VIRTIO_VSOCK_OP_RST);
			CHECK_EQ_U64(r.dst_port, h.src_port);
		}
		if (h.dst_port == c.host_port && h.src_port == GUEST_PORT)
			CHECK(closed(c.fd));
	} else {
		CHECK(receive(&g, &r, NULL, 0) != 0);
	}
	/* Nothing of the payload leaked to the client. */
	char b[8];
	CHECK(recv(c.fd, b, sizeof(b), MSG_DONTWAIT) <= 0);
	if (unit_failed != failed_before)
		fprintf(stderr, "  (in: %s)\n", what);
	close(c.fd);
	tg_teardown(&g);
}

static void
test_short_header(void)
{
	struct tg g;

	tg_setup(&g);
	struct client c = open_client(&g);
	uint64_t hb = tg_alloc(&g, 64);
	memset(tg_ptr(&g, hb), 0xff, 64);
	tg_desc(&g, VSOCK_VQ_TX, 0, hb, 43, 0, 0);
	tg_avail(&g, VSOCK_VQ_TX, 0, 1);
	vsock_dev_process(&g.dev);
	CHECK(!g.dev.vq[VSOCK_VQ_TX].broken);
	CHECK_EQ_U64(tg_used_new(&g, VSOCK_VQ_TX), 2);
	CHECK_EQ_U64(g.dev.nconns, 1);
	close(c.fd);
	tg_teardown(&g);
}

/* A client that never reads: the guest's data stops at our credit. */
static void
test_credit_bound(void)
{
	struct tg g;
	static uint8_t chunk[4096];

	tg_setup(&g);
	struct client c = open_client(&g);
	/* A Unix stream's capacity is its sender's buffer: make it small. */
	struct vsock_conn *vc = vsock_conn_find(&g.dev, c.host_port);
	int small = 4096;
	if (vc == NULL) {
		CHECK(!"the stream is open");
		return;
	}
	CHECK_EQ_U64(setsockopt(vc->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	/* Fill exactly the credit the device grants, a few packets per kick. */
	uint32_t credit;
	while (vc != NULL && (credit = VSOCK_BUF_ALLOC - (vc->rx_cnt - vc->fwd_cnt)) > 0) {
		uint64_t save = g.heap;
		uint32_t n = credit < sizeof(chunk) ? credit : sizeof(chunk);
		struct vsock_hdr rw = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, c.host_port, n);
		tg_send(&g, &rw, chunk, n);
		vsock_dev_process(&g.dev);
		g.heap = save;
		vc = vsock_conn_find(&g.dev, c.host_port);
	}
	CHECK_EQ_U64(g.dev.nconns, 1);
	vc = vsock_conn_find(&g.dev, c.host_port);
	CHECK(vc != NULL && vc->state == CONN_OPEN && vc->buf_len > 0 &&
	    vc->buf_len <= VSOCK_BUF_ALLOC);
	/* One byte more than the credit we advertised: the stream is reset. */
	struct vsock_hdr rw = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, c.host_port, 1);
	tg_send(&g, &rw, chunk, 1);
	vsock_dev_process(&g.dev);
	vc = vsock_conn_find(&g.dev, c.host_port);
	CHECK(vc == NULL || vc->state == CONN_DEAD);
	close(c.fd);
	tg_teardown(&g);
}

int
main(void)
{
	msb_log_init("test_vsock_queue", MSB_LOG_QUIET);
	test_good_exchange();
	test_eof_behind_short_read();
	test_refused();
	for (int k = 0; k < BAD_COUNT; k++)
		test_bad_ring((enum bad_ring)k);
	test_bad_rx_buffer();
	test_short_header();
	test_credit_bound();

	struct vsock_hdr h = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, 0, 200);
	test_bad_packet("len beyond the buffer", h, 100, 1);
	h = tg_hdr(77, GUEST_PORT, 0, 0);
	test_bad_packet("unknown op", h, 0, 1);
	h = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, 0, 4);
	h.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	test_bad_packet("seqpacket", h, 4, 1);
	h = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, 12345, 4);
	test_bad_packet("unknown port", h, 4, 1);
	h = tg_hdr(VIRTIO_VSOCK_OP_REQUEST, 5000, VSOCK_FIRST_HOST_PORT + 99, 0);
	test_bad_packet("guest-initiated connection", h, 0, 1);
	h = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, 0, 4);
	h.src_cid = 99;
	test_bad_packet("spoofed source cid", h, 4, 0);
	h = tg_hdr(VIRTIO_VSOCK_OP_RW, GUEST_PORT, 0, 4);
	h.dst_cid = 7;
	test_bad_packet("not for the host", h, 4, 0);
	h = tg_hdr(VIRTIO_VSOCK_OP_RESPONSE, GUEST_PORT, 0, 0);
	test_bad_packet("second RESPONSE", h, 0, 1);
	return unit_done();
}
