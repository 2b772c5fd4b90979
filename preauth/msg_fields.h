/*
 * Fields of libssh messages that libssh 0.10 only exposes through getters
 * it marks deprecated (in favour of callbacks that reply synchronously).
 * The network child must own each message until the monitor or the
 * session worker has answered, so it reads them here, in one place.
 */
#ifndef MSB_PREAUTH_MSG_FIELDS_H
#define MSB_PREAUTH_MSG_FIELDS_H

#include <libssh/libssh.h>
#include <libssh/server.h>

ssh_key msg_auth_pubkey(ssh_message msg);
enum ssh_publickey_state_e msg_auth_pubkey_state(ssh_message msg);
const char *msg_pty_term(ssh_message msg);
int msg_pty_cols(ssh_message msg);
int msg_pty_rows(ssh_message msg);

#endif
