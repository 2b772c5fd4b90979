/*
 * Little-endian field access for virtio and vhost-user structures. lib/buf.h
 * speaks big-endian (SSH, SFTP, the agent protocol); virtio rings, vsock
 * headers and vhost-user payloads are little-endian fixed layouts that are
 * decoded field by field here, always after the caller checked the length.
 * Going through memcpy keeps guest-controlled memory from being read twice
 * and avoids unaligned access.
 */
#ifndef MSB_VSOCK_LE_H
#define MSB_VSOCK_LE_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t
le16_at(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t
le32_at(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t
le64_at(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void
put_le16(void *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
put_le32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
put_le64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

#endif
