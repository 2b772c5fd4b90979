/*
 * The channel relay's side of libssh, split from its state machine the way
 * monitor/mon_conn.h splits the monitor's handlers from its process.
 *
 * chan_relay_message() reads a client's channel open or request out of
 * libssh's message and hands it to channels.c as the mux frame that would
 * carry it. channels.c in turn acts on the SSH connection only through the
 * chan_ssh_* effects below, which chan_ssh.c defines over libssh; the fuzz
 * target fuzz_preauth_mux defines them over a model client instead, to run
 * the real state machine fed by a hostile session worker. Messages and
 * channels are libssh's handles, opaque to channels.c; libssh reaches
 * channels.c back through the channel callbacks it registers on accept.
 */
#ifndef MSB_PREAUTH_CHAN_SSH_H
#define MSB_PREAUTH_CHAN_SSH_H

#include <stdbool.h>
#include <stdint.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

struct chan_relay;

/* Takes ownership of msg (a channel open, channel request or global request). */
void chan_relay_message(struct chan_relay *r, ssh_message msg);

/*
 * Answers a client's channel open (ok false only) or channel request:
 * success or the standard refusal, then frees msg. 0, or -1 when the
 * answer could not be queued.
 */
int chan_ssh_reply(ssh_message msg, bool ok);
/* Frees msg unanswered: it wants no answer, or its channel is gone. */
void chan_ssh_drop(ssh_message msg);
/*
 * Accepts the open and registers cb (which must outlive the channel) on the
 * new channel; frees open. The channel, or NULL (logged).
 */
ssh_channel chan_ssh_accept(ssh_message open, struct ssh_channel_callbacks_struct *cb);
/* Detaches cb, so libssh never calls it again, and frees the channel. */
void chan_ssh_free(ssh_channel ch, struct ssh_channel_callbacks_struct *cb);
/* Bytes the client sent that the relay did not take yet; < 0 on error. */
int chan_ssh_held(ssh_channel ch);
/* Takes up to len of them: how many, or -1. */
int chan_ssh_read(ssh_channel ch, void *buf, uint32_t len);
/* What the client's window lets us write now. */
uint32_t chan_ssh_window(ssh_channel ch);
/* Writes up to len bytes (stderr: as extended data): how many went, or -1. */
int chan_ssh_write(ssh_channel ch, const void *buf, uint32_t len, bool is_stderr);
/* The connection's last error, for a log line. */
const char *chan_ssh_error(ssh_channel ch);
/* The rest return 0, or -1 when it could not be sent. */
int chan_ssh_exit_status(ssh_channel ch, uint32_t code);
/* sig without "SIG" */
int chan_ssh_exit_signal(ssh_channel ch, const char *sig, bool core, const char *message);
int chan_ssh_eof(ssh_channel ch);
int chan_ssh_close(ssh_channel ch);

#endif
