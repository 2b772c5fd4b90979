#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "vsock_backend.h"
#include "vsock_dev.h"
#include "vu_server.h"

#define MAX_EVENTS 64

struct msb_vsock_backend {
	int epfd;
	int vu_listen_fd, uds_listen_fd;
	char *vu_path, *uds_path;
	struct vsock_dev dev;
	struct vu_server vu;
};

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		error("socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket from an earlier run, never any other file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			error("%s exists and is not a socket", path);
			return -1;
		}
		if (unlink(path) != 0) {
			error("unlink %s: %s", path, strerror(errno));
			return -1;
		}
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		error_f("socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || listen(fd, 128) != 0) {
		error("listening on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
watch(struct msb_vsock_backend *b, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		error_f("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct msb_vsock_backend *
msb_vsock_backend_new(const char *vhost_user_path, const char *uds_path,
    uint64_t guest_cid)
{
	if (guest_cid < 3 || guest_cid >= UINT32_MAX) {
		error("guest CID %llu is out of range (3..4294967294)",
		    (unsigned long long)guest_cid);
		return NULL;
	}
	struct msb_vsock_backend *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		error_f("out of memory");
		return NULL;
	}
	b->vu_listen_fd = b->uds_listen_fd = -1;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	vsock_dev_init(&b->dev, guest_cid, b->epfd);
	vu_server_init(&b->vu, &b->dev);
	if (b->epfd < 0) {
		error_f("epoll_create1: %s", strerror(errno));
		goto fail;
	}
	if ((b->vu_path = strdup(vhost_user_path)) == NULL ||
	    (b->uds_path = strdup(uds_path)) == NULL) {
		error_f("out of memory");
		goto fail;
	}
	if ((b->vu_listen_fd = listen_unix(vhost_user_path)) < 0 ||
	    (b->uds_listen_fd = listen_unix(uds_path)) < 0)
		goto fail;
	if (watch(b, b->vu_listen_fd, EPOLLIN, VSOCK_EV(VSOCK_EV_VU_LISTEN, 0)) != 0 ||
	    watch(b, b->uds_listen_fd, EPOLLIN, VSOCK_EV(VSOCK_EV_UDS_LISTEN, 0)) != 0)
		goto fail;
	return b;
fail:
	msb_vsock_backend_free(b);
	return NULL;
}

int
msb_vsock_backend_fd(const struct msb_vsock_backend *b)
{
	return b->epfd;
}

static void
drop_qemu(struct msb_vsock_backend *b)
{
	if (b->vu.fd >= 0 && epoll_ctl(b->epfd, EPOLL_CTL_DEL, b->vu.fd, NULL) != 0)
		error_f("epoll_ctl: %s", strerror(errno));
	info("vhost-user connection closed; waiting for QEMU to connect again");
	vu_server_disconnect(&b->vu);
}

static void
accept_qemu(struct msb_vsock_backend *b)
{
	int fd = accept4(b->vu_listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			error_f("accept: %s", strerror(errno));
		return;
	}
	if (b->vu.fd >= 0) {
		/* One device, one front-end. */
		error("refusing a second vhost-user connection");
		if (close(fd) != 0)
			error_f("close: %s", strerror(errno));
		return;
	}
	if (watch(b, fd, EPOLLIN, VSOCK_EV(VSOCK_EV_VU_CONN, 0)) != 0) {
		if (close(fd) != 0)
			error_f("close: %s", strerror(errno));
		return;
	}
	b->vu.fd = fd;
	info("QEMU connected over vhost-user");
}

static void
accept_client(struct msb_vsock_backend *b)
{
	for (;;) {
		int fd = accept4(b->uds_listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				error_f("accept: %s", strerror(errno));
			return;
		}
		vsock_dev_accept(&b->dev, fd);
	}
}

static void
handle(struct msb_vsock_backend *b, const struct epoll_event *ev)
{
	uint32_t id = (uint32_t)ev->data.u64;

	switch ((enum vsock_ev)(ev->data.u64 >> 32)) {
	case VSOCK_EV_VU_LISTEN:
		accept_qemu(b);
		break;
	case VSOCK_EV_VU_CONN:
		if (b->vu.fd >= 0 && vu_server_readable(&b->vu) != 0)
			drop_qemu(b);
		break;
	case VSOCK_EV_KICK:
		if (id < VSOCK_NUM_VQ)
			virtq_drain_kick(&b->dev.vq[id]);
		break;
	case VSOCK_EV_UDS_LISTEN:
		accept_client(b);
		break;
	case VSOCK_EV_CONN:
		vsock_dev_conn_event(&b->dev, id, ev->events);
		break;
	}
}

int
msb_vsock_backend_run_once(struct msb_vsock_backend *b, int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int t = vsock_dev_timers(&b->dev);

	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = t;
	int n = epoll_wait(b->epfd, evs, MAX_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		error_f("epoll_wait: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		/* A dropped QEMU connection may leave stale events for its fds. */
		handle(b, &evs[i]);
	}
	vsock_dev_timers(&b->dev);
	vsock_dev_process(&b->dev);
	return 0;
}

static void
unlink_socket(const char *path, int fd)
{
	if (path != NULL && fd >= 0 && unlink(path) != 0 && errno != ENOENT)
		error_f("unlink %s: %s", path, strerror(errno));
}

void
msb_vsock_backend_free(struct msb_vsock_backend *b)
{
	if (b == NULL)
		return;
	vu_server_disconnect(&b->vu);
	unlink_socket(b->vu_path, b->vu_listen_fd);
	unlink_socket(b->uds_path, b->uds_listen_fd);
	if (b->vu_listen_fd >= 0)
		close(b->vu_listen_fd);
	if (b->uds_listen_fd >= 0)
		close(b->uds_listen_fd);
	if (b->epfd >= 0)
		close(b->epfd);
	free(b->vu_path);
	free(b->uds_path);
	free(b);
}
