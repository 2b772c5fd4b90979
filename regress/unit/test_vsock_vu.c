/*
 * vhost-user message decoding and handling, the hybrid CONNECT and OK
 * lines, and the message reader on a real socket: every malformed input
 * is refused and no file descriptor leaks.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/fd_send.h"
#include "lib/hybrid_vsock.h"
#include "lib/log.h"
#include "vsock_test_guest.h"
#include "vmctl/vsock/vu_server.h"

static size_t
msg(uint8_t *b, uint32_t req, uint32_t flags, const void *payload, uint32_t size)
{
	put_le32(b, req);
	put_le32(b + 4, flags);
	put_le32(b + 8, size);
	if (size > 0)
		memcpy(b + VU_HDR_LEN, payload, size);
	return VU_HDR_LEN + size;
}

static int
decode(uint32_t req, uint32_t flags, const void *payload, uint32_t size, unsigned nfds)
{
	uint8_t b[VU_HDR_LEN + 512];
	struct vu_msg m;

	return vu_msg_decode(b, msg(b, req, flags, payload, size), nfds, &m);
}

static void
test_decode(void)
{
	uint8_t p[512];

	memset(p, 0, sizeof(p));
	CHECK_EQ_U64(decode(VU_GET_FEATURES, 1, p, 0, 0), 0);
	CHECK(decode(VU_GET_FEATURES, 0, p, 0, 0) != 0);          /* version 0 */
	CHECK(decode(VU_GET_FEATURES, 1 | VU_FLAG_REPLY, p, 0, 0) != 0);
	CHECK(decode(VU_GET_FEATURES, 1, p, 8, 0) != 0);           /* payload */
	CHECK(decode(VU_GET_FEATURES, 1, p, 0, 1) != 0);           /* fd */
	CHECK(decode(9999, 1, p, 0, 0) != 0);
	CHECK(decode(6 /* SET_LOG_BASE */, 1, p, 16, 1) != 0);
	CHECK(decode(VU_SET_FEATURES, 1, p, 4, 0) != 0);
	CHECK_EQ_U64(decode(VU_SET_FEATURES, 1, p, 8, 0), 0);
	CHECK(decode(VU_SET_VRING_ADDR, 1, p, 39, 0) != 0);
	CHECK_EQ_U64(decode(VU_SET_VRING_ADDR, 1, p, 40, 0), 0);

	/* Ring files: exactly one fd unless NOFD, no unknown bits. */
	put_le64(p, 1);
	CHECK_EQ_U64(decode(VU_SET_VRING_KICK, 1, p, 8, 1), 0);
	CHECK(decode(VU_SET_VRING_KICK, 1, p, 8, 0) != 0);
	CHECK(decode(VU_SET_VRING_KICK, 1, p, 8, 2) != 0);
	put_le64(p, 1 | VU_VRING_NOFD);
	CHECK_EQ_U64(decode(VU_SET_VRING_CALL, 1, p, 8, 0), 0);
	CHECK(decode(VU_SET_VRING_CALL, 1, p, 8, 1) != 0);
	put_le64(p, 0x10000);
	CHECK(decode(VU_SET_VRING_ERR, 1, p, 8, 1) != 0);

	/* Memory tables: 1..8 regions, size and fd count to match. */
	memset(p, 0, sizeof(p));
	put_le32(p, 2);
	CHECK_EQ_U64(decode(VU_SET_MEM_TABLE, 1, p, 8 + 2 * 32, 2), 0);
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 8 + 2 * 32, 1) != 0);
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 8 + 3 * 32, 2) != 0);
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 4, 0) != 0);
	put_le32(p, 0);
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 8, 0) != 0);
	put_le32(p, 9);
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 8 + 9 * 32, 9) != 0);
	put_le32(p, 0x80000001u);  /* n * 32 wraps in 32 bits */
	CHECK(decode(VU_SET_MEM_TABLE, 1, p, 8 + 32, 1) != 0);

	/* Config: header + size bytes, size at most 256. */
	memset(p, 0, sizeof(p));
	put_le32(p + 4, 8);
	CHECK_EQ_U64(decode(VU_GET_CONFIG, 1, p, 12 + 8, 0), 0);
	CHECK(decode(VU_GET_CONFIG, 1, p, 12 + 7, 0) != 0);
	CHECK(decode(VU_GET_CONFIG, 1, p, 11, 0) != 0);
	put_le32(p + 4, 300);
	CHECK(decode(VU_GET_CONFIG, 1, p, 12 + 300, 0) != 0);
}

static int
handle(struct vu_server *s, uint32_t req, uint32_t flags, const void *payload,
    uint32_t size, int *fds, unsigned nfds, uint8_t *reply, size_t *rlen)
{
	uint8_t b[VU_HDR_LEN + 512];
	struct vu_msg m;

	if (vu_msg_decode(b, msg(b, req, flags, payload, size), nfds, &m) != 0)
		return -2;
	return vu_server_handle(s, &m, fds, nfds, reply, rlen);
}

static int
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void
test_handle(void)
{
	struct vsock_dev d;
	struct vu_server s;
	uint8_t p[64], r[VU_REPLY_MAX];
	size_t rlen;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	vsock_dev_init(&d, 42, ep);
	vu_server_init(&s, &d);
	CHECK_EQ_U64(handle(&s, VU_GET_FEATURES, 1, NULL, 0, NULL, 0, r, &rlen), 0);
	CHECK_EQ_U64(rlen, VU_HDR_LEN + 8);
	CHECK_EQ_U64(le64_at(r + VU_HDR_LEN), VU_OFFERED_FEATURES);
	CHECK_EQ_U64(le32_at(r + 4), VU_FLAG_VERSION | VU_FLAG_REPLY);
	put_le64(p, VU_OFFERED_FEATURES | (1ull << 29));  /* EVENT_IDX: not offered */
	CHECK(handle(&s, VU_SET_FEATURES, 1, p, 8, NULL, 0, r, &rlen) != 0);
	put_le64(p, 1ull << VU_PROTOCOL_F_MQ);
	CHECK(handle(&s, VU_SET_PROTOCOL_FEATURES, 1, p, 8, NULL, 0, r, &rlen) != 0);
	put_le64(p, VU_OFFERED_PROTOCOL);
	CHECK_EQ_U64(handle(&s, VU_SET_PROTOCOL_FEATURES, 1, p, 8, NULL, 0, r, &rlen), 0);
	CHECK_EQ_U64(rlen, 0);

	/* REPLY_ACK once negotiated. */
	CHECK_EQ_U64(handle(&s, VU_SET_OWNER, 1 | VU_FLAG_NEED_REPLY, NULL, 0, NULL, 0, r, &rlen), 0);
	CHECK_EQ_U64(rlen, VU_HDR_LEN + 8);
	CHECK_EQ_U64(le64_at(r + VU_HDR_LEN), 0);

	/* The config is the CID; ranges are checked without overflow. */
	memset(p, 0, sizeof(p));
	put_le32(p + 4, 8);
	CHECK_EQ_U64(handle(&s, VU_GET_CONFIG, 1, p, 20, NULL, 0, r, &rlen), 0);
	CHECK_EQ_U64(rlen, VU_HDR_LEN + 20);
	CHECK_EQ_U64(le64_at(r + VU_HDR_LEN + 12), 42);
	put_le32(p, 4);
	CHECK(handle(&s, VU_GET_CONFIG, 1, p, 20, NULL, 0, r, &rlen) != 0);
	put_le32(p, 0xfffffffcu);
	put_le32(p + 4, 8);
	CHECK(handle(&s, VU_GET_CONFIG, 1, p, 20, NULL, 0, r, &rlen) != 0);

	/* Rings: index and size are checked. */
	put_le32(p, 0);
	put_le32(p + 4, 3);
	CHECK(handle(&s, VU_SET_VRING_NUM, 1, p, 8, NULL, 0, r, &rlen) != 0);
	put_le32(p + 4, 65536);
	CHECK(handle(&s, VU_SET_VRING_NUM, 1, p, 8, NULL, 0, r, &rlen) != 0);
	put_le32(p, 2);
	put_le32(p + 4, 128);
	CHECK(handle(&s, VU_SET_VRING_NUM, 1, p, 8, NULL, 0, r, &rlen) != 0);
	put_le32(p, 1);
	CHECK_EQ_U64(handle(&s, VU_SET_VRING_NUM, 1, p, 8, NULL, 0, r, &rlen), 0);
	put_le32(p + 4, 0x10000);
	CHECK(handle(&s, VU_SET_VRING_BASE, 1, p, 8, NULL, 0, r, &rlen) != 0);

	/* A kick for a ring with no memory behind it is refused; its fd closed. */
	int efd = eventfd(0, EFD_CLOEXEC);
	put_le64(p, 1);
	CHECK(handle(&s, VU_SET_VRING_KICK, 1, p, 8, &efd, 1, r, &rlen) != 0);
	CHECK(!fd_open(efd));
	int cfd = eventfd(0, EFD_CLOEXEC);
	put_le64(p, 7);
	CHECK(handle(&s, VU_SET_VRING_CALL, 1, p, 8, &cfd, 1, r, &rlen) != 0);
	CHECK(!fd_open(cfd));

	/* Memory tables: a memfd maps; overflowing geometry and a pipe do not. */
	int mfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(mfd >= 0 && ftruncate(mfd, 1 << 20) == 0);
	uint8_t t[8 + 32];
	memset(t, 0, sizeof(t));
	put_le32(t, 1);
	put_le64(t + 8, 0x1000);
	put_le64(t + 16, 1 << 20);
	put_le64(t + 24, 0x7f0000000000ull);
	CHECK_EQ_U64(handle(&s, VU_SET_MEM_TABLE, 1, t, sizeof(t), &mfd, 1, r, &rlen), 0);
	CHECK(!fd_open(mfd));
	CHECK_EQ_U64(d.mem.n, 1);
	CHECK(guest_mem_uva(&d.mem, 0x7f0000000000ull + (1 << 20) - 8, 8) != NULL);
	CHECK(guest_mem_uva(&d.mem, 0x7f0000000000ull + (1 << 20) - 8, 9) == NULL);
	CHECK(guest_mem_uva(&d.mem, UINT64_MAX - 4, 8) == NULL);
	struct iovec iov[4];
	unsigned niov = 0;
	CHECK(guest_mem_gpa_iov(&d.mem, 0x1000 + (1 << 20) - 1, 2, iov, &niov, 4) != 0);
	niov = 0;
	CHECK(guest_mem_gpa_iov(&d.mem, UINT64_MAX, 2, iov, &niov, 4) != 0);

	mfd = memfd_create("guest", MFD_CLOEXEC);
	CHECK(mfd >= 0 && ftruncate(mfd, 1 << 20) == 0);
	put_le64(t + 16, UINT64_MAX - 0x10);  /* gpa + size wraps */
	CHECK(handle(&s, VU_SET_MEM_TABLE, 1, t, sizeof(t), &mfd, 1, r, &rlen) != 0);
	CHECK(!fd_open(mfd));
	CHECK_EQ_U64(d.mem.n, 0);
	int pfd[2];
	CHECK_EQ_U64(pipe(pfd), 0);
	put_le64(t + 16, 4096);
	CHECK(handle(&s, VU_SET_MEM_TABLE, 1, t, sizeof(t), &pfd[0], 1, r, &rlen) != 0);
	CHECK(!fd_open(pfd[0]));
	close(pfd[1]);
	vu_server_disconnect(&s);
	close(ep);
}

/* The reader on a real socket: messages, fds, and a lying size field. */
static void
test_reader(void)
{
	struct vsock_dev d;
	struct vu_server s;
	int sv[2], ep = epoll_create1(EPOLL_CLOEXEC);
	uint8_t b[64], r[64];

	CHECK_EQ_U64(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ_U64(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	vsock_dev_init(&d, 5, ep);
	vu_server_init(&s, &d);
	s.fd = sv[1];
	/* Split across writes: the reader waits for the rest. */
	size_t n = msg(b, VU_GET_FEATURES, 1, NULL, 0);
	CHECK_EQ_U64(write(sv[0], b, 5), 5);
	CHECK_EQ_U64(vu_server_readable(&s), 0);
	CHECK_EQ_U64(write(sv[0], b + 5, n - 5), (ssize_t)(n - 5));
	CHECK_EQ_U64(vu_server_readable(&s), 0);
	CHECK_EQ_U64(read(sv[0], r, sizeof(r)), VU_HDR_LEN + 8);

	/* An fd attached to a message that takes none: refused, not leaked. */
	int efd = eventfd(0, EFD_CLOEXEC);
	CHECK_EQ_U64(msb_send_fd(sv[0], b, n, efd, 0), (ssize_t)n);
	close(efd);
	int before = fcntl(0, F_DUPFD_CLOEXEC, 0);
	close(before);
	CHECK(vu_server_readable(&s) != 0);
	int after = fcntl(0, F_DUPFD_CLOEXEC, 0);
	CHECK_EQ_U64(after, before);
	close(after);

	/* A size beyond any message: dropped before reading it. */
	s.have = 0;
	put_le32(b, VU_SET_MEM_TABLE);
	put_le32(b + 4, 1);
	put_le32(b + 8, 0x10000000);
	CHECK_EQ_U64(write(sv[0], b, 12), 12);
	CHECK(vu_server_readable(&s) != 0);
	vu_server_disconnect(&s);

	/* QEMU hanging up is a clean -1. */
	close(sv[0]);
	close(ep);
}

static void
test_hybrid(void)
{
	uint32_t port = 0;
	static const char *bad[] = {
		"CONNECT\n", "CONNECT \n", "CONNECT x\n", "CONNECT -1\n", "CONNECT +5\n",
		"CONNECT 01\n", "CONNECT 4294967295\n", "CONNECT 99999999999\n",
		"CONNECT 5 \n", "CONNECT 5\r\n", "connect 5\n", "CONNECT  5\n",
		"CONNECT 5\nCONNECT 6\n", "CONNECT 5",
	};

	CHECK_EQ_U64(msb_hybrid_parse_connect("CONNECT 1024\n", 13, &port), 0);
	CHECK_EQ_U64(port, 1024);
	CHECK_EQ_U64(msb_hybrid_parse_connect("CONNECT 0\n", 10, &port), 0);
	CHECK_EQ_U64(port, 0);
	CHECK_EQ_U64(msb_hybrid_parse_connect("CONNECT 4294967294\n", 19, &port), 0);
	CHECK_EQ_U64(port, 4294967294u);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(msb_hybrid_parse_connect(bad[i], strlen(bad[i]), &port) != 0);
	char ok[MSB_HYBRID_LINE_MAX];
	CHECK_EQ_U64(msb_hybrid_format_ok(ok, 1073741824u), 14);
	CHECK(memcmp(ok, "OK 1073741824\n", 14) == 0);
	CHECK_EQ_U64(msb_hybrid_parse_ok(ok, 14, &port), 0);
	CHECK_EQ_U64(port, 1073741824u);
	CHECK_EQ_U64(msb_hybrid_parse_ok("OK 4294967295\n", 14, &port), 0);
	CHECK_EQ_U64(port, 4294967295u);
	static const char *bad_ok[] = {
		"OK\n", "OK \n", "OK x\n", "OK 01\n", "OK 4294967296\n", "OK 5 \n", "ok 5\n",
		"OK 5", "CONNECT 5\n",
	};
	for (size_t i = 0; i < sizeof(bad_ok) / sizeof(bad_ok[0]); i++)
		CHECK(msb_hybrid_parse_ok(bad_ok[i], strlen(bad_ok[i]), &port) != 0);
	char req[MSB_HYBRID_LINE_MAX];
	CHECK_EQ_U64(msb_hybrid_format_connect(req, 4294967294u), 19);
	CHECK_EQ_U64(msb_hybrid_parse_connect(req, 19, &port), 0);
	CHECK_EQ_U64(port, 4294967294u);
}

int
main(void)
{
	msb_log_init("test_vsock_vu", MSB_LOG_QUIET);
	test_decode();
	test_handle();
	test_reader();
	test_hybrid();
	return unit_done();
}
