/*
 * What an OpenSSH user certificate lets its holder do, decided in the
 * monitor after the CA's signature verified (cert_verify.h). A pure function
 * of the decoded certificate and the request: no clock, no files, no log.
 *
 * Accepted only: a user certificate, valid at now (valid after <= now <
 * valid before), with a principal in the CA line's principals="..." list,
 * or without such a list a principal equal to the sandbox name or the login
 * name; a certificate without principals is refused, as sshd refuses it.
 * Critical options are a table: force-command (returned) and source-address
 * (enforced against the client's address); any other refuses the
 * certificate. Extensions are a table too: permit-pty and
 * permit-port-forwarding become flags; others are ignored, as OpenSSH
 * ignores unknown ones (msb has no X11, agent forwarding or rc files).
 */
#ifndef MSB_CERT_POLICY_H
#define MSB_CERT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "cert_verify.h"
#include "lib/ssh_cert.h"

#define MSB_CERT_REASON_MAX 512
#define MSB_CERT_KEY_ID_LOG_MAX 256

struct msb_cert_request {
	uint64_t now;         /* seconds since the epoch */
	const char *login;    /* the login name as the client sent it (SANDBOX or USER+SANDBOX) */
	const char *sandbox;  /* the sandbox the login name picked */
	const char *addr;     /* the client's numeric address, or NULL (no network peer) */
};

struct msb_cert_verdict {
	/* For the audit log, set whenever the certificate decoded (accepted or not). */
	char key_id[MSB_CERT_KEY_ID_LOG_MAX];  /* escaped (msb_log_escape), may be cut */
	uint64_t serial;
	char ca_fingerprint[MSB_CERT_FP_MAX];  /* "SHA256:...", as ssh-keygen -l prints */
	/* msb_cert_authorize: the index of the CA that decided, or -1 (none trusted). */
	long ca_index;
	/* On acceptance. */
	char *force_command;  /* the force-command critical option, or NULL; heap */
	bool permit_pty;
	bool permit_port_forwarding;
	/* On refusal: why, for the log; untrusted text in it is escaped. */
	char reason[MSB_CERT_REASON_MAX];
};

/*
 * Applies the policy to a decoded certificate whose signature the caller
 * verified. principals is the matching cert-authority line's principals=
 * list (comma-separated, exact names), or NULL. Returns 0 (accepted, v
 * filled) or -1 (refused, v->reason set, v->force_command NULL). Either
 * way release v with msb_cert_verdict_free.
 */
int msb_cert_policy(const struct msb_ssh_cert *c, const struct msb_cert_request *req,
    const char *principals, struct msb_cert_verdict *v);
void msb_cert_verdict_free(struct msb_cert_verdict *v);

/* Fills v's audit fields (key id, serial, CA fingerprint) from c. */
void msb_cert_verdict_identify(const struct msb_ssh_cert *c, struct msb_cert_verdict *v);

#endif
