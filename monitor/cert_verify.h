/*
 * The CA's signature over an OpenSSH certificate (lib/ssh_cert.h), checked
 * with libcrypto: Ed25519, ECDSA over P-256/384/521 with SHA-256/384/512,
 * and RSA PKCS#1 v1.5 with SHA-256 or SHA-512 (the decoder already refused
 * SHA-1). Runs in the monitor only: the network child is never trusted to
 * say that a certificate is genuine.
 */
#ifndef MSB_CERT_VERIFY_H
#define MSB_CERT_VERIFY_H

#include <stddef.h>

#include "lib/ssh_cert.h"

/* "SHA256:" and 43 base64 characters, as ssh-keygen -l prints, and a NUL. */
#define MSB_CERT_FP_MAX 51

/*
 * Verifies c's signature with its CA key, after checking that both the CA
 * key and the certified key are valid public keys (ECDSA points on their
 * curve). Returns 0, or -1 with why (static text) for a bad signature or
 * key. Which CAs are trusted is the caller's question (cert_auth.h).
 */
int msb_cert_verify(const struct msb_ssh_cert *c, const char **why);

/* The SHA-256 fingerprint of a public key blob into buf (MSB_CERT_FP_MAX bytes); 0 or -1. */
int msb_cert_fingerprint(const uint8_t *blob, size_t len, char *buf, size_t buflen);

#endif
