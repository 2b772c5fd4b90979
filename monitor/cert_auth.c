#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_auth.h"
#include "cert_verify.h"
#include "lib/ssh_cert.h"

int
msb_cert_authorize(const uint8_t *blob, size_t len, const struct msb_cert_ca *cas,
    size_t ncas, const struct msb_cert_request *req, struct msb_cert_verdict *v)
{
	const char *why = NULL;
	/* Over 6 KiB of fixed arrays: off the stack, and freed whatever happens. */
	struct msb_ssh_cert *c = malloc(sizeof(*c));
	const struct msb_cert_ca *ca = NULL;
	int r = -1;

	memset(v, 0, sizeof(*v));
	v->ca_index = -1;
	if (c == NULL) {
		snprintf(v->reason, sizeof(v->reason), "out of memory");
		return -1;
	}
	if (msb_ssh_cert_parse(blob, len, c, &why) != 0) {
		snprintf(v->reason, sizeof(v->reason), "malformed certificate: %s", why);
		goto out;
	}
	msb_cert_verdict_identify(c, v);
	for (size_t i = 0; i < ncas && ca == NULL; i++) {
		if (cas[i].len == c->ca_blob.n && memcmp(cas[i].blob, c->ca_blob.p, c->ca_blob.n) == 0)
			ca = &cas[i];
	}
	if (ca == NULL) {
		snprintf(v->reason, sizeof(v->reason), "certificate signed by an untrusted CA");
		goto out;
	}
	if (msb_cert_verify(c, &why) != 0) {
		snprintf(v->reason, sizeof(v->reason), "%s", why);
		goto out;
	}
	r = msb_cert_policy(c, req, ca->principals, v);
	v->ca_index = (long)(ca - cas);
out:
	free(c);
	return r;
}
