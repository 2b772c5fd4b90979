#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_auth.h"
#include "host/from_match.h"
#include "tenant_cert.h"

/*
 * The CA line's own options with the certificate's, as sshd merges them:
 * each restriction of either applies, and two forced commands must agree.
 */
static int
merge(const struct msb_authkey *ca, struct msb_cert_verdict *v, struct msb_authkey *out)
{
	memset(out, 0, sizeof(*out));
	out->no_pty = ca->no_pty || !v->permit_pty;
	out->no_port_forwarding = ca->no_port_forwarding || !v->permit_port_forwarding;
	out->line = ca->line;
	if (ca->command != NULL && v->force_command != NULL &&
	    strcmp(ca->command, v->force_command) != 0) {
		snprintf(v->reason, sizeof(v->reason),
		    "the certificate's force-command and the CA line's command= differ");
		return -1;
	}
	const char *cmd = v->force_command != NULL ? v->force_command : ca->command;
	if (cmd != NULL && (out->command = strdup(cmd)) == NULL) {
		snprintf(v->reason, sizeof(v->reason), "out of memory");
		return -1;
	}
	return 0;
}

int
tenant_keys_cert(const struct tenant_keys *t, const uint8_t *blob, size_t len,
    const struct msb_cert_request *req, struct msb_authkey *out,
    const struct msb_authkey **ca, enum tenant_key_source *src, struct msb_cert_verdict *v)
{
	size_t n = tenant_keys_count(t), ncas = 0;
	struct msb_cert_ca *cas = calloc(n > 0 ? n : 1, sizeof(*cas));
	const struct msb_authkey **owner = calloc(n > 0 ? n : 1, sizeof(*owner));
	enum tenant_key_source *from = calloc(n > 0 ? n : 1, sizeof(*from));
	int rc = -1;

	memset(v, 0, sizeof(*v));
	if (cas == NULL || owner == NULL || from == NULL) {
		snprintf(v->reason, sizeof(v->reason), "out of memory");
		goto out;
	}
	/* The sandbox's CAs first: their principals= lists are the narrower. A
	 * CA line whose from= does not admit the client is not offered. */
	for (int i = 0; i < TENANT_KEYS_N; i++) {
		for (size_t j = 0; j < t->set[i].n; j++) {
			const struct msb_authkey *k = &t->set[i].keys[j];
			if (!k->cert_authority || (k->from != NULL && !msb_from_allows(k->from, req->addr)))
				continue;
			cas[ncas] = (struct msb_cert_ca){ k->blob, k->blob_len, k->principals };
			owner[ncas] = k;
			from[ncas++] = (enum tenant_key_source)i;
		}
	}
	if (msb_cert_authorize(blob, len, cas, ncas, req, v) != 0)
		goto out;
	*ca = owner[v->ca_index];
	*src = from[v->ca_index];
	rc = merge(*ca, v, out);
out:
	free(cas);
	free(owner);
	free(from);
	return rc;
}
