/*
 * The login's handling in the monitor: one AUTH_REQUEST from the network
 * child, decided against the sandbox's keys and certificate authorities
 * (tenant_keys.h), with OpenSSH's accounting of attempts and sshd's fixed
 * delay on refusals. What the process then does (start the session worker,
 * close) goes through the effects of mon_conn.h.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cert_verify.h"
#include "listener.h"
#include "mon_conn.h"
#include "host/sandbox.h"
#include "lib/ssh_cert.h"
#include "tenant_cert.h"

static const char *
method_name(uint32_t method)
{
	switch (method) {
	case MSB_MON_METHOD_NONE: return "none";
	case MSB_MON_METHOD_PASSWORD: return "password";
	case MSB_MON_METHOD_PUBLICKEY: return "publickey";
	case MSB_MON_METHOD_KBDINT: return "keyboard-interactive";
	default: return "other";
	}
}

static void
answer(struct mon *m, uint32_t result)
{
	unsigned left = m->failures < m->o->max_tries ? m->o->max_tries - m->failures : 0;
	struct msb_mon a = { .type = MSB_MON_AUTH_ANSWER, .result = result, .tries_left = left };

	if (mon_send(m->pre.fd, &a) != 0) {
		msb_audit("the preauth child stopped reading; closing the connection");
		mon_close(m, MSB_MONITOR_EXIT_AUTH_FAIL);
	}
}

/*
 * A certificate: checked here, never in the network child, against the CAs
 * this sandbox trusts. Returns the answer.
 */
static uint32_t
certificate(struct mon *m, const struct msb_mon *req, const uint8_t *blob, size_t len)
{
	struct msb_cert_request cr = {
		.now = (uint64_t)time(NULL), .login = m->user,
		.sandbox = m->sandbox != NULL ? m->sandbox : m->route.sandbox,
		.addr = m->peer,
	};
	struct msb_cert_verdict v;
	struct msb_authkey granted;
	const struct msb_authkey *ca = NULL;
	enum tenant_key_source src = TENANT_KEYS_SANDBOX;
	char type[64];

	msb_log_escape(type, sizeof(type), req->key, strcspn(req->key, " "));
	int rc = tenant_keys_cert(&m->keys, blob, len, &cr, &granted, &ca, &src, &v);
	if (rc == 0 && m->sandbox == NULL) {
		msb_authkey_free(&granted);
		snprintf(v.reason, sizeof(v.reason), "no such sandbox");
		rc = -1;
	}
	if (rc != 0) {
		msb_audit("rejected certificate for %s: %s ID \"%s\" serial %llu CA %s (%s)",
		    m->user_log, type, v.key_id, (unsigned long long)v.serial,
		    v.ca_fingerprint[0] != '\0' ? v.ca_fingerprint : "?", v.reason);
		msb_cert_verdict_free(&v);
		return MSB_MON_AUTH_DENY;
	}
	if (!req->is_signed) {
		verbose_f("certificate ID \"%s\" acceptable for %s", v.key_id, m->user_log);
		msb_authkey_free(&granted);
		msb_cert_verdict_free(&v);
		return MSB_MON_AUTH_OK;
	}
	msb_audit("accepted certificate for %s: %s ID \"%s\" serial %llu CA %s (%s line %u)%s%s",
	    m->user_log, type, v.key_id, (unsigned long long)v.serial, v.ca_fingerprint,
	    m->keys.path[src], ca->line, granted.command != NULL ? ", forced command" : "",
	    granted.no_pty ? ", no pty" : "");
	if (msb_cert_fingerprint(blob, len, m->rec.key_fp, sizeof(m->rec.key_fp)) != 0)
		snprintf(m->rec.key_fp, sizeof(m->rec.key_fp), "certificate");
	msb_authkey_free(&m->cert_key);
	m->cert_key = granted;
	m->key = &m->cert_key;
	msb_cert_verdict_free(&v);
	return MSB_MON_AUTH_ALLOW;
}

/* Decides one publickey request; returns the answer. */
static uint32_t
publickey(struct mon *m, const struct msb_mon *req)
{
	char *text = strndup(req->key, req->key_len);
	char fp[128] = "?";
	const char *why = NULL;
	ssh_key key = NULL;
	uint8_t blob[MSB_SSH_CERT_BLOB_MAX];
	size_t blen = 0;

	if (text == NULL)
		fatal_f("out of memory");
	if (msb_ssh_cert_from_line(text, strlen(text), blob, sizeof(blob), &blen, &why) == 0 &&
	    msb_ssh_cert_is_cert(blob, blen)) {
		free(text);
		return certificate(m, req, blob, blen);
	}
	if (msb_pubkey_parse(text, &key, &why) != 0) {
		char esc[64];
		msb_audit("rejected publickey for %s: %s key (%s)", m->user_log,
		    msb_log_escape(esc, sizeof(esc), text, strcspn(text, " ")), why);
		free(text);
		return MSB_MON_AUTH_DENY;
	}
	free(text);
	if (msb_key_fingerprint(key, fp, sizeof(fp)) != 0)
		snprintf(fp, sizeof(fp), "?");
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	enum tenant_key_source src = TENANT_KEYS_SANDBOX;
	const struct msb_authkey *k = tenant_keys_find(&m->keys, key, m->peer, &src, &why);
	ssh_key_free(key);
	/* The same work and the same answer as a key that is not authorized. */
	if (m->sandbox == NULL) {
		k = NULL;
		why = "no such sandbox";
	}
	if (k == NULL) {
		msb_audit("rejected publickey for %s: %s %s (%s)", m->user_log, type, fp, why);
		return MSB_MON_AUTH_DENY;
	}
	if (!req->is_signed) {
		verbose_f("publickey %s %s acceptable for %s (line %u)", type, fp, m->user_log, k->line);
		return MSB_MON_AUTH_OK;
	}
	msb_audit("accepted publickey for %s: %s %s (%s line %u)", m->user_log, type, fp,
	    m->keys.path[src], k->line);
	m->key = k;
	snprintf(m->rec.key_fp, sizeof(m->rec.key_fp), "%s", fp);
	return MSB_MON_AUTH_ALLOW;
}

/*
 * The gateway's sandbox: the one the login name names, if it exists. One
 * that does not is answered as a wrong key is, with the same work done.
 */
static void
route(struct mon *m)
{
	if (!m->o->all)
		return;
	if (login_route_parse(m->user, strlen(m->user), &m->route) == 0 &&
	    sandbox_exists(m->route.sandbox)) {
		m->sandbox = m->route.sandbox;
		msb_audit_sandbox(m->sandbox);
	} else {
		verbose_f("login %s names no sandbox", m->user_log);
	}
}

/* The keys that may open the sandbox (none of its own for one that does not exist). */
int
mon_load_keys(struct mon *m)
{
	char own[PATH_MAX] = "";

	m->keys_loaded = true;
	if (m->sandbox != NULL && sandbox_path(own, sizeof(own), m->sandbox, "authorized_keys") != 0)
		return -1;
	return tenant_keys_load(&m->keys, own, m->o->authorized_keys, m->o->authorized_keys_fd,
	    m->o->trusted_user_ca_keys);
}

const char *
mon_auth_request(struct mon *m, const struct msb_mon *req)
{
	/* From the request's arrival: the keys read for it are part of the answer's time. */
	int64_t start = fail_delay_now_us();

	if (req->user_len == 0 || req->user_len > MON_USER_MAX)
		return "user name empty or too long";
	if (m->user == NULL) {
		if ((m->user = strndup(req->user, req->user_len)) == NULL)
			fatal_f("out of memory");
		msb_log_escape(m->user_log, sizeof(m->user_log), req->user, req->user_len);
	} else if (strlen(m->user) != req->user_len || memcmp(m->user, req->user, req->user_len) != 0) {
		return "user changed during authentication";
	}
	if (!m->keys_loaded) {
		route(m);
		if (mon_load_keys(m) != 0) {
			msb_audit("cannot read the keys for %s; closing the connection", m->user_log);
			mon_close(m, 1);
			return NULL;
		}
	}

	uint32_t result = MSB_MON_AUTH_DENY;
	/* As OpenSSH: a client's opening "none" request is a query, not an attempt. */
	bool counted = !(req->method == MSB_MON_METHOD_NONE && !m->seen_request);
	m->seen_request = true;
	if (req->method == MSB_MON_METHOD_PUBLICKEY) {
		result = publickey(m, req);
	} else if (counted) {
		msb_audit("rejected %s for %s: only publickey is accepted", method_name(req->method),
		    m->user_log);
	}
	if (result == MSB_MON_AUTH_DENY && counted)
		m->failures++;
	/* Every refused attempt takes the login's fixed time; for the gateway,
	 * which reads the sandbox's keys at the opening "none" query, that
	 * query's refusal too. */
	if (result == MSB_MON_AUTH_DENY && (counted || m->o->all))
		fail_delay_wait(start, fail_delay_us(&m->delay, m->user));
	if (result == MSB_MON_AUTH_DENY && m->failures >= m->o->max_tries) {
		/* Logged before the answer: the client may see its cut-off no sooner. */
		msb_audit("too many authentication failures for %s (%u); closing the connection",
		    m->user_log, m->failures);
		answer(m, result);
		mon_close(m, MSB_MONITOR_EXIT_AUTH_FAIL);
		return NULL;
	}
	if (result == MSB_MON_AUTH_ALLOW && m->phase == PH_PREAUTH && !mon_admitted(m)) {
		msb_audit("refused %s: sandbox '%s' has all the connections it may have "
		    "(--max-connections); closing the connection", m->user_log, m->sandbox);
		answer(m, MSB_MON_AUTH_FULL);
		mon_close_after_preauth(m, MSB_MONITOR_EXIT_FULL);
		return NULL;
	}
	answer(m, result);
	if (result == MSB_MON_AUTH_ALLOW && m->phase == PH_PREAUTH)
		mon_authenticated(m);
	return NULL;
}
