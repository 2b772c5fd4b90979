/*
 * libFuzzer target: the input is the guest's memory. Both virtqueues, their
 * descriptors and every buffer come from the fuzzer; one hybrid stream is
 * open (host port 1<<30, guest port 1024) and has bytes waiting, so the
 * ring walker, the packet parser, the credit logic and the rx path all run
 * on hostile rings. The region sits between guard pages.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmctl/vsock/vsock_dev.h"

#define GPA 0x10000ull
#define UVA 0x7f0000000000ull
#define REGION (64 * 1024)
#define PAGE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *region;

static void
setup_once(void)
{
	uint8_t *m = mmap(NULL, REGION + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED || mprotect(m + PAGE, REGION, PROT_READ | PROT_WRITE) != 0)
		abort();
	region = m + PAGE;
	msb_log_init("fuzz_vsock_queue", MSB_LOG_QUIET);
}

static void
start_queue(struct vsock_dev *d, unsigned i, uint16_t num, uint64_t off)
{
	struct virtq *q = &d->vq[i];

	q->num = num;
	q->desc_uva = UVA + off;
	q->avail_uva = UVA + off + 0x400;
	q->used_uva = UVA + off + 0x500;
	q->addr_set = true;
	q->enabled = true;
	q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vsock_dev_start_queue(d, i, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vsock_dev *d;
	int sv[2];

	if (region == NULL)
		setup_once();
	if (size < 2)
		return 0;
	memset(region, 0, REGION);
	memcpy(region, data + 2, size - 2 < REGION ? size - 2 : REGION);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		abort();
	int ep = epoll_create1(EPOLL_CLOEXEC);
	vsock_dev_init(d, 3, ep);
	if (guest_mem_add_host(&d->mem, GPA, UVA, region, REGION) != 0)
		abort();
	/*
	 * Queue sizes 1..64 from the first byte; tx rings at 0, rx rings at
	 * 0x800, so that a 4 KiB input covers both.
	 */
	start_queue(d, VSOCK_VQ_RX, (uint16_t)(1u << (data[0] % 7)), 0x800);
	start_queue(d, VSOCK_VQ_TX, (uint16_t)(1u << ((data[0] >> 3) % 7)), 0);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    fcntl(sv[1], F_SETFL, O_NONBLOCK) != 0)
		abort();
	vsock_dev_accept(d, sv[1]);
	struct vsock_conn *c = vsock_conn_find(d, VSOCK_FIRST_HOST_PORT);
	if (c == NULL)
		abort();
	c->state = CONN_OPEN;
	c->guest_port = 1024;
	c->peer_buf_alloc = 65536;
	c->readable = c->writable = true;
	if (write(sv[0], data, size < 512 ? size : 512) < 0)
		abort();
	if (data[1] & 1)
		shutdown(sv[0], SHUT_WR);
	for (int round = 0; round < 2; round++) {
		vsock_dev_process(d);
		vsock_dev_conn_event(d, VSOCK_FIRST_HOST_PORT, EPOLLIN | EPOLLOUT);
	}
	vsock_dev_cleanup(d);
	close(sv[0]);
	close(ep);
	free(d);
	return 0;
}
