/*
 * The monitor's RPC: the only definition of what the privileged monitor
 * (monitor/) says to, and accepts from, the network child (preauth/) and
 * the session worker (session/).
 *
 * Transport: one SOCK_STREAM socketpair per peer, created by the monitor
 * before it execs the peer. Frames as everywhere in msb (lib/frame.h):
 * uint32 length (type + body, 1..MSB_MON_MAX_FRAME), uint8 type, body;
 * integers big-endian, strings uint32 length + bytes.
 *
 * Phases and what is permitted (monitor/mon_dispatch.c holds the rows for
 * what the monitor accepts as a table and refuses the rest; anything else,
 * or anything malformed, ends the connection):
 *
 *   phase     from               message          answer
 *   START     monitor -> child   HOSTKEY          (none)
 *   START     monitor -> child   CONFIG           (none); phase -> PREAUTH
 *   PREAUTH   child -> monitor   AUTH_REQUEST     AUTH_ANSWER
 *   POSTAUTH  monitor -> worker  SESSION          (none)
 *   POSTAUTH  worker -> monitor  AUDIT_OPEN       (none)
 *   POSTAUTH  worker -> monitor  AUDIT_CLOSE      (none)
 *   POSTAUTH  worker -> monitor  RECORD_OPEN      RECORD_FILE (only when SESSION
 *                                                 has MSB_MON_F_RECORD)
 *
 * The monitor moves to POSTAUTH when it answers ALLOW to a publickey
 * AUTH_REQUEST whose signature libssh has verified; it then starts the
 * session worker. From then on the network child may send nothing. When
 * the listener says the sandbox has all its --max-connections, it answers
 * FULL instead and closes the connection (the child says so to the client).
 *
 * Session recording (--record): before a session channel's program starts
 * the worker sends RECORD_OPEN; the monitor creates the recording file
 * itself, writes its header and answers RECORD_FILE, with the file's
 * descriptor (opened O_WRONLY|O_APPEND) attached as SCM_RIGHTS when result
 * is MSB_MON_RECORD_OK. The worker only ever appends events to it. An
 * AUDIT_OPEN of a session channel for which no recording was asked is a
 * violation while recording is on.
 *
 * What libssh prevents: the callback that sees a verified signature is
 * given neither the signature nor the session identifier, so the monitor
 * cannot re-verify it as OpenSSH's monitor does; it trusts the child's
 * "signed" flag, which only a child that is already compromised (and
 * sandboxed: no files, no sockets, no exec) could forge.
 */
#ifndef MSB_MONITOR_PROTO_H
#define MSB_MONITOR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MSB_MON_VERSION    1u
#define MSB_MON_MAX_FRAME  (64u * 1024u)
#define MSB_MON_MAX_STRING (16u * 1024u)

enum msb_mon_msg {
	/* monitor -> network child */
	MSB_MON_HOSTKEY      = 1,  /* key: OpenSSH private key text (a secret) */
	MSB_MON_CONFIG       = 2,  /* version, log_level, idle_timeout_s, rekey_bytes, rekey_s */
	MSB_MON_AUTH_ANSWER  = 3,  /* result (enum msb_mon_auth), tries_left */
	/* network child -> monitor */
	MSB_MON_AUTH_REQUEST = 10, /* method, user, key (public, OpenSSH line), signed */
	/* monitor -> session worker */
	MSB_MON_SESSION      = 20, /* version, user, guest_user, flags, command, vsock, env_allow, log_level, idle_timeout_s,
	                              sftp_deny, sftp_allow, max_sessions (UINT32_MAX: none),
	                              record_max */
	MSB_MON_RECORD_FILE  = 21, /* chan, result (enum msb_mon_record), record_used; + the fd */
	/* session worker -> monitor */
	MSB_MON_AUDIT_OPEN   = 30, /* chan, kind, detail */
	MSB_MON_AUDIT_CLOSE  = 31, /* chan, bytes_in, bytes_out, exit (code, or 128+signal) */
	MSB_MON_RECORD_OPEN  = 32, /* chan, what (enum msb_mon_what), detail, term, cols, rows */
};

enum msb_mon_method {
	MSB_MON_METHOD_NONE      = 0,
	MSB_MON_METHOD_PASSWORD  = 1,
	MSB_MON_METHOD_PUBLICKEY = 2,
	MSB_MON_METHOD_KBDINT    = 3,
	MSB_MON_METHOD_OTHER     = 4,
};

enum msb_mon_auth {
	MSB_MON_AUTH_DENY  = 0,  /* try something else (tries_left says how often) */
	MSB_MON_AUTH_OK    = 1,  /* unsigned probe: this key would do (send PK_OK) */
	MSB_MON_AUTH_ALLOW = 2,  /* signed and accepted: authenticated */
	MSB_MON_AUTH_FULL  = 3,  /* signed and accepted, but the sandbox has its
	                            --max-connections: disconnect, saying so */
};

/* SESSION flags: the per-key options and server settings the worker applies. */
#define MSB_MON_F_NO_PTY          0x01u
#define MSB_MON_F_NO_PORT_FORWARD 0x02u
#define MSB_MON_F_NO_SFTP         0x04u
#define MSB_MON_F_FORCED_COMMAND  0x08u  /* command holds it */
#define MSB_MON_F_SFTP_READ_ONLY  0x10u  /* sftp-server -R */
#define MSB_MON_F_SFTP_ALLOW      0x20u  /* sftp_allow is a list (-p); sftp_deny (-P) is one when not "" */
#define MSB_MON_F_RECORD          0x40u  /* ask for a recording of each session channel */
#define MSB_MON_F_RECORD_INPUT    0x80u  /* ... with the client's input in it */

/* What a recorded session channel runs (RECORD_OPEN). */
enum msb_mon_what {
	MSB_MON_WHAT_SHELL     = 0,
	MSB_MON_WHAT_EXEC      = 1,  /* detail: the command */
	MSB_MON_WHAT_SUBSYSTEM = 2,  /* detail: its name */
};

enum msb_mon_record {
	MSB_MON_RECORD_OK     = 0,  /* the descriptor is attached */
	MSB_MON_RECORD_FAILED = 1,  /* no file: the channel must not run */
};

enum msb_mon_kind {
	MSB_MON_KIND_SESSION      = 0,
	MSB_MON_KIND_DIRECT_TCPIP = 1,
};

/*
 * One decoded message; which fields are meaningful depends on type (see
 * enum msb_mon_msg). Strings point into the frame (valid until it is
 * consumed), are NUL-free, and have their lengths beside them; key may be
 * a secret (HOSTKEY): wipe the frame after use.
 */
struct msb_mon {
	uint8_t type;
	uint32_t version, log_level, idle_timeout_s, rekey_s;
	uint64_t rekey_bytes;
	uint32_t method, result, tries_left, max_sessions;
	bool is_signed;
	uint32_t flags, chan, kind;
	uint64_t bytes_in, bytes_out;
	int32_t exit;                /* -1 when the channel had no program */
	const char *user;   size_t user_len;
	const char *guest_user; size_t guest_user_len;
	const char *key;    size_t key_len;
	const char *command; size_t command_len;   /* forced command (SESSION) */
	const char *vsock;  size_t vsock_len;      /* the sandbox's hybrid-vsock socket */
	const char *env_allow; size_t env_allow_len; /* comma-separated names and NAME_* patterns */
	const char *sftp_deny; size_t sftp_deny_len;   /* SFTP request names (lib/sftp_policy.h) */
	const char *sftp_allow; size_t sftp_allow_len;
	const char *detail; size_t detail_len;     /* AUDIT_OPEN: command or host:port */
	uint32_t what, cols, rows;                 /* RECORD_OPEN */
	const char *term; size_t term_len;         /* RECORD_OPEN: the pty's TERM, "" without one */
	uint64_t record_max;         /* SESSION: a recording's size cap in bytes (0 without --record) */
	uint64_t record_used;        /* RECORD_FILE: bytes of the cap the header took */
	size_t frame;                /* the whole frame's size, for msb_mon_consume */
};

/* As msb_mux_put/get/consume (lib/mux_proto.h), for this protocol. */
int msb_mon_put(struct msb_buf *out, const struct msb_mon *m);
int msb_mon_get(const struct msb_buf *in, struct msb_mon *m);
void msb_mon_consume(struct msb_buf *in, const struct msb_mon *m);
const char *msb_mon_msg_name(uint8_t type);

#endif
