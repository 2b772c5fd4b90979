/*
 * A user certificate against the CAs a sandbox trusts (tenant_keys.h):
 * the monitor's decision, with libcrypto (cert_auth.h).
 */
#ifndef MSB_TENANT_CERT_H
#define MSB_TENANT_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "cert_policy.h"
#include "tenant_keys.h"

/*
 * A certificate (blob, as the client offered it) for req. On acceptance
 * returns 0 with *out the restrictions that apply (the CA line's options
 * merged with the certificate's: force-command, permit-pty and
 * permit-port-forwarding), *ca the entry of the CA that signed it and *src
 * its file; free out with msb_authkey_free. -1 when refused, with v->reason.
 * v's audit fields are filled either way once the certificate decoded;
 * release v with msb_cert_verdict_free.
 */
int tenant_keys_cert(const struct tenant_keys *t, const uint8_t *blob, size_t len,
    const struct msb_cert_request *req, struct msb_authkey *out,
    const struct msb_authkey **ca, enum tenant_key_source *src, struct msb_cert_verdict *v);

#endif
