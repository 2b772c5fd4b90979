/*
 * The virtio-vsock device behind the vhost-user socket: the guest's memory
 * and its rx/tx queues on one side, hybrid-vsock Unix connections on the
 * other, with credit-based flow control in both directions. Single-threaded;
 * the caller's event loop delivers readiness and calls vsock_dev_process().
 */
#ifndef MSB_VSOCK_DEV_H
#define MSB_VSOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtq.h"
#include "vsock_pkt.h"

#define VSOCK_VQ_RX 0
#define VSOCK_VQ_TX 1
#define VSOCK_NUM_VQ 2

/* What we advertise to the guest: the most it may have in flight to us. */
#define VSOCK_BUF_ALLOC (256 * 1024)
/* Credit updates go out once the guest's view of our space drops below this. */
#define VSOCK_CREDIT_LOW (64 * 1024)
/* Payload per packet to the guest; Linux's receive buffers are smaller. */
#define VSOCK_MAX_PKT (64 * 1024)
#define VSOCK_MAX_CONNS 1024
#define VSOCK_FIRST_HOST_PORT (1u << 30)
#define VSOCK_HANDSHAKE_MS 5000
#define VSOCK_CONNECT_MS 10000
#define VSOCK_CLOSE_MS 5000
#define VSOCK_RST_QUEUE 64
#define VSOCK_CONN_BUCKETS 256

/* epoll tags: the high 32 bits say what, the low 32 bits which. */
enum vsock_ev {
	VSOCK_EV_VU_LISTEN = 1,
	VSOCK_EV_VU_CONN,
	VSOCK_EV_KICK,
	VSOCK_EV_UDS_LISTEN,
	VSOCK_EV_CONN,
};
#define VSOCK_EV(kind, id) (((uint64_t)(kind) << 32) | (uint32_t)(id))

enum vsock_conn_state {
	CONN_HANDSHAKE,   /* waiting for the CONNECT line */
	CONN_CONNECTING,  /* REQUEST queued or sent; waiting for RESPONSE */
	CONN_OPEN,
	CONN_DEAD,        /* Unix side gone; an RST may still be queued */
};

/* Packets a connection owes the guest, sent as rx buffers come. */
#define PEND_REQUEST  0x1u
#define PEND_CREDIT   0x2u
#define PEND_SHUTDOWN 0x4u
#define PEND_RST      0x8u

struct vsock_conn {
	int fd;
	enum vsock_conn_state state;
	uint32_t host_port, guest_port;
	unsigned pending;
	uint32_t shutdown_flags;      /* for PEND_SHUTDOWN */
	uint64_t deadline_ms;         /* 0: none */

	/* Guest to host: bytes the Unix side has not taken yet. */
	uint8_t *buf;                 /* VSOCK_BUF_ALLOC bytes, allocated on need */
	size_t buf_head, buf_len;
	uint32_t rx_cnt;              /* payload bytes received from the guest */
	uint32_t fwd_cnt;             /* ... of which written to the Unix socket */
	uint32_t reported_fwd;        /* fwd_cnt as the guest last heard it */

	/* Host to guest. */
	uint32_t tx_cnt;
	uint32_t peer_buf_alloc, peer_fwd_cnt;

	bool readable, writable;      /* edge-triggered readiness not yet used up */
	bool uds_eof, uds_hup, shut_wr_done;
	bool uds_rdhup;                /* the client shut its side: reads end in EOF */
	bool guest_no_send, guest_no_recv;

	struct vsock_conn *hnext;
	struct vsock_conn *rx_next, *rx_prev;
	bool on_rx;
};

struct vsock_dev {
	uint64_t guest_cid;
	int epfd;
	struct guest_mem mem;
	struct virtq vq[VSOCK_NUM_VQ];
	struct virtq_chain chain;     /* scratch: too big for the stack */

	struct vsock_conn *buckets[VSOCK_CONN_BUCKETS];
	unsigned nconns;
	uint32_t next_port;
	struct vsock_conn *rx_head, *rx_tail;  /* connections with something to send */
	struct { uint32_t src_port, dst_port; } rst[VSOCK_RST_QUEUE];
	unsigned nrst;
	uint64_t next_deadline;       /* earliest conn deadline, 0: none */
};

void vsock_dev_init(struct vsock_dev *d, uint64_t guest_cid, int epfd);
/* Closes every connection, unmaps memory, resets the queues. */
void vsock_dev_cleanup(struct vsock_dev *d);
/* The guest's device went away (stop, reset, broken ring): drop its streams. */
void vsock_dev_drop_conns(struct vsock_dev *d);

/* Starts queue i with kick fd (taken); -1 if its rings do not map. */
int vsock_dev_start_queue(struct vsock_dev *d, unsigned i, int kick_fd);
void vsock_dev_stop_queue(struct vsock_dev *d, unsigned i);
/* After SET_MEM_TABLE: re-translate the rings of every configured queue. */
int vsock_dev_remap(struct vsock_dev *d);

/* Moves data and control packets both ways until nothing more can move. */
void vsock_dev_process(struct vsock_dev *d);
/* A new hybrid client (fd non-blocking, taken). */
void vsock_dev_accept(struct vsock_dev *d, int fd);
/* Readiness on a connection's Unix socket. */
void vsock_dev_conn_event(struct vsock_dev *d, uint32_t host_port, uint32_t events);
/* Expires deadlines; returns ms until the next one, or -1 for none. */
int vsock_dev_timers(struct vsock_dev *d);

/* Connection table (vsock_conn.c). */
struct vsock_conn *vsock_conn_new(struct vsock_dev *d, int fd);
struct vsock_conn *vsock_conn_find(const struct vsock_dev *d, uint32_t host_port);
/* Closes the Unix side; the struct stays while packets are owed. */
void vsock_conn_close_fd(struct vsock_dev *d, struct vsock_conn *c);
void vsock_conn_free(struct vsock_dev *d, struct vsock_conn *c);
/* Puts c on, or takes it off, the list of connections wanting rx buffers. */
void vsock_conn_update_rx(struct vsock_dev *d, struct vsock_conn *c);
/* Sends c to the back of that list (fair turns), or off it. */
void vsock_conn_requeue_rx(struct vsock_dev *d, struct vsock_conn *c);
bool vsock_conn_wants_rx(const struct vsock_conn *c);
uint32_t vsock_conn_peer_credit(const struct vsock_conn *c);
void vsock_conn_set_deadline(struct vsock_dev *d, struct vsock_conn *c, uint64_t ms);

#endif
