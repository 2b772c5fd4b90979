/*
 * The session worker: one process per authenticated connection, between
 * the channel mux (fd 4, the network child) and the guest agent (one
 * stream per SSH channel). Single-threaded, one poll loop, non-blocking
 * everywhere: every channel is its own state machine (see chan.c), so a
 * slow agent dial or a stalled reader on one channel never holds up
 * another.
 */
#ifndef MSB_SESSION_H
#define MSB_SESSION_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/cast.h"
#include "lib/hybrid_vsock.h"
#include "lib/mux_proto.h"

/* How long dialing the agent and its hello/request/reply may take. */
#define SESSION_DIAL_MS    15000
/* What direct-tcpip asks the agent to wait for the TCP connect. */
#define SESSION_CONNECT_MS 10000
/* Environment a session channel may collect before its program starts. */
#define SESSION_MAX_ENV       64
#define SESSION_MAX_ENV_BYTES (32u * 1024u)
/*
 * The mux output buffer: data is produced only while less than
 * MUX_OUT_HIGH is queued and mux input is read only then too, so the
 * control replies one input frame can cause always fit above it.
 */
#define MUX_OUT_HIGH (1024u * 1024u)
#define MUX_OUT_MAX  (4u * 1024u * 1024u)

enum chan_kind {
	CHAN_SESSION,
	CHAN_TCPIP,
};

/* One channel's life; see chan.c for the transitions. */
enum chan_state {
	CH_SETUP,       /* session: collecting pty/env, no program yet */
	CH_RECORD,      /* awaiting the recording file from the monitor (--record) */
	CH_CONNECTING,  /* non-blocking connect() to the agent's socket */
	CH_VSOCK,       /* "CONNECT port\n" sent, awaiting "OK ...\n" */
	CH_HELLO,       /* hello + request sent, awaiting the agent's hello */
	CH_REPLY,       /* awaiting OK or ERROR */
	CH_RUNNING,     /* relaying */
	CH_DONE,        /* stream finished; our CLOSE is sent or due */
};

/* What the agent stream carries once running. */
enum chan_mode {
	MODE_NONE,
	MODE_EXEC,      /* framed STDIN/STDOUT/STDERR/EXIT */
	MODE_RAW,       /* SFTP or TCP bytes, half-close as EOF */
};

struct chan {
	uint32_t id;
	enum chan_kind kind;
	enum chan_state state;
	enum chan_mode mode;
	bool sftp;
	int fd;                 /* agent stream, -1 when none */
	int64_t deadline;       /* for the dial and handshake */
	int64_t retry_at;       /* connect() again then, when the backlog was full */

	/* session settings, before the program starts */
	bool pty;
	char *term;
	uint32_t cols, rows;
	char *env[SESSION_MAX_ENV];
	size_t nenv, env_bytes;
	char *detail;           /* for the audit: command, or host:port */
	uint32_t what;          /* what runs, for the recording (enum msb_mon_what) */

	/* the agent request, queued once the socket is connected */
	struct msb_buf req;
	char vsock_line[MSB_HYBRID_LINE_MAX];
	size_t vsock_got;

	/* client -> agent */
	struct msb_buf pend;    /* DATA not yet handed to the agent */
	struct msb_buf aout;    /* bytes for the agent socket */
	uint32_t in_credit;     /* mux credit granted, not yet used */
	uint32_t owed;          /* mux credit to grant back */
	uint32_t agent_credit;  /* agent STDIN credit */
	bool mux_eof;           /* the client sent EOF */
	bool agent_eof_sent;    /* STDIN_EOF or SHUT_WR done */
	bool agent_wdead;       /* writing to the agent failed: no more to it */

	/* agent -> client */
	struct msb_buf ain;
	size_t ain_sent;        /* payload of the front frame already forwarded */
	uint32_t out_credit;    /* mux credit the network child granted */
	bool agent_eof;         /* the agent's stream ended */

	/* the recording (--record): events appended, never rewritten */
	int rec_fd;             /* -1 when none */
	uint64_t rec_left;      /* bytes the file may still grow by */
	int64_t rec_t0_us;      /* monotonic time of the header */
	struct msb_utf8_carry rec_carry_o, rec_carry_i;
	bool req_too_large;     /* the agent request could not be encoded */

	bool exit_sent, eof_sent, close_sent, close_rcvd;
	int32_t exit;           /* code, 128+signal, -1 without a program */
	uint64_t bytes_in, bytes_out;
	bool audited;
};

struct session {
	int mon_fd, mux_fd;
	struct msb_buf mon_out;
	struct msb_buf mon_in;  /* RECORD_FILE answers */
	int mon_fds[8];         /* descriptors received with them, oldest first */
	size_t nmon_fds;
	struct msb_buf rec_line; /* one event being encoded */
	struct msb_buf mux_in, mux_out;
	bool hello_seen;
	bool mux_eof;

	/* from SESSION */
	char *user, *guest_user, *command, *env_allow;
	char *sftp_deny, *sftp_allow;  /* passed on to the agent, which checks them */
	char *agent_path;       /* SESSION.vsock without its scheme */
	bool agent_vsock;       /* "vsock:": hybrid vsock; "unix:": the agent itself */
	uint32_t flags, idle_timeout_s;
	uint32_t max_sessions;  /* session channels open at once (UINT32_MAX: no limit) */
	uint64_t record_max;

	struct chan *chans[MSB_MUX_MAX_CHANS];
	size_t nchans;
	int64_t last_activity;
	int64_t trimmed_after;  /* the last_activity of the latest quiet trim */
	uint8_t scratch[MSB_MUX_MAX_DATA];
};

/*
 * The session without its process (session_main.c adds the options,
 * signals, rlimits and seccomp): fuzz_session_mux runs these over
 * socketpairs, as main runs them over fds 3 and 4.
 */
/* session_setup.c */
/* Buffers for a session with the monitor on mon_fd and the network child on mux_fd. */
void session_init(struct session *s, int mon_fd, int mux_fd);
/* Blocks for the monitor's SESSION and takes its settings; fatal on anything else. */
void session_read_setup(struct session *s);
/* Non-blocking from here on; HELLO to the network child. */
void session_begin(struct session *s);
/* Sends the audit records still open (blocking), then frees everything. */
void session_end(struct session *s);

/* session_loop.c */
/*
 * One turn of the poll loop: what waited goes on, then one poll of at
 * most wait_ms (-1: as long as the timers allow) and what it found ready.
 * sigfd (-1: none) ends the session when readable. Returns -1 once the
 * session is over, else the number of descriptors that were ready.
 */
int session_step(struct session *s, int sigfd, int wait_ms);
/* Turns until the session is over: the network child left, a signal, idle. */
void session_serve(struct session *s, int sigfd);

/* mux_link.c */
void mux_send(struct session *s, const struct msb_mux *m);
void mux_send_simple(struct session *s, uint8_t type, uint32_t chan);
bool mux_out_busy(const struct session *s);
/* Handles every complete frame in mux_in; -1 ends the session. */
int mux_dispatch(struct session *s);

/* audit.c */
void audit_open(struct session *s, struct chan *c);
void audit_close(struct session *s, struct chan *c);

/* record.c: the session recording (lib/cast.h, lib/monitor_proto.h RECORD_*) */
/* Asks the monitor for the channel's recording file: the channel waits in CH_RECORD. */
void record_request(struct session *s, struct chan *c, uint32_t what);
/* Reads what the monitor sent (RECORD_FILE and its descriptor); fatal on anything else. */
void record_on_monitor(struct session *s);
/* Appends one event ('o', 'i' or 'r'); data NULL, len 0 flushes a held UTF-8 tail. */
void record_event(struct session *s, struct chan *c, char type, const uint8_t *data, size_t len);
/* Flushes and closes the channel's recording. */
void record_close(struct session *s, struct chan *c);

/* chan.c */
/* The program's channel, recorded or not, goes on: audit, then the dial. */
void chan_start(struct session *s, struct chan *c);
struct chan *chan_find(struct session *s, uint32_t id);
int chan_open(struct session *s, const struct msb_mux *m);
int chan_request(struct session *s, struct chan *c, const struct msb_mux *m);
int chan_mux_data(struct session *s, struct chan *c, const struct msb_mux *m);
void chan_mux_close(struct session *s, struct chan *c);
/* Moves the channel on as far as it can go without blocking. */
void chan_pump(struct session *s, struct chan *c);
short chan_poll_events(const struct session *s, const struct chan *c);
void chan_io(struct session *s, struct chan *c, short revents);
/* A session's program failed (stderr message, status) or a forward could
 * not open (OPEN_FAILURE); either way the channel is done. */
void chan_fail(struct session *s, struct chan *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* EXIT_STATUS (signo 0) or EXIT_SIGNAL, once. */
void chan_send_exit(struct session *s, struct chan *c, int status, int signo, bool core);
/* Drops the agent stream and sends EOF and CLOSE. */
void chan_finish(struct session *s, struct chan *c);
/* Frees channels whose CLOSE went both ways. */
void chan_reap(struct session *s);
void chan_free(struct chan *c);

/* chan_agent.c: the dial and handshake */
void agent_dial_start(struct session *s, struct chan *c);
void agent_dial_io(struct session *s, struct chan *c, short revents);
short agent_dial_events(const struct chan *c);

/* chan_relay.c: the running stream */
void relay_pump(struct session *s, struct chan *c);
short relay_events(const struct session *s, const struct chan *c);
void relay_io(struct session *s, struct chan *c, short revents);

/* session_seccomp.c */
/* rlimits (no core, bounded fds, no file writes) and the allow-list; fatal on failure. */
void session_confine(uint64_t record_max);
/* The allow-list alone (default: kill the process); 0, or -1 logged. For the unit test. */
int session_seccomp_install(void);

/* policy.c */
bool policy_env_allowed(const char *allow, const char *name);
/* SSH signal name (without SIG) <-> number; 0 / NULL when unknown. */
int policy_signal_number(const char *name);
const char *policy_signal_name(int signo);

#endif
