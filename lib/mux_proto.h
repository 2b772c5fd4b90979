/*
 * The channel mux between the network child (preauth/, which owns the SSH
 * transport for the whole connection) and the session worker (session/,
 * which owns the sandbox side): the only definition of its wire format.
 *
 * Transport: one SOCK_STREAM socketpair per connection, created by the
 * monitor before either process starts. Frames as everywhere in msb
 * (lib/frame.h): uint32 length (type + body, 1..MSB_MUX_MAX_FRAME), uint8
 * type, body. Integers big-endian, strings uint32 length + bytes.
 *
 * Every message but HELLO carries the channel id first: the network
 * child's own SSH channel number, unique while the channel lives.
 *
 * Flow control, both directions, per channel: a side may send DATA and
 * EXT_DATA bytes only up to the credit the other side granted with WINDOW.
 * The network child grants as the SSH client's window accepts its writes;
 * the session worker grants as the guest agent accepts its writes. No
 * process ever buffers more than the credit it granted, so a stalled
 * reader at either end stalls its channel, never memory.
 *
 * Channel life: OPEN_SESSION or OPEN_DIRECT_TCPIP (network child) ->
 * OPEN_CONFIRM or OPEN_FAILURE (worker). Requests on a session channel
 * (PTY, ENV, EXEC, SHELL, SUBSYSTEM, WINDOW_CHANGE, SIGNAL) carry
 * want_reply; the worker answers each with REQ_REPLY in order. EXEC, SHELL
 * and SUBSYSTEM start the channel's program: at most one per channel.
 * EOF means no more DATA from that side. The worker reports EXIT_STATUS or
 * EXIT_SIGNAL before its EOF and CLOSE. CLOSE from either side ends the
 * channel once the other side has sent its own CLOSE.
 */
#ifndef MSB_MUX_PROTO_H
#define MSB_MUX_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MSB_MUX_VERSION     1u
#define MSB_MUX_MAX_FRAME   (256u * 1024u)
/* Largest DATA/EXT_DATA payload in one frame. */
#define MSB_MUX_MAX_DATA    (64u * 1024u)
/* Credit each side grants a new channel. */
#define MSB_MUX_CHAN_WINDOW (1024u * 1024u)
#define MSB_MUX_MAX_STRING  (64u * 1024u)
#define MSB_MUX_MAX_COMMAND (200u * 1024u)
/* Concurrent channels per connection, both sides: the network child
 * refuses an SSH channel open past it, the worker answers OPEN_FAILURE
 * RESOURCE to a mux open past it and sizes its tables by it. */
#define MSB_MUX_MAX_CHANS   256u

enum msb_mux_msg {
	MSB_MUX_HELLO             = 1,   /* both: version */
	/* network child -> worker */
	MSB_MUX_OPEN_SESSION      = 10,  /* chan */
	MSB_MUX_OPEN_DIRECT_TCPIP = 11,  /* chan, host, port, orig_host, orig_port */
	MSB_MUX_REQ_PTY           = 12,  /* chan, want_reply, term, cols, rows, modes */
	MSB_MUX_REQ_ENV           = 13,  /* chan, want_reply, name, value */
	MSB_MUX_REQ_EXEC          = 14,  /* chan, want_reply, command */
	MSB_MUX_REQ_SHELL         = 15,  /* chan, want_reply */
	MSB_MUX_REQ_SUBSYSTEM     = 16,  /* chan, want_reply, name */
	MSB_MUX_REQ_WINDOW_CHANGE = 17,  /* chan, want_reply(=0), cols, rows */
	MSB_MUX_REQ_SIGNAL        = 18,  /* chan, want_reply(=0), signal name without SIG */
	/* worker -> network child */
	MSB_MUX_OPEN_CONFIRM      = 30,  /* chan */
	MSB_MUX_OPEN_FAILURE      = 31,  /* chan, reason (SSH2_OPEN_*), message */
	MSB_MUX_REQ_REPLY         = 32,  /* chan, ok */
	MSB_MUX_EXT_DATA          = 33,  /* chan, bytes: stderr */
	MSB_MUX_EXIT_STATUS       = 34,  /* chan, code */
	MSB_MUX_EXIT_SIGNAL       = 35,  /* chan, signal name without SIG, core, message */
	/* both ways */
	MSB_MUX_DATA              = 50,  /* chan, bytes */
	MSB_MUX_EOF               = 51,  /* chan */
	MSB_MUX_CLOSE             = 52,  /* chan */
	MSB_MUX_WINDOW            = 53,  /* chan, bytes of credit */
};

/* SSH channel-open failure reasons (RFC 4254 5.1), carried as is. */
#define MSB_MUX_OPEN_PROHIBITED   1u
#define MSB_MUX_OPEN_CONNECT_FAIL 2u
#define MSB_MUX_OPEN_UNKNOWN_TYPE 3u
#define MSB_MUX_OPEN_RESOURCE     4u

/*
 * One decoded message. Which fields are meaningful depends on type, as
 * listed in enum msb_mux_msg; strings point into the frame they were
 * decoded from (no copies: valid until the frame is consumed) and are
 * NUL-free; data/len is the payload of DATA and EXT_DATA, and the terminal
 * modes of REQ_PTY.
 */
struct msb_mux {
	uint8_t type;
	uint32_t chan;
	bool want_reply;          /* requests */
	bool ok;                  /* REQ_REPLY */
	bool core;                /* EXIT_SIGNAL */
	uint32_t version;         /* HELLO */
	uint32_t n;               /* WINDOW bytes, EXIT_STATUS code, OPEN_FAILURE reason */
	uint32_t cols, rows;      /* REQ_PTY, REQ_WINDOW_CHANGE */
	uint32_t port, orig_port; /* OPEN_DIRECT_TCPIP: 1..65535, 0..65535 */
	/* command (EXEC), term (PTY), name (ENV, SUBSYSTEM, EXIT_SIGNAL's and
	 * SIGNAL's signal), host (DIRECT_TCPIP), message (OPEN_FAILURE,
	 * EXIT_SIGNAL) */
	const char *str;
	size_t str_len;
	/* value (ENV), orig_host (DIRECT_TCPIP), message (EXIT_SIGNAL) */
	const char *str2;
	size_t str2_len;
	const uint8_t *data;
	size_t len;
	size_t frame;             /* the whole frame's size, for msb_mux_consume */
};

/*
 * Appends one frame for m (only the fields its type uses). 0, or -1 when
 * a field is over its limit or the buffer would pass its max, leaving out
 * unchanged.
 */
int msb_mux_put(struct msb_buf *out, const struct msb_mux *m);
/*
 * Decodes the first complete frame in in. Returns 1 with m filled (consume
 * it afterwards with msb_mux_consume), 0 when more bytes are needed, -1 on
 * any malformed frame: unknown type, bad length, truncated or trailing
 * body, strings over their limits or holding NUL, sizes over 0xffff,
 * WINDOW of 0, port outside 1..65535.
 */
int msb_mux_get(const struct msb_buf *in, struct msb_mux *m);
void msb_mux_consume(struct msb_buf *in, const struct msb_mux *m);
const char *msb_mux_msg_name(uint8_t type);

#endif
