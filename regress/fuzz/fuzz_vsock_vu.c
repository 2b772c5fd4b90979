/*
 * libFuzzer target: a stream of vhost-user messages (no file descriptors)
 * decoded and applied to a backend one after another, as QEMU would send
 * them over one connection; the first refused message ends the stream.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmctl/vsock/vsock_le.h"
#include "vmctl/vsock/vu_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vsock_dev dev;
	struct vu_server s;
	struct vu_msg m;
	uint8_t reply[VU_REPLY_MAX];
	size_t rlen;

	msb_log_init("fuzz_vsock_vu", MSB_LOG_QUIET);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	vsock_dev_init(&dev, 3, ep);
	vu_server_init(&s, &dev);
	while (size >= VU_HDR_LEN) {
		size_t len = VU_HDR_LEN + le32_at(data + 8);
		if (len > size || len > VU_HDR_LEN + VU_MAX_PAYLOAD)
			len = size < VU_HDR_LEN + VU_MAX_PAYLOAD ? size : VU_HDR_LEN + VU_MAX_PAYLOAD;
		if (vu_msg_decode(data, len, 0, &m) != 0 ||
		    vu_server_handle(&s, &m, NULL, 0, reply, &rlen) != 0)
			break;
		data += len;
		size -= len;
	}
	vu_server_disconnect(&s);
	close(ep);
	return 0;
}
