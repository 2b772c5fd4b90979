/*
 * Authentication: every userauth attempt goes to the monitor as an
 * AUTH_REQUEST; only its AUTH_ANSWER decides. Public keys only.
 */
#ifndef MSB_PREAUTH_AUTH_H
#define MSB_PREAUTH_AUTH_H

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "lib/buf.h"

enum auth_outcome {
	AUTH_CONTINUE,      /* answered; wait for the next attempt */
	AUTH_DONE,          /* the monitor allowed a signed public key */
	AUTH_DISCONNECT,    /* tries exhausted, monitor gone, or a protocol error */
	AUTH_FULL,          /* allowed, but the sandbox has all the connections it may */
};

/* Handles one message before authentication; takes ownership of msg. */
enum auth_outcome preauth_auth_message(int mon_fd, struct msb_buf *mon_in, ssh_message msg);

#endif
