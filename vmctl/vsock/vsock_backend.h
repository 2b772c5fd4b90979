/*
 * msb's userspace vhost-user-vsock backend. QEMU's vhost-user-vsock-device
 * connects to vhost_user_path; host processes reach guest ports through
 * uds_path with the hybrid-vsock handshake ("CONNECT <port>\n", answered
 * "OK <host port>\n"). Guest-initiated connections to the host are refused
 * with RST. Everything runs in the caller's thread: put
 * msb_vsock_backend_fd() in your own poll/epoll set and call
 * msb_vsock_backend_run_once(b, 0) when it is readable, or let
 * run_once block.
 */
#ifndef MSB_VSOCK_BACKEND_H
#define MSB_VSOCK_BACKEND_H

#include <stdint.h>

struct msb_vsock_backend;

/*
 * Listens on both Unix sockets (replacing stale sockets, never other
 * files; created mode 0600). guest_cid must be 3..0xfffffffe.
 * Returns NULL after logging why.
 */
struct msb_vsock_backend *msb_vsock_backend_new(const char *vhost_user_path,
    const char *uds_path, uint64_t guest_cid);
/* An epoll fd that polls readable whenever run_once has work to do. */
int msb_vsock_backend_fd(const struct msb_vsock_backend *b);
/*
 * Waits up to timeout_ms (-1: no limit, 0: just poll) and handles what is
 * ready. Returns 0, or -1 on an internal error (logged) that stops the
 * backend; a misbehaving QEMU, guest or client never causes -1.
 */
int msb_vsock_backend_run_once(struct msb_vsock_backend *b, int timeout_ms);
/* Closes everything and unlinks both sockets. */
void msb_vsock_backend_free(struct msb_vsock_backend *b);

#endif
