/*
 * vhost-user messages (docs/interop/vhost-user.rst in QEMU): a 12-byte
 * header (request, flags, payload size; host byte order, little-endian
 * here) and a payload whose layout the request fixes. Decoding checks the
 * version, the exact payload size for the request and the number of file
 * descriptors that came with it; anything else is refused.
 */
#ifndef MSB_VSOCK_VU_MSG_H
#define MSB_VSOCK_VU_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

#define VU_HDR_LEN 12
/* The largest payload we accept: GET_CONFIG's 12-byte header + 256 bytes. */
#define VU_MAX_PAYLOAD 268
#define VU_MAX_FDS 8
#define VU_CONFIG_MAX 256

#define VU_FLAG_VERSION 0x1u
#define VU_FLAG_VERSION_MASK 0x3u
#define VU_FLAG_REPLY 0x4u
#define VU_FLAG_NEED_REPLY 0x8u
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD 0x100u

enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

/* Feature bits we deal in. */
#define VU_F_PROTOCOL_FEATURES 30
#define VU_PROTOCOL_F_MQ 0
#define VU_PROTOCOL_F_REPLY_ACK 3
#define VU_PROTOCOL_F_CONFIG 9

struct vu_msg {
	uint32_t request, flags, size;
	union {
		uint64_t u64;
		struct { uint32_t index, num; } state;
		struct {
			uint32_t index, flags;
			uint64_t desc, used, avail, log;
		} addr;
		struct {
			unsigned n;
			struct guest_region_desc r[GUEST_MEM_MAX_REGIONS];
		} mem;
		struct {
			uint32_t offset, size, flags;
			uint8_t data[VU_CONFIG_MAX];
		} config;
	} u;
};

/* Payload size for a request, from its header; -1 for a request we refuse. */
int vu_msg_payload_size(uint32_t request, uint32_t size);
/*
 * Decodes header and payload (len bytes in all) that came with nfds file
 * descriptors. Returns 0, or -1 (logged) for any violation.
 */
int vu_msg_decode(const uint8_t *b, size_t len, unsigned nfds, struct vu_msg *m);
const char *vu_request_name(uint32_t request);

/* Reply encoders: each writes header + payload into out and returns the length. */
size_t vu_reply_u64(const struct vu_msg *req, uint64_t v, uint8_t *out);
size_t vu_reply_state(const struct vu_msg *req, uint32_t index, uint32_t num, uint8_t *out);
size_t vu_reply_config(const struct vu_msg *req, const uint8_t *data, uint8_t *out);

#endif
