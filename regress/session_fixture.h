/*
 * The session worker without its process (session/session.h: session_init
 * .. session_end), for the programs that run its real poll loop, mux
 * dispatch and channel state machines: the fuzz target fuzz_session_mux
 * and the unit test test_session_mux. The fixture plays the worker's three
 * peers over socketpairs and a Unix listener, in one thread, so a run is
 * deterministic:
 *
 *   the monitor        sends SESSION (from the setup bits), answers each
 *                      RECORD_OPEN (a memfd for an even channel id, a
 *                      refusal for an odd one), reads the audit records;
 *   the network child  delivers its stream one mux frame at a time;
 *   the agent          (or the hybrid-vsock backend in front of it) accepts
 *                      every dial and follows a script of writes, half-closes
 *                      and closes (below).
 *
 * Between two moves of a peer the worker runs until it has nothing left to
 * do. Oracles, checked on what the worker sends (abort() on a violation,
 * with the reason on stderr): every frame to the network child decodes and
 * belongs to a channel it opened and the worker confirmed; DATA within the
 * credit granted; one exit report, before EOF; nothing after the worker's
 * CLOSE; no more agent dials than channels asked for one; every agent
 * stream starts with HELLO and one request the session's policy permits
 * (forced command, no-pty, no port forwarding, no SFTP, the SFTP policy,
 * the environment filter); STDIN within the agent's WINDOW credit; every
 * audited channel is closed in the audit; no descriptor leaks.
 *
 * The agent script is a sequence of records, each an op byte then its
 * operands:
 *   op & 0xc0 == 0x00  write: uint16 length (big-endian), then the bytes
 *   op & 0xc0 == 0x40  shutdown(SHUT_WR): no more bytes from the agent
 *   op & 0xc0 == 0x80  close the connection
 *   op & 0xc0 == 0xc0  nothing
 * op & 0x1f picks the connection (modulo the open ones, in accept order);
 * op & 0x20 hands the turn to the network child after this record. The
 * script plays only while a connection is open; the network child moves
 * when the script yields, waits for a dial, or is over.
 */
#ifndef MSB_SESSION_FIXTURE_H
#define MSB_SESSION_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* The SESSION the monitor sends, bit by bit. */
#define SFIX_NO_PTY         0x01u
#define SFIX_NO_PORT_FWD    0x02u
#define SFIX_NO_SFTP        0x04u
#define SFIX_FORCED         0x08u  /* forced command SFIX_FORCED_COMMAND */
#define SFIX_SFTP_POLICY    0x10u  /* read-only, an allow list and a deny list */
#define SFIX_RECORD         0x20u  /* --record with input, capped at SFIX_RECORD_MAX */
#define SFIX_VSOCK          0x40u  /* the agent behind a hybrid-vsock backend */
#define SFIX_ONE_SESSION    0x80u  /* --max-sessions 1 */

#define SFIX_FORCED_COMMAND "id -u"
#define SFIX_GUEST_USER     "guest"
#define SFIX_ENV_ALLOW      "MYAPP_*,EDITOR"
#define SFIX_SFTP_DENY      "remove,rename"
#define SFIX_SFTP_ALLOW     "open,read,close,stat,lstat,opendir,readdir"
#define SFIX_RECORD_MAX     4096u

/* Script ops. */
#define SFIX_OP_WRITE    0x00u
#define SFIX_OP_SHUT_WR  0x40u
#define SFIX_OP_CLOSE    0x80u
#define SFIX_OP_NOTHING  0xc0u
#define SFIX_OP_YIELD    0x20u

/* What a run saw; every buffer optional. */
struct sfix_trace {
	struct msb_buf *to_net;    /* mux frames the worker sent the network child */
	struct msb_buf *to_agent;  /* what it sent every agent connection, in order */
	struct msb_buf *to_mon;    /* monitor frames it sent */
	unsigned dials;            /* agent connections accepted */
};

/* The scratch directory for the agent's socket (removed at exit); exits 2 if it cannot. */
void sfix_setup(void);
/* One session to its end: SESSION from setup, then the two streams as above. */
void sfix_run(unsigned setup, const uint8_t *net, size_t net_len, const uint8_t *script,
    size_t script_len, struct sfix_trace *trace);

#endif
