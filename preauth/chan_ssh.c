#include "config.h"

#include <string.h>

#include "chan_ssh.h"
#include "channels.h"
#include "lib/log.h"
#include "msg_fields.h"
#include "lib/mux_proto.h"

static void
refuse(struct chan_relay *r, ssh_message msg)
{
	if (chan_ssh_reply(msg, false) != 0)
		r->failed = true;
}

static void
channel_open(struct chan_relay *r, ssh_message msg)
{
	int subtype = ssh_message_subtype(msg);
	struct msb_mux m = { .type = MSB_MUX_OPEN_SESSION };

	if (subtype != SSH_CHANNEL_SESSION && subtype != SSH_CHANNEL_DIRECT_TCPIP) {
		verbose_f("refusing a channel open of type %d", subtype);
		refuse(r, msg);
		return;
	}
	if (subtype == SSH_CHANNEL_DIRECT_TCPIP) {
		const char *host = ssh_message_channel_request_open_destination(msg);
		const char *orig = ssh_message_channel_request_open_originator(msg);
		int port = ssh_message_channel_request_open_destination_port(msg);
		int oport = ssh_message_channel_request_open_originator_port(msg);

		if (host == NULL || orig == NULL || port < 1 || port > 65535 ||
		    oport < 0 || oport > 65535) {
			refuse(r, msg);
			return;
		}
		m.type = MSB_MUX_OPEN_DIRECT_TCPIP;
		m.str = host;
		m.str_len = strlen(host);
		m.port = (uint32_t)port;
		m.str2 = orig;
		m.str2_len = strlen(orig);
		m.orig_port = (uint32_t)oport;
	}
	chan_relay_open(r, msg, &m);
}

/* The request as its mux frame (the channel id left to the relay); false: not one we relay. */
static bool
request_frame(ssh_message msg, struct msb_mux *m)
{
	const char *s, *v;

	/* libssh 0.10 does not tell us the client's want_reply; it drops our
	 * reply itself when none was wanted, so the worker answers each. */
	m->want_reply = true;
	switch (ssh_message_subtype(msg)) {
	case SSH_CHANNEL_REQUEST_PTY:
		m->type = MSB_MUX_REQ_PTY;
		s = msg_pty_term(msg);
		if (s == NULL || msg_pty_cols(msg) < 0 || msg_pty_rows(msg) < 0)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		m->cols = (uint32_t)msg_pty_cols(msg);
		m->rows = (uint32_t)msg_pty_rows(msg);
		return true;
	case SSH_CHANNEL_REQUEST_ENV:
		m->type = MSB_MUX_REQ_ENV;
		s = ssh_message_channel_request_env_name(msg);
		v = ssh_message_channel_request_env_value(msg);
		if (s == NULL || v == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		m->str2 = v;
		m->str2_len = strlen(v);
		return true;
	case SSH_CHANNEL_REQUEST_EXEC:
		m->type = MSB_MUX_REQ_EXEC;
		s = ssh_message_channel_request_command(msg);
		if (s == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		return true;
	case SSH_CHANNEL_REQUEST_SHELL:
		m->type = MSB_MUX_REQ_SHELL;
		return true;
	case SSH_CHANNEL_REQUEST_SUBSYSTEM:
		m->type = MSB_MUX_REQ_SUBSYSTEM;
		s = ssh_message_channel_request_subsystem(msg);
		if (s == NULL)
			return false;
		m->str = s;
		m->str_len = strlen(s);
		return true;
	default:
		return false;
	}
}

/* false: a size the mux cannot carry. */
static bool
window_change_frame(ssh_message msg, struct msb_mux *m)
{
	m->type = MSB_MUX_REQ_WINDOW_CHANGE;
	if (msg_pty_cols(msg) < 0 || msg_pty_rows(msg) < 0)
		return false;
	m->cols = (uint32_t)msg_pty_cols(msg);
	m->rows = (uint32_t)msg_pty_rows(msg);
	return true;
}

static void
channel_request(struct chan_relay *r, ssh_message msg)
{
	ssh_channel ch = ssh_message_channel_request_channel(msg);
	struct msb_mux m = { 0 };

	if (ssh_message_subtype(msg) == SSH_CHANNEL_REQUEST_WINDOW_CHANGE)
		chan_relay_window_change(r, msg, ch, window_change_frame(msg, &m) ? &m : NULL);
	else
		chan_relay_request(r, msg, ch, request_frame(msg, &m) ? &m : NULL);
}

void
chan_relay_message(struct chan_relay *r, ssh_message msg)
{
	r->activity = true;
	switch (ssh_message_type(msg)) {
	case SSH_REQUEST_CHANNEL_OPEN:
		channel_open(r, msg);
		return;
	case SSH_REQUEST_CHANNEL:
		channel_request(r, msg);
		return;
	default:
		/* Global requests (tcpip-forward, streamlocal-forward, ...) and
		 * anything late: the standard refusal. */
		verbose_f("refusing request of type %d/%d", ssh_message_type(msg),
		    ssh_message_subtype(msg));
		refuse(r, msg);
		return;
	}
}

/* The effects channels.c acts through (chan_ssh.h). */

int
chan_ssh_reply(ssh_message msg, bool ok)
{
	int rc = ok ? ssh_message_channel_request_reply_success(msg) :
	    ssh_message_reply_default(msg);

	ssh_message_free(msg);
	return rc == SSH_OK ? 0 : -1;
}

void
chan_ssh_drop(ssh_message msg)
{
	ssh_message_free(msg);
}

ssh_channel
chan_ssh_accept(ssh_message open, struct ssh_channel_callbacks_struct *cb)
{
	ssh_channel ch = ssh_message_channel_request_open_reply_accept(open);

	ssh_message_free(open);
	if (ch == NULL) {
		error_f("accepting the open failed");
		return NULL;
	}
	if (ssh_set_channel_callbacks(ch, cb) != SSH_OK) {
		error_f("cannot set callbacks");
		ssh_channel_free(ch);
		return NULL;
	}
	return ch;
}

void
chan_ssh_free(ssh_channel ch, struct ssh_channel_callbacks_struct *cb)
{
	/* libssh keeps the channel until the client's CLOSE arrives and would
	 * call the callbacks then: detach them first. */
	ssh_remove_channel_callbacks(ch, cb);
	ssh_channel_free(ch);
}

int
chan_ssh_held(ssh_channel ch)
{
	return ssh_channel_poll(ch, 0);
}

int
chan_ssh_read(ssh_channel ch, void *buf, uint32_t len)
{
	return ssh_channel_read_nonblocking(ch, buf, len, 0);
}

uint32_t
chan_ssh_window(ssh_channel ch)
{
	return ssh_channel_window_size(ch);
}

int
chan_ssh_write(ssh_channel ch, const void *buf, uint32_t len, bool is_stderr)
{
	return is_stderr ? ssh_channel_write_stderr(ch, buf, len) :
	    ssh_channel_write(ch, buf, len);
}

const char *
chan_ssh_error(ssh_channel ch)
{
	return ssh_get_error(ssh_channel_get_session(ch));
}

int
chan_ssh_exit_status(ssh_channel ch, uint32_t code)
{
	return ssh_channel_request_send_exit_status(ch, (int)code) == SSH_OK ? 0 : -1;
}

int
chan_ssh_exit_signal(ssh_channel ch, const char *sig, bool core, const char *message)
{
	return ssh_channel_request_send_exit_signal(ch, sig, core, message, "") == SSH_OK ?
	    0 : -1;
}

int
chan_ssh_eof(ssh_channel ch)
{
	return ssh_channel_send_eof(ch) == SSH_OK ? 0 : -1;
}

int
chan_ssh_close(ssh_channel ch)
{
	return ssh_channel_close(ch) == SSH_OK ? 0 : -1;
}
