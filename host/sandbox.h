/*
 * The sandbox registry: MSB_HOME/sandboxes/<name>/ holds a sandbox's config,
 * disk, sockets, console log and the state its vmm writes.
 *
 * Liveness never trusts a pid file alone: a running vmm holds an exclusive
 * flock on vmm.lock for its whole life, so a vmm killed with -9 releases it
 * and the sandbox reads as crashed (its state file still says running).
 */
#ifndef MSB_SANDBOX_H
#define MSB_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "msb_home.h"

/*
 * The guest's network: none (no NIC), or a user-mode network (passt) that
 * reaches other hosts but not this one, or, opted into, this host too (its
 * loopback through the gateway address, as QEMU's slirp gave).
 */
enum sandbox_net { SANDBOX_NET_NONE, SANDBOX_NET_USER, SANDBOX_NET_USER_HOST };
enum sandbox_accel { SANDBOX_ACCEL_AUTO, SANDBOX_ACCEL_KVM, SANDBOX_ACCEL_TCG };

#define SANDBOX_DEFAULT_IMAGE     "default"
#define SANDBOX_DEFAULT_MEMORY    256u        /* MiB */
#define SANDBOX_DEFAULT_CPUS      1u
#define SANDBOX_DEFAULT_DISK      (2ull << 30)
#define SANDBOX_MAX_MEMORY        (64u * 1024u)
#define SANDBOX_MAX_CPUS          64u
#define SANDBOX_MAX_DISK          (1ull << 40)
#define SANDBOX_MAX_FORWARDS      8

/*
 * When msb runs as root, every sandbox runs as a uid (and gid of the same
 * number) of its own from this range: above any login user's, the usual
 * subordinate-id ranges (100000 + 65536 per user) and the 16-bit ids, with
 * no /etc/passwd entry. A uid of 0 in a config means "none yet".
 */
#define SANDBOX_UID_BASE  0x70000000u
#define SANDBOX_UID_COUNT 65536u

/* A host TCP port the user network forwards to a guest port (passt's -t). */
struct sandbox_forward {
	char host_addr[16];     /* dotted IPv4 */
	uint16_t host_port;
	uint16_t guest_port;
};

struct sandbox_config {
	char image[MSB_NAME_MAX + 1];
	unsigned memory_mib;
	unsigned cpus;
	uint64_t disk_bytes;
	enum sandbox_net net;
	enum sandbox_accel accel;
	struct sandbox_forward forwards[SANDBOX_MAX_FORWARDS];  /* needs net user */
	unsigned nforwards;
	uid_t uid;               /* the sandbox's own uid and gid, or 0 */
};

enum sandbox_state {
	SANDBOX_STOPPED,   /* not running, shut down cleanly or never started */
	SANDBOX_STARTING,  /* vmm alive, guest not ready yet */
	SANDBOX_RUNNING,
	SANDBOX_CRASHED,   /* the guest, QEMU or the vmm died unexpectedly */
};

struct sandbox_status {
	enum sandbox_state state;
	pid_t vmm_pid;          /* when alive */
	pid_t qemu_pid;
	char accel[8];          /* "kvm", "tcg" or "" */
	int64_t started_at;     /* unix seconds, 0 if never */
	char reason[256];       /* why crashed / why the accelerator was chosen */
};

void sandbox_config_defaults(struct sandbox_config *c);
/* key=value lines; unknown keys and bad values are errors naming the line. */
int sandbox_config_read(const char *path, struct sandbox_config *c);
int sandbox_config_write(const char *path, const struct sandbox_config *c);

/* Parses 512M, 4G, 1T, or plain bytes (K/M/G/T, powers of 1024). */
int parse_size(const char *s, uint64_t *out);
const char *sandbox_net_name(enum sandbox_net n);
const char *sandbox_accel_name(enum sandbox_accel a);
int sandbox_net_parse(const char *s, enum sandbox_net *out);
/* Whether the guest has a user-mode network at all, and whether it may reach this host. */
bool sandbox_net_user(enum sandbox_net n);
bool sandbox_net_host_access(enum sandbox_net n);
/*
 * The one line to tell a user whose sandbox's network cannot be kept off
 * this host (msb is not root, so there is no host filter), or NULL.
 */
const char *sandbox_net_caveat(enum sandbox_net n);
int sandbox_accel_parse(const char *s, enum sandbox_accel *out);
/* "tcp:ADDR:HOSTPORT:GUESTPORT", ADDR an IPv4 address; 0 or -1. */
int sandbox_forward_parse(const char *s, struct sandbox_forward *out);
const char *sandbox_state_name(enum sandbox_state s);

/* MSB_HOME/sandboxes/<name>[/<file>] into buf; 0 or -1. */
int sandbox_path(char *buf, size_t len, const char *name, const char *file);
/* Whether the sandbox directory exists with a config. */
bool sandbox_exists(const char *name);

/*
 * The vmm's side: takes the lock (fails with EWOULDBLOCK when another vmm
 * has it) and keeps the fd open for life. Returns the fd or -1.
 */
int sandbox_lock(const char *name);
/*
 * A server's side: a shared flock on serve.lock for as long as it serves
 * the sandbox, so that `msb rm` can refuse to pull the sandbox out from
 * under it. Returns the fd or -1.
 */
int sandbox_serve_hold(const char *name);
/* Whether some server holds serve.lock now. */
bool sandbox_served(const char *name);
/* Atomically replaces the state file (written by the vmm only). */
int sandbox_state_write(const char *name, const struct sandbox_status *st);
/* Everyone else: reads the state and checks the lock. 0 or -1. */
int sandbox_status_read(const char *name, struct sandbox_status *st);

#endif
