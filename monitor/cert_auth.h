/*
 * The monitor's whole decision on a certificate a client authenticated
 * with (libssh checked only the client's signature, made with the key
 * inside the certificate): decode it (lib/ssh_cert.h), find its CA among
 * the trusted ones, verify the CA's signature (cert_verify.h), apply the
 * policy (cert_policy.h). The CA lookup comes before the signature check,
 * so an untrusted CA costs a comparison, not a verification.
 */
#ifndef MSB_CERT_AUTH_H
#define MSB_CERT_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "cert_policy.h"

/* One trusted CA: a cert-authority line of the sandbox, or a --trusted-user-ca-keys key. */
struct msb_cert_ca {
	const uint8_t *blob;     /* its public key blob (e.g. from ssh_pki_export_pubkey_blob) */
	size_t len;
	const char *principals;  /* its principals="..." list, or NULL */
};

/*
 * blob is the certificate as the client offered it. The first CA in cas
 * whose blob equals the certificate's signature key decides (its
 * principals= list applies). Returns 0 (accepted) or -1 (refused, with
 * v->reason); v is filled as msb_cert_policy says, its audit fields also
 * on a refusal once the certificate decoded (key_id empty before that).
 * Release v with msb_cert_verdict_free.
 */
int msb_cert_authorize(const uint8_t *blob, size_t len, const struct msb_cert_ca *cas,
    size_t ncas, const struct msb_cert_request *req, struct msb_cert_verdict *v);

#endif
