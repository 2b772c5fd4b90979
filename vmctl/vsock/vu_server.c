#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "vsock_le.h"
#include "vu_server.h"

void
vu_server_init(struct vu_server *s, struct vsock_dev *dev)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->dev = dev;
}

static void
close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0 && close(fds[i]) != 0)
			error_f("close: %s", strerror(errno));
		fds[i] = -1;
	}
}

void
vu_server_disconnect(struct vu_server *s)
{
	if (s->fd >= 0 && close(s->fd) != 0)
		error_f("close: %s", strerror(errno));
	s->fd = -1;
	close_fds(s->fds, s->nfds);
	s->nfds = 0;
	s->have = 0;
	s->features = s->protocol_features = 0;
	vsock_dev_cleanup(s->dev);
}

static struct virtq *
ring(struct vu_server *s, uint32_t index)
{
	return index < VSOCK_NUM_VQ ? &s->dev->vq[index] : NULL;
}

static int
refuse(const struct vu_msg *m, const char *why)
{
	error_f("%s: %s", vu_request_name(m->request), why);
	return -1;
}

static void
replace_fd(int *slot, int fd)
{
	if (*slot >= 0 && close(*slot) != 0)
		error_f("close: %s", strerror(errno));
	*slot = fd;
}

static int
set_ring_fd(struct vu_server *s, const struct vu_msg *m, int *fds)
{
	struct virtq *q = ring(s, (uint32_t)(m->u.u64 & VU_VRING_IDX_MASK));
	unsigned idx = (unsigned)(m->u.u64 & VU_VRING_IDX_MASK);
	int fd = (m->u.u64 & VU_VRING_NOFD) ? -1 : fds[0];

	if (q == NULL)
		return refuse(m, "no such ring");
	if (fd >= 0)
		fds[0] = -1;
	if (m->request == VU_SET_VRING_CALL) {
		replace_fd(&q->call_fd, fd);
		return 0;
	}
	if (m->request == VU_SET_VRING_ERR) {
		replace_fd(&q->err_fd, fd);
		return 0;
	}
	if (fd < 0)
		return refuse(m, "rings without a kick eventfd are not supported");
	/* Without the protocol-features bit, a ring is enabled once started. */
	if (!(s->features & (1ull << VU_F_PROTOCOL_FEATURES)))
		q->enabled = true;
	return vsock_dev_start_queue(s->dev, idx, fd);
}

static int
config_range(const struct vu_msg *m)
{
	const uint32_t len = 8;  /* struct virtio_vsock_config: le64 guest_cid */

	if (m->u.config.offset > len || m->u.config.size > len - m->u.config.offset)
		return refuse(m, "outside the device config");
	return 0;
}

int
vu_server_handle(struct vu_server *s, const struct vu_msg *m, int *fds,
    unsigned nfds, uint8_t *reply, size_t *reply_len)
{
	struct virtq *q;
	int rc = 0;

	*reply_len = 0;
	debug_f("%s flags 0x%x size %u fds %u", vu_request_name(m->request),
	    m->flags, m->size, nfds);
	switch (m->request) {
	case VU_GET_FEATURES:
		*reply_len = vu_reply_u64(m, VU_OFFERED_FEATURES, reply);
		break;
	case VU_SET_FEATURES:
		if (m->u.u64 & ~VU_OFFERED_FEATURES)
			rc = refuse(m, "features we did not offer");
		else
			s->features = m->u.u64;
		break;
	case VU_SET_OWNER:
		break;
	case VU_RESET_OWNER:
		vsock_dev_cleanup(s->dev);
		s->features = 0;
		break;
	case VU_GET_PROTOCOL_FEATURES:
		*reply_len = vu_reply_u64(m, VU_OFFERED_PROTOCOL, reply);
		break;
	case VU_SET_PROTOCOL_FEATURES:
		if (m->u.u64 & ~VU_OFFERED_PROTOCOL)
			rc = refuse(m, "protocol features we did not offer");
		else
			s->protocol_features = m->u.u64;
		break;
	case VU_GET_QUEUE_NUM:
		*reply_len = vu_reply_u64(m, VSOCK_NUM_VQ, reply);
		break;
	case VU_SET_MEM_TABLE:
		rc = guest_mem_map(&s->dev->mem, m->u.mem.r, fds, m->u.mem.n);
		for (unsigned i = 0; i < nfds; i++)
			fds[i] = -1;  /* guest_mem_map closed them */
		if (rc == 0)
			rc = vsock_dev_remap(s->dev);
		for (unsigned i = 0; rc == 0 && i < s->dev->mem.n; i++)
			verbose_f("region %u: gpa 0x%llx size 0x%llx", i,
			    (unsigned long long)s->dev->mem.r[i].gpa,
			    (unsigned long long)s->dev->mem.r[i].size);
		break;
	case VU_SET_VRING_NUM:
		if ((q = ring(s, m->u.state.index)) == NULL || q->started)
			rc = refuse(m, "no such ring, or it is running");
		else if (m->u.state.num == 0 || m->u.state.num > VIRTQ_MAX_SIZE ||
		    (m->u.state.num & (m->u.state.num - 1)) != 0)
			rc = refuse(m, "ring size is not a power of two up to 32768");
		else
			q->num = (uint16_t)m->u.state.num;
		break;
	case VU_SET_VRING_ADDR:
		if ((q = ring(s, m->u.addr.index)) == NULL || m->u.addr.flags != 0) {
			rc = refuse(m, "no such ring, or logging asked for");
			break;
		}
		q->desc_uva = m->u.addr.desc;
		q->used_uva = m->u.addr.used;
		q->avail_uva = m->u.addr.avail;
		q->addr_set = true;
		if (q->started && virtq_map(q, &s->dev->mem) != 0)
			rc = refuse(m, "rings are not in guest memory");
		break;
	case VU_SET_VRING_BASE:
		if ((q = ring(s, m->u.state.index)) == NULL || q->started || m->u.state.num > 0xffff)
			rc = refuse(m, "no such ring, running, or base out of range");
		else
			q->last_avail = (uint16_t)m->u.state.num;
		break;
	case VU_GET_VRING_BASE:
		if ((q = ring(s, m->u.state.index)) == NULL) {
			rc = refuse(m, "no such ring");
			break;
		}
		vsock_dev_stop_queue(s->dev, m->u.state.index);
		*reply_len = vu_reply_state(m, m->u.state.index, q->last_avail, reply);
		break;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		rc = set_ring_fd(s, m, fds);
		break;
	case VU_SET_VRING_ENABLE:
		if ((q = ring(s, m->u.state.index)) == NULL || m->u.state.num > 1)
			rc = refuse(m, "no such ring or bad state");
		else
			q->enabled = m->u.state.num == 1;
		break;
	case VU_GET_CONFIG: {
		uint8_t cfg[8];
		put_le64(cfg, s->dev->guest_cid);
		if ((rc = config_range(m)) == 0)
			*reply_len = vu_reply_config(m, cfg + m->u.config.offset, reply);
		break;
	}
	case VU_SET_CONFIG:
		/* guest_cid is read-only for the driver: accept and ignore. */
		rc = config_range(m);
		break;
	default:
		rc = refuse(m, "unsupported request");
		break;
	}
	close_fds(fds, nfds);
	if (rc == 0 && *reply_len == 0 && (m->flags & VU_FLAG_NEED_REPLY) &&
	    (s->protocol_features & (1ull << VU_PROTOCOL_F_REPLY_ACK)))
		*reply_len = vu_reply_u64(m, 0, reply);
	return rc;
}

static int
dispatch(struct vu_server *s)
{
	struct vu_msg m;
	uint8_t reply[VU_REPLY_MAX];
	size_t reply_len;
	unsigned nfds = s->nfds;

	s->nfds = 0;
	s->have = 0;
	if (vu_msg_decode(s->in, VU_HDR_LEN + le32_at(s->in + 8), nfds, &m) != 0) {
		close_fds(s->fds, nfds);
		return -1;
	}
	if (vu_server_handle(s, &m, s->fds, nfds, reply, &reply_len) != 0)
		return -1;
	if (reply_len > 0 &&
	    send(s->fd, reply, reply_len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)reply_len) {
		error_f("replying to %s: %s", vu_request_name(m.request), strerror(errno));
		return -1;
	}
	return 0;
}

static int
take_fds(struct vu_server *s, struct msghdr *msg)
{
	int rc = 0;

	if (msg->msg_flags & MSG_CTRUNC) {
		error_f("too many file descriptors in one message");
		rc = -1;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (s->nfds < VU_MAX_FDS && s->have == 0) {
				s->fds[s->nfds++] = fd;
				continue;
			}
			if (close(fd) != 0)
				error_f("close: %s", strerror(errno));
			rc = -1;
		}
	}
	if (rc != 0)
		error_f("file descriptors out of place");
	return rc;
}

int
vu_server_readable(struct vu_server *s)
{
	for (;;) {
		size_t need = VU_HDR_LEN;
		if (s->have >= VU_HDR_LEN) {
			uint32_t size = le32_at(s->in + 8);
			if (size > VU_MAX_PAYLOAD) {
				error_f("message of %u bytes is too large", size);
				return -1;
			}
			need += size;
		}
		if (s->have == need) {
			if (dispatch(s) != 0)
				return -1;
			continue;
		}
		union {
			char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = s->in + s->have, .iov_len = need - s->have };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t r = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0) {
			if (r == 0)
				info_f("QEMU closed the vhost-user connection");
			else
				error_f("recvmsg: %s", strerror(errno));
			return -1;
		}
		if (take_fds(s, &msg) != 0)
			return -1;
		s->have += (size_t)r;
	}
}
