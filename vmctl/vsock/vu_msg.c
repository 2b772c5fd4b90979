#include "config.h"

#include <string.h>

#include "lib/log.h"
#include "vsock_le.h"
#include "vu_msg.h"

#define REGION_LEN 32
#define CONFIG_HDR_LEN 12

const char *
vu_request_name(uint32_t request)
{
	switch (request) {
	case VU_GET_FEATURES: return "GET_FEATURES";
	case VU_SET_FEATURES: return "SET_FEATURES";
	case VU_SET_OWNER: return "SET_OWNER";
	case VU_RESET_OWNER: return "RESET_OWNER";
	case VU_SET_MEM_TABLE: return "SET_MEM_TABLE";
	case VU_SET_VRING_NUM: return "SET_VRING_NUM";
	case VU_SET_VRING_ADDR: return "SET_VRING_ADDR";
	case VU_SET_VRING_BASE: return "SET_VRING_BASE";
	case VU_GET_VRING_BASE: return "GET_VRING_BASE";
	case VU_SET_VRING_KICK: return "SET_VRING_KICK";
	case VU_SET_VRING_CALL: return "SET_VRING_CALL";
	case VU_SET_VRING_ERR: return "SET_VRING_ERR";
	case VU_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
	case VU_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
	case VU_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
	case VU_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
	case VU_GET_CONFIG: return "GET_CONFIG";
	case VU_SET_CONFIG: return "SET_CONFIG";
	default: return "unknown";
	}
}

int
vu_msg_payload_size(uint32_t request, uint32_t size)
{
	switch (request) {
	case VU_GET_FEATURES:
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
	case VU_GET_PROTOCOL_FEATURES:
	case VU_GET_QUEUE_NUM:
		return 0;
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return 8;
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		return 8;
	case VU_SET_VRING_ADDR:
		return 40;
	case VU_SET_MEM_TABLE:
		/* Its size depends on the region count; checked when decoded. */
	case VU_GET_CONFIG:
	case VU_SET_CONFIG:
		return size <= VU_MAX_PAYLOAD ? (int)size : -1;
	default:
		return -1;
	}
}

static int
bad(const struct vu_msg *m, const char *why)
{
	error_f("%s (%u): %s", vu_request_name(m->request), m->request, why);
	return -1;
}

static unsigned
fds_expected(const struct vu_msg *m)
{
	switch (m->request) {
	case VU_SET_MEM_TABLE:
		return m->u.mem.n;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		return (m->u.u64 & VU_VRING_NOFD) ? 0 : 1;
	default:
		return 0;
	}
}

int
vu_msg_decode(const uint8_t *b, size_t len, unsigned nfds, struct vu_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < VU_HDR_LEN)
		return bad(m, "short header");
	m->request = le32_at(b);
	m->flags = le32_at(b + 4);
	m->size = le32_at(b + 8);
	const uint8_t *p = b + VU_HDR_LEN;
	if ((m->flags & VU_FLAG_VERSION_MASK) != VU_FLAG_VERSION || (m->flags & VU_FLAG_REPLY))
		return bad(m, "bad flags");
	int want = vu_msg_payload_size(m->request, m->size);
	if (want < 0)
		return bad(m, "unsupported request");
	if ((size_t)want != m->size || len - VU_HDR_LEN != m->size)
		return bad(m, "wrong payload size");

	switch (m->request) {
	case VU_SET_FEATURES:
	case VU_SET_PROTOCOL_FEATURES:
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		m->u.u64 = le64_at(p);
		if ((m->request == VU_SET_VRING_KICK || m->request == VU_SET_VRING_CALL ||
		    m->request == VU_SET_VRING_ERR) &&
		    (m->u.u64 & ~(uint64_t)(VU_VRING_IDX_MASK | VU_VRING_NOFD)) != 0)
			return bad(m, "unknown bits in the ring file");
		break;
	case VU_SET_VRING_NUM:
	case VU_SET_VRING_BASE:
	case VU_GET_VRING_BASE:
	case VU_SET_VRING_ENABLE:
		m->u.state.index = le32_at(p);
		m->u.state.num = le32_at(p + 4);
		break;
	case VU_SET_VRING_ADDR:
		m->u.addr.index = le32_at(p);
		m->u.addr.flags = le32_at(p + 4);
		m->u.addr.desc = le64_at(p + 8);
		m->u.addr.used = le64_at(p + 16);
		m->u.addr.avail = le64_at(p + 24);
		m->u.addr.log = le64_at(p + 32);
		break;
	case VU_SET_MEM_TABLE: {
		if (m->size < 8)
			return bad(m, "short memory table");
		uint32_t n = le32_at(p);
		if (n == 0 || n > GUEST_MEM_MAX_REGIONS || m->size != 8 + n * REGION_LEN)
			return bad(m, "bad region count");
		m->u.mem.n = n;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *r = p + 8 + i * REGION_LEN;
			m->u.mem.r[i].gpa = le64_at(r);
			m->u.mem.r[i].size = le64_at(r + 8);
			m->u.mem.r[i].uva = le64_at(r + 16);
			m->u.mem.r[i].mmap_offset = le64_at(r + 24);
		}
		break;
	}
	case VU_GET_CONFIG:
	case VU_SET_CONFIG:
		if (m->size < CONFIG_HDR_LEN)
			return bad(m, "short config");
		m->u.config.offset = le32_at(p);
		m->u.config.size = le32_at(p + 4);
		m->u.config.flags = le32_at(p + 8);
		if (m->u.config.size > VU_CONFIG_MAX ||
		    m->size != CONFIG_HDR_LEN + m->u.config.size)
			return bad(m, "bad config size");
		memcpy(m->u.config.data, p + CONFIG_HDR_LEN, m->u.config.size);
		break;
	default:
		break;
	}
	if (nfds != fds_expected(m))
		return bad(m, "wrong number of file descriptors");
	return 0;
}

static size_t
reply_hdr(const struct vu_msg *req, uint32_t size, uint8_t *out)
{
	put_le32(out, req->request);
	put_le32(out + 4, VU_FLAG_VERSION | VU_FLAG_REPLY);
	put_le32(out + 8, size);
	return VU_HDR_LEN + size;
}

size_t
vu_reply_u64(const struct vu_msg *req, uint64_t v, uint8_t *out)
{
	put_le64(out + VU_HDR_LEN, v);
	return reply_hdr(req, 8, out);
}

size_t
vu_reply_state(const struct vu_msg *req, uint32_t index, uint32_t num, uint8_t *out)
{
	put_le32(out + VU_HDR_LEN, index);
	put_le32(out + VU_HDR_LEN + 4, num);
	return reply_hdr(req, 8, out);
}

size_t
vu_reply_config(const struct vu_msg *req, const uint8_t *data, uint8_t *out)
{
	uint8_t *p = out + VU_HDR_LEN;

	put_le32(p, req->u.config.offset);
	put_le32(p + 4, req->u.config.size);
	put_le32(p + 8, req->u.config.flags);
	memcpy(p + CONFIG_HDR_LEN, data, req->u.config.size);
	return reply_hdr(req, CONFIG_HDR_LEN + req->u.config.size, out);
}
