/*
 * After authentication: every SSH channel of the connection relayed to the
 * session worker over the mux, with flow control end to end. libssh
 * callbacks only record what happened; chan_relay_pump() acts on it from
 * the top of the event loop, so nothing is freed under a callback.
 */
#ifndef MSB_PREAUTH_CHANNELS_H
#define MSB_PREAUTH_CHANNELS_H

#include <stdbool.h>
#include <stdint.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "mux_link.h"

struct pchan;

struct chan_relay {
	ssh_session session;
	struct mux_link mux;
	struct pchan *chans;
	unsigned nchans;
	uint32_t next_id;
	bool hello_seen;
	bool failed;     /* protocol error: end the connection */
	bool activity;   /* set on traffic; the loop clears it */
};

void chan_relay_init(struct chan_relay *r, ssh_session session, int mux_fd);
void chan_relay_free(struct chan_relay *r);
/* Sends HELLO: the transport is authenticated from here on. */
void chan_relay_start(struct chan_relay *r);
/* Takes ownership of msg (a channel open, channel request or global request). */
void chan_relay_message(struct chan_relay *r, ssh_message msg);
/* Decodes and applies every complete frame the worker sent. */
void chan_relay_mux_input(struct chan_relay *r);
/*
 * Moves data both ways as far as windows and credits allow, delivers
 * EOF/exit/close in order, frees finished channels. Returns true when it
 * did something that may let more happen without new input.
 */
bool chan_relay_pump(struct chan_relay *r);

#endif
