#include "config.h"

#include "msg_fields.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

ssh_key
msg_auth_pubkey(ssh_message msg)
{
	return ssh_message_auth_pubkey(msg);
}

enum ssh_publickey_state_e
msg_auth_pubkey_state(ssh_message msg)
{
	return ssh_message_auth_publickey_state(msg);
}

const char *
msg_pty_term(ssh_message msg)
{
	return ssh_message_channel_request_pty_term(msg);
}

int
msg_pty_cols(ssh_message msg)
{
	return ssh_message_channel_request_pty_width(msg);
}

int
msg_pty_rows(ssh_message msg)
{
	return ssh_message_channel_request_pty_height(msg);
}

#pragma GCC diagnostic pop
