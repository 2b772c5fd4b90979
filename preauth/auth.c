#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "lib/log.h"
#include "monitor_rpc.h"
#include "msg_fields.h"

static bool
key_type_allowed(enum ssh_keytypes_e t)
{
	switch (t) {
	case SSH_KEYTYPE_ED25519:
	case SSH_KEYTYPE_ECDSA_P256:
	case SSH_KEYTYPE_ECDSA_P384:
	case SSH_KEYTYPE_ECDSA_P521:
	case SSH_KEYTYPE_RSA:  /* signatures restricted to rsa-sha2-* by the bind */
	/* Certificates: libssh checks the signature with the key inside; the
	 * monitor checks the certificate. */
	case SSH_KEYTYPE_ED25519_CERT01:
	case SSH_KEYTYPE_ECDSA_P256_CERT01:
	case SSH_KEYTYPE_ECDSA_P384_CERT01:
	case SSH_KEYTYPE_ECDSA_P521_CERT01:
	case SSH_KEYTYPE_RSA_CERT01:
		return true;
	default:
		return false;
	}
}

/* "type base64", as in authorized_keys; NULL on failure. Free with free(). */
static char *
key_line(ssh_key key)
{
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	char *b64 = NULL;
	char *line = NULL;

	if (type == NULL || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	if (asprintf(&line, "%s %s", type, b64) < 0)
		line = NULL;
	ssh_string_free_char(b64);
	return line;
}

static uint32_t
method_of(ssh_message msg)
{
	switch (ssh_message_subtype(msg)) {
	case SSH_AUTH_METHOD_NONE:
		return MSB_MON_METHOD_NONE;
	case SSH_AUTH_METHOD_PASSWORD:
		return MSB_MON_METHOD_PASSWORD;
	case SSH_AUTH_METHOD_PUBLICKEY:
		return MSB_MON_METHOD_PUBLICKEY;
	case SSH_AUTH_METHOD_INTERACTIVE:
		return MSB_MON_METHOD_KBDINT;
	default:
		return MSB_MON_METHOD_OTHER;
	}
}

/* Sends the request and waits for the monitor's answer (a short exchange). */
static int
ask_monitor(int mon_fd, struct msb_buf *mon_in, const struct msb_mon *req,
    uint32_t *result, uint32_t *tries_left)
{
	struct msb_mon ans;

	if (mon_rpc_write(mon_fd, req) != 0 || mon_rpc_read(mon_fd, mon_in, &ans) != 0)
		return -1;
	if (ans.type != MSB_MON_AUTH_ANSWER) {
		error_f("expected AUTH_ANSWER, got %s", msb_mon_msg_name(ans.type));
		return -1;
	}
	*result = ans.result;
	*tries_left = ans.tries_left;
	msb_mon_consume(mon_in, &ans);
	return 0;
}

static enum auth_outcome
userauth(int mon_fd, struct msb_buf *mon_in, ssh_message msg)
{
	const char *user = ssh_message_auth_user(msg);
	struct msb_mon req = { .type = MSB_MON_AUTH_REQUEST, .method = method_of(msg) };
	char *line = NULL;
	uint32_t result, tries_left;
	enum auth_outcome out = AUTH_CONTINUE;
	int rc = SSH_OK;

	req.user = user != NULL ? user : "";
	req.user_len = strlen(req.user);
	req.key = "";
	if (req.method == MSB_MON_METHOD_PUBLICKEY) {
		ssh_key key = msg_auth_pubkey(msg);
		enum ssh_publickey_state_e st = msg_auth_pubkey_state(msg);

		if (key == NULL || !key_type_allowed(ssh_key_type(key)) ||
		    (st != SSH_PUBLICKEY_STATE_NONE && st != SSH_PUBLICKEY_STATE_VALID)) {
			req.method = MSB_MON_METHOD_OTHER;
		} else if ((line = key_line(key)) == NULL) {
			error_f("cannot encode the client's key");
			ssh_message_free(msg);
			return AUTH_DISCONNECT;
		} else {
			req.key = line;
			req.is_signed = st == SSH_PUBLICKEY_STATE_VALID;
		}
	}
	req.key_len = strlen(req.key);
	if (ask_monitor(mon_fd, mon_in, &req, &result, &tries_left) != 0) {
		out = AUTH_DISCONNECT;
		goto done;
	}
	if (result == MSB_MON_AUTH_ALLOW && req.is_signed) {
		rc = ssh_message_auth_reply_success(msg, 0);
		out = AUTH_DONE;
	} else if (result == MSB_MON_AUTH_FULL && req.is_signed) {
		out = AUTH_FULL;
	} else if (result == MSB_MON_AUTH_OK && req.method == MSB_MON_METHOD_PUBLICKEY &&
	    !req.is_signed) {
		rc = ssh_message_auth_reply_pk_ok_simple(msg);
	} else if (result == MSB_MON_AUTH_DENY) {
		if (ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_PUBLICKEY) != SSH_OK)
			rc = SSH_ERROR;
		else
			rc = ssh_message_reply_default(msg);
		if (tries_left == 0) {
			verbose_f("no authentication attempts left");
			out = AUTH_DISCONNECT;
		}
	} else {
		error_f("monitor answered %u to method %u (signed %d)", result, req.method,
		    req.is_signed);
		out = AUTH_DISCONNECT;
	}
	if (rc != SSH_OK)
		out = AUTH_DISCONNECT;
done:
	free(line);
	ssh_message_free(msg);
	return out;
}

enum auth_outcome
preauth_auth_message(int mon_fd, struct msb_buf *mon_in, ssh_message msg)
{
	if (ssh_message_type(msg) == SSH_REQUEST_AUTH)
		return userauth(mon_fd, mon_in, msg);
	/* The service request for ssh-userauth gets its success here; channel
	 * opens and global requests before authentication get refused. */
	enum auth_outcome out = ssh_message_reply_default(msg) == SSH_OK ?
	    AUTH_CONTINUE : AUTH_DISCONNECT;
	ssh_message_free(msg);
	return out;
}
