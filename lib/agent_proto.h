/*
 * The host <-> guest agent protocol: the only definition of its wire format.
 *
 * Transport: one byte stream per request (AF_VSOCK in the VM, a Unix socket
 * when the agent runs on the host for tests). Every message is a frame:
 *
 *     uint32 length   (of type + body; 1 .. MSB_AGENT_MAX_FRAME)
 *     uint8  type     (enum msb_agent_msg)
 *     byte   body[length - 1]
 *
 * Integers are big-endian, strings are uint32 length + bytes (SSH style).
 *
 * Conversation:
 *   host  -> HELLO            magic, version, software
 *   agent -> HELLO            magic, version, software
 *   host  -> one request      EXEC | SFTP | CONNECT | INFO | SHUTDOWN
 *   agent -> OK | ERROR       (INFO is answered with INFO instead of OK)
 * After OK:
 *   EXEC     framed streams below; see "EXEC streams" for the end.
 *   SFTP     the stream carries raw SFTP packets (draft-ietf-secsh-filexfer-02).
 *   CONNECT  the stream carries raw TCP payload; shutdown(SHUT_WR) on either
 *            side is relayed as a half-close.
 *
 * EXEC streams. The agent grants stdin credit with WINDOW; the host never
 * sends more STDIN bytes than it was granted, so control messages (SIGNAL,
 * RESIZE) are never stuck behind stdin the command does not read. Output
 * needs no credit: the agent reads the command's pipes only while its own
 * bounded send buffer has room, so a slow reader stalls the command instead
 * of growing memory.
 *
 * How an EXEC ends, as sshd ends a session channel:
 *   agent -> EXIT       when the process exits, after every byte of output
 *                       it wrote before exiting; the command's stdin is
 *                       closed then and later STDIN is discarded (the
 *                       agent still grants WINDOW for it).
 *   agent -> STDOUT/STDERR ...  without a PTY, output goes on after EXIT
 *                       while anything the command left behind (a
 *                       background job) holds its stdout or stderr open.
 *   agent closes        once both pipes reach EOF (with a PTY: right
 *                       after EXIT, as sshd closes a PTY session when
 *                       its shell exits).
 * The host reports the exit status on EXIT and ends the channel (EOF,
 * close) when the agent closes; closing its own end first tells the agent
 * to stop. An agent that closes right after EXIT (protocol 1 agents before
 * this conversation) is therefore understood without a version change, and
 * a host that stops reading at EXIT just closes early.
 */
#ifndef MSB_AGENT_PROTO_H
#define MSB_AGENT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MSB_AGENT_MAGIC        0x4d534241u  /* "MSBA" */
#define MSB_AGENT_VERSION      1u
#define MSB_AGENT_VSOCK_PORT   1024u
#define MSB_AGENT_MAX_FRAME    (256u * 1024u)
/* Largest STDIN/STDOUT/STDERR payload in one frame. */
#define MSB_AGENT_MAX_DATA     (64u * 1024u)
/* Initial stdin credit; the agent replenishes as the command reads. */
#define MSB_AGENT_STDIN_WINDOW (256u * 1024u)
#define MSB_AGENT_MAX_STRING   (64u * 1024u)
#define MSB_AGENT_MAX_COMMAND  (200u * 1024u)
#define MSB_AGENT_MAX_ARGS     4096u
#define MSB_AGENT_MAX_ENV      4096u

enum msb_agent_msg {
	MSB_AGENT_HELLO    = 1,
	MSB_AGENT_OK       = 2,
	MSB_AGENT_ERROR    = 3,
	/* requests */
	MSB_AGENT_EXEC     = 10,
	MSB_AGENT_SFTP     = 11,
	MSB_AGENT_CONNECT  = 12,
	MSB_AGENT_INFO     = 13,
	MSB_AGENT_SHUTDOWN = 14,
	/* exec streams, host -> agent */
	MSB_AGENT_STDIN    = 20,
	MSB_AGENT_STDIN_EOF = 21,
	MSB_AGENT_RESIZE   = 22,
	MSB_AGENT_SIGNAL   = 23,
	/* exec streams, agent -> host */
	MSB_AGENT_WINDOW   = 30,
	MSB_AGENT_STDOUT   = 31,
	MSB_AGENT_STDERR   = 32,
	MSB_AGENT_EXIT     = 33,
};

/* ERROR codes. Stable: the session worker maps them to SSH replies. */
enum msb_agent_err {
	MSB_AGENT_E_PROTOCOL    = 1,  /* malformed or unexpected message */
	MSB_AGENT_E_VERSION     = 2,  /* unsupported protocol version */
	MSB_AGENT_E_NO_USER     = 3,  /* guest user unknown */
	MSB_AGENT_E_EXEC        = 4,  /* the command could not be started */
	MSB_AGENT_E_CWD         = 5,  /* working directory unusable */
	MSB_AGENT_E_REFUSED     = 6,  /* connect: connection refused */
	MSB_AGENT_E_UNREACHABLE = 7,  /* connect: network or host unreachable */
	MSB_AGENT_E_TIMEOUT     = 8,  /* connect: timed out */
	MSB_AGENT_E_BAD_NAME    = 9,  /* connect: name does not resolve */
	MSB_AGENT_E_INTERNAL    = 10, /* resource exhaustion or other failure */
	MSB_AGENT_E_PERMISSION  = 11,
};

/* EXEC flags */
#define MSB_EXEC_PTY  0x1u  /* run on a pseudo-terminal; stderr merges into stdout */
/* argv given; otherwise command runs as sshd runs it: "SHELL -c command"
 * with the user's shell from passwd (/bin/sh when it names none that
 * exists), or that shell as a login shell when command is "". */
#define MSB_EXEC_ARGV 0x2u

/* SHUTDOWN modes */
#define MSB_SHUTDOWN_POWEROFF 0u
#define MSB_SHUTDOWN_REBOOT   1u

struct msb_agent_hello {
	uint32_t magic;
	uint32_t version;
	char *software;
};

struct msb_agent_error {
	uint32_t code;
	char *message;
};

struct msb_agent_exec {
	uint32_t flags;
	char *command;   /* without MSB_EXEC_ARGV */
	char **argv;     /* with MSB_EXEC_ARGV: argc entries, NULL-terminated */
	uint32_t argc;
	char **env;      /* "NAME=value", envc entries, NULL-terminated */
	uint32_t envc;
	char *cwd;       /* absolute; "" = the user's home, else "/" */
	char *user;      /* "" = root */
	char *term;      /* with MSB_EXEC_PTY */
	uint32_t cols, rows;
};

/*
 * SFTP body: string user, then, only when the session has a policy:
 * uint32 flags, string deny, string allow. The lists are comma-separated
 * sftp-server request names (lib/sftp_policy.h), checked again by the
 * agent; "" is no list, except that MSB_SFTP_F_ALLOW makes allow a list.
 * An agent that predates the policy rejects the longer body, so such a
 * session fails rather than runs unrestricted.
 */
#define MSB_SFTP_F_READ_ONLY 0x1u  /* sftp-server -R */
#define MSB_SFTP_F_ALLOW     0x2u  /* allow is a list (-p) */
#define MSB_SFTP_F_ALL       (MSB_SFTP_F_READ_ONLY | MSB_SFTP_F_ALLOW)

struct msb_agent_sftp {
	char *user;      /* "" = root */
	uint32_t flags;  /* MSB_SFTP_F_* */
	char *deny;      /* -P list, or "" (decoded: NULL without a policy) */
	char *allow;     /* -p list with MSB_SFTP_F_ALLOW, else "" or NULL */
};

struct msb_agent_connect {
	char *host;
	uint32_t port;
	uint32_t timeout_ms;
};

struct msb_agent_info {
	char *software;
	uint32_t protocol;
	uint64_t uptime_ms;
	char *hostname;
};

enum msb_exit_kind {
	MSB_EXIT_CODE   = 0,
	MSB_EXIT_SIGNAL = 1,
};

struct msb_agent_exit {
	uint32_t kind;     /* enum msb_exit_kind */
	uint32_t value;    /* exit code, or signal number */
	bool core_dumped;
};

/*
 * Frame assembly. begin writes the header with a placeholder length and
 * returns where it starts, relative to the buffer's read position (so it
 * stays valid when the buffer compacts, but not across a consume); end
 * patches the length; abort drops the partial frame. begin and end fail
 * (-1) when the frame or buffer would exceed its maximum.
 */
int msb_agent_frame_begin(struct msb_buf *out, uint8_t type, size_t *start);
int msb_agent_frame_end(struct msb_buf *out, size_t start);
void msb_agent_frame_abort(struct msb_buf *out, size_t start);

/*
 * Finds the next complete frame at the front of in. Returns 1 with type and
 * body set (valid until in is consumed by msb_agent_frame_consume), 0 when
 * more bytes are needed, -1 on a frame length outside 1..MAX_FRAME.
 */
int msb_agent_frame_peek(const struct msb_buf *in, uint8_t *type,
    const uint8_t **body, size_t *len);
void msb_agent_frame_consume(struct msb_buf *in, size_t body_len);

/* Encoders append one whole frame; 0 or -1. */
int msb_agent_put_hello(struct msb_buf *out, const struct msb_agent_hello *m);
int msb_agent_put_ok(struct msb_buf *out);
int msb_agent_put_error(struct msb_buf *out, uint32_t code, const char *message);
int msb_agent_put_exec(struct msb_buf *out, const struct msb_agent_exec *m);
int msb_agent_put_sftp(struct msb_buf *out, const struct msb_agent_sftp *m);
int msb_agent_put_connect(struct msb_buf *out, const struct msb_agent_connect *m);
int msb_agent_put_info_request(struct msb_buf *out);
int msb_agent_put_info(struct msb_buf *out, const struct msb_agent_info *m);
int msb_agent_put_shutdown(struct msb_buf *out, uint32_t mode);
/* STDIN, STDOUT, STDERR: n <= MSB_AGENT_MAX_DATA */
int msb_agent_put_data(struct msb_buf *out, uint8_t type, const void *p, size_t n);
/* STDIN_EOF and other body-less messages */
int msb_agent_put_empty(struct msb_buf *out, uint8_t type);
/* RESIZE: cols, rows; SIGNAL: signo; WINDOW: bytes */
int msb_agent_put_resize(struct msb_buf *out, uint32_t cols, uint32_t rows);
int msb_agent_put_u32_msg(struct msb_buf *out, uint8_t type, uint32_t v);
int msb_agent_put_exit(struct msb_buf *out, const struct msb_agent_exit *m);

/*
 * Decoders parse one frame body. They return 0, or -1 on any malformed,
 * truncated, overlong or trailing input, in which case nothing needs
 * freeing. Strings are heap copies: release with the matching _free.
 */
int msb_agent_get_hello(const uint8_t *p, size_t n, struct msb_agent_hello *m);
int msb_agent_get_error(const uint8_t *p, size_t n, struct msb_agent_error *m);
int msb_agent_get_exec(const uint8_t *p, size_t n, struct msb_agent_exec *m);
int msb_agent_get_sftp(const uint8_t *p, size_t n, struct msb_agent_sftp *m);
int msb_agent_get_connect(const uint8_t *p, size_t n, struct msb_agent_connect *m);
int msb_agent_get_info(const uint8_t *p, size_t n, struct msb_agent_info *m);
int msb_agent_get_resize(const uint8_t *p, size_t n, uint32_t *cols, uint32_t *rows);
/* SIGNAL, WINDOW, SHUTDOWN */
int msb_agent_get_u32_msg(const uint8_t *p, size_t n, uint32_t *v);
int msb_agent_get_exit(const uint8_t *p, size_t n, struct msb_agent_exit *m);

void msb_agent_hello_free(struct msb_agent_hello *m);
void msb_agent_error_free(struct msb_agent_error *m);
void msb_agent_exec_free(struct msb_agent_exec *m);
void msb_agent_sftp_free(struct msb_agent_sftp *m);
void msb_agent_connect_free(struct msb_agent_connect *m);
void msb_agent_info_free(struct msb_agent_info *m);

/* A short name for a message type or error code, for logs. */
const char *msb_agent_msg_name(uint8_t type);
const char *msb_agent_err_name(uint32_t code);

#endif
