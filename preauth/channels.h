/*
 * After authentication: every SSH channel of the connection relayed to the
 * session worker over the mux, with flow control end to end. libssh
 * callbacks only record what happened; chan_relay_pump() acts on it from
 * the top of the event loop, so nothing is freed under a callback.
 *
 * This is the state machine alone: it meets libssh only through
 * chan_ssh.h, which turns the client's messages into the calls below and
 * carries out what the relay does to the SSH connection.
 */
#ifndef MSB_PREAUTH_CHANNELS_H
#define MSB_PREAUTH_CHANNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "chan_ssh.h"
#include "mux_link.h"

struct pchan;

struct chan_relay {
	struct mux_link mux;
	struct pchan *chans;
	unsigned nchans;
	uint32_t next_id;
	bool hello_seen;
	bool failed;     /* protocol error: end the connection */
	bool activity;   /* set on traffic; the loop clears it */
};

void chan_relay_init(struct chan_relay *r, int mux_fd);
void chan_relay_free(struct chan_relay *r);
/* Sends HELLO: the transport is authenticated from here on. */
void chan_relay_start(struct chan_relay *r);
/*
 * A client's channel open, as the OPEN_SESSION or OPEN_DIRECT_TCPIP frame
 * that carries it (its channel id left to the relay). Takes ownership of
 * msg, which it answers once the worker did.
 */
void chan_relay_open(struct chan_relay *r, ssh_message msg, const struct msb_mux *open);
/*
 * A client's request on channel ch, as its REQ_* frame (channel id left to
 * the relay), or NULL for one the relay refuses. Takes ownership of msg and
 * answers it in its turn: requests are answered in the order they came.
 */
void chan_relay_request(struct chan_relay *r, ssh_message msg, ssh_channel ch,
    const struct msb_mux *req);
/* A window-change notice on ch (no answer), or NULL for a size it cannot carry. */
void chan_relay_window_change(struct chan_relay *r, ssh_message msg, ssh_channel ch,
    const struct msb_mux *wc);
/* Decodes and applies every complete frame the worker sent. */
void chan_relay_mux_input(struct chan_relay *r);
/*
 * Moves data both ways as far as windows and credits allow, delivers
 * EOF/exit/close in order, frees finished channels. Returns true when it
 * did something that may let more happen without new input.
 */
bool chan_relay_pump(struct chan_relay *r);

#endif
