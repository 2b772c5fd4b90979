/*
 * libFuzzer target for OpenSSH certificates as the monitor would meet them:
 * the codec, then (for what decodes) the CA signature check with libcrypto
 * and the policy, as msb_cert_authorize runs them. The input is a blob from
 * an exact-size heap copy so any over-read trips ASan, and the same bytes
 * as an OpenSSH key line. Oracles: whatever decodes points inside the
 * input, respects every documented limit and ordering, and is recognised
 * as a certificate; the policy's answers are terminated strings, a reason
 * exactly when it refuses; a line that decodes yields a blob that fits.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cert_policy.h"
#include "monitor/cert_verify.h"
#include "lib/ssh_cert.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

static bool
inside(struct msb_ssh_bytes b)
{
	return b.n == 0 || (b.p >= lo && b.p <= hi && b.n <= (size_t)(hi - b.p));
}

static bool
no_nul(struct msb_ssh_bytes b)
{
	return b.n == 0 || memchr(b.p, '\0', b.n) == NULL;
}

static bool
before(struct msb_ssh_bytes a, struct msb_ssh_bytes b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int r = n == 0 ? 0 : memcmp(a.p, b.p, n);

	return r < 0 || (r == 0 && a.n < b.n);
}

static void
check_options(const struct msb_ssh_cert_option *o, size_t n)
{
	EXPECT(n <= MSB_SSH_CERT_OPTIONS_MAX);
	for (size_t i = 0; i < n; i++) {
		EXPECT(inside(o[i].name) && inside(o[i].data) && no_nul(o[i].name));
		EXPECT(i == 0 || before(o[i - 1].name, o[i].name));
	}
}

static void
check_decoded(const struct msb_ssh_cert *c, size_t size)
{
	EXPECT(c->blob.n == size && c->signed_len < size);
	EXPECT(msb_ssh_cert_is_cert(c->blob.p, c->blob.n));
	EXPECT(inside(c->nonce) && inside(c->key.a) && inside(c->key.b) && inside(c->key_id));
	EXPECT(no_nul(c->key_id));
	EXPECT(c->type == MSB_SSH_CERT_TYPE_USER || c->type == MSB_SSH_CERT_TYPE_HOST);
	EXPECT(c->nprincipals <= MSB_SSH_CERT_PRINCIPALS_MAX);
	for (size_t i = 0; i < c->nprincipals; i++)
		EXPECT(inside(c->principals[i]) && no_nul(c->principals[i]));
	check_options(c->critical, c->ncritical);
	check_options(c->extensions, c->nextensions);
	EXPECT(inside(c->reserved) && inside(c->ca_blob) && inside(c->ca.a) && inside(c->ca.b));
	EXPECT(c->ca_blob.p + c->ca_blob.n <= c->blob.p + c->signed_len);
	EXPECT(inside(c->sig) && inside(c->sig_r) && inside(c->sig_s));
	EXPECT(c->sig.p >= c->blob.p + c->signed_len);
	EXPECT(c->sig_alg != 0);
}

static void
run_policy(const struct msb_ssh_cert *c)
{
	static const struct msb_cert_request reqs[] = {
		{ .now = 1700000000, .login = "alice+devbox", .sandbox = "devbox", .addr = "192.0.2.1" },
		{ .now = 0, .login = "a", .sandbox = "a", .addr = "2001:db8::1" },
		{ .now = UINT64_MAX, .login = "root", .sandbox = "b", .addr = NULL },
	};
	static const char *const principals[] = { NULL, "a,devbox,,x" };

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		for (size_t k = 0; k < 2; k++) {
			struct msb_cert_verdict v;
			int r = msb_cert_policy(c, &reqs[i], principals[k], &v);
			EXPECT(memchr(v.reason, '\0', sizeof(v.reason)) != NULL);
			EXPECT(memchr(v.key_id, '\0', sizeof(v.key_id)) != NULL);
			EXPECT(strncmp(v.ca_fingerprint, "SHA256:", 7) == 0);
			EXPECT(r == 0 ? v.reason[0] == '\0' : v.reason[0] != '\0' && v.force_command == NULL);
			EXPECT(r != 0 || c->nprincipals > 0);
			msb_cert_verdict_free(&v);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size > 0 ? size : 1);
	struct msb_ssh_cert *c = malloc(sizeof(*c));
	uint8_t *blob = malloc(MSB_SSH_CERT_BLOB_MAX);
	const char *why = NULL;
	size_t n = 0;

	if (copy == NULL || c == NULL || blob == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	lo = copy;
	hi = copy + size;
	if (msb_ssh_cert_parse(copy, size, c, &why) == 0) {
		check_decoded(c, size);
		(void)msb_cert_verify(c, &why);
		run_policy(c);
	} else {
		EXPECT(why != NULL && why[0] != '\0');
	}
	if (msb_ssh_cert_from_line((const char *)copy, size, blob, MSB_SSH_CERT_BLOB_MAX, &n,
	    &why) == 0) {
		EXPECT(n >= 4 && n <= MSB_SSH_CERT_BLOB_MAX);
	}
	free(blob);
	free(c);
	free(copy);
	return 0;
}
