/*
 * OpenSSH certificates (PROTOCOL.certkeys), the wire format a client offers
 * as its public key when it logs in with a certificate:
 *
 *     string  key type ("ssh-ed25519-cert-v01@openssh.com", ...)
 *     string  nonce
 *     ...     the certified public key (type-specific, see below)
 *     uint64  serial
 *     uint32  type (1 user, 2 host)
 *     string  key id
 *     string  valid principals  (a sequence of strings)
 *     uint64  valid after, uint64 valid before  (seconds since the epoch)
 *     string  critical options  (a sequence of string name, string data)
 *     string  extensions        (the same)
 *     string  reserved
 *     string  signature key     (the CA's public key blob)
 *     string  signature         (string algorithm, string signature blob)
 *
 * The CA signs every byte before the signature field. This layer decodes
 * and checks the structure only: it depends on nothing but libc (no crypto),
 * allocates nothing, and every field it returns points into the caller's
 * blob, which must outlive the result. Signature verification is
 * monitor/cert_verify.h; what a certificate may do is monitor/cert_policy.h.
 *
 * Decoding is stricter than OpenSSH where the specification says "must":
 * option and extension names strictly increasing (sorted, unique), mpints
 * minimal and positive (RFC 4251), ECDSA points uncompressed, no trailing
 * bytes in any container. The reserved field is accepted whatever it holds,
 * as the specification says to ignore it.
 */
#ifndef MSB_SSH_CERT_H
#define MSB_SSH_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits on hostile input. A certificate with an RSA-16384 key signed by an
 * RSA-16384 CA is about 6.2 KiB, so the blob limit leaves room for options;
 * OpenSSH also caps principals at 256. The counts bound the fixed arrays
 * below: decoding never allocates.
 */
#define MSB_SSH_CERT_BLOB_MAX       (16u * 1024u)
#define MSB_SSH_CERT_PRINCIPALS_MAX 256u
#define MSB_SSH_CERT_OPTIONS_MAX    32u   /* each of critical options, extensions */
#define MSB_SSH_CERT_RSA_MIN_BITS   1024u /* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define MSB_SSH_CERT_RSA_MAX_BITS   16384u
/* The longest "TYPE BASE64 comment" line msb_ssh_cert_from_line reads. */
#define MSB_SSH_CERT_LINE_MAX       (MSB_SSH_CERT_BLOB_MAX / 3 * 4 + 1024u)

#define MSB_SSH_CERT_TYPE_USER 1u
#define MSB_SSH_CERT_TYPE_HOST 2u

enum msb_ssh_key_kind {
	MSB_SSH_KEY_ED25519 = 1,
	MSB_SSH_KEY_P256,
	MSB_SSH_KEY_P384,
	MSB_SSH_KEY_P521,
	MSB_SSH_KEY_RSA,
};

/* The CA's signature algorithm; SHA-1 RSA ("ssh-rsa") is refused by the decoder. */
enum msb_ssh_sig_alg {
	MSB_SSH_SIG_ED25519 = 1,
	MSB_SSH_SIG_ECDSA_P256_SHA256,
	MSB_SSH_SIG_ECDSA_P384_SHA384,
	MSB_SSH_SIG_ECDSA_P521_SHA512,
	MSB_SSH_SIG_RSA_SHA256,
	MSB_SSH_SIG_RSA_SHA512,
};

struct msb_ssh_bytes {
	const uint8_t *p;
	size_t n;
};

/* A plain (not certificate) public key, as its parts. */
struct msb_ssh_pubkey {
	enum msb_ssh_key_kind kind;
	struct msb_ssh_bytes a;  /* Ed25519: pk (32 bytes); ECDSA: point (0x04 X Y); RSA: e */
	struct msb_ssh_bytes b;  /* RSA: n (mpint, minimal); otherwise empty */
};

struct msb_ssh_cert_option {
	struct msb_ssh_bytes name;  /* no NUL inside */
	struct msb_ssh_bytes data;  /* the data string's contents */
};

struct msb_ssh_cert {
	struct msb_ssh_bytes blob;  /* the whole certificate */
	size_t signed_len;          /* blob.p[0 .. signed_len) is what the CA signed */
	struct msb_ssh_bytes type_name;
	struct msb_ssh_bytes nonce;
	struct msb_ssh_pubkey key;  /* the certified key */
	uint64_t serial;
	uint32_t type;              /* MSB_SSH_CERT_TYPE_USER or _HOST */
	struct msb_ssh_bytes key_id;  /* no NUL inside */
	size_t nprincipals;
	struct msb_ssh_bytes principals[MSB_SSH_CERT_PRINCIPALS_MAX];  /* no NUL inside */
	uint64_t valid_after, valid_before;
	size_t ncritical, nextensions;
	struct msb_ssh_cert_option critical[MSB_SSH_CERT_OPTIONS_MAX];
	struct msb_ssh_cert_option extensions[MSB_SSH_CERT_OPTIONS_MAX];
	struct msb_ssh_bytes reserved;
	struct msb_ssh_bytes ca_blob;  /* the signature key field: a plain public key blob */
	struct msb_ssh_pubkey ca;
	enum msb_ssh_sig_alg sig_alg;
	struct msb_ssh_bytes sig;      /* Ed25519: 64 bytes; RSA: at most the modulus' length */
	struct msb_ssh_bytes sig_r, sig_s;  /* ECDSA: minimal positive mpints */
};

/*
 * Decodes a certificate blob into c. Returns 0, or -1 with why (static
 * text) for anything malformed, over a limit, of an unsupported type, with
 * a CA key that is itself a certificate, or signed with SHA-1 RSA. A
 * successful decode says nothing about the signature's validity.
 */
int msb_ssh_cert_parse(const uint8_t *blob, size_t len, struct msb_ssh_cert *c, const char **why);

/* Whether the blob's leading key type names a certificate type this codec knows. */
bool msb_ssh_cert_is_cert(const uint8_t *blob, size_t len);

/*
 * Decodes the key half of an OpenSSH public key line, "TYPE BASE64
 * [comment]" (as in a -cert.pub file or the monitor's AUTH_REQUEST), into
 * out (cap bytes). The TYPE must equal the type inside the blob. Returns 0
 * with *n set, or -1 with why. The blob still needs msb_ssh_cert_parse.
 */
int msb_ssh_cert_from_line(const char *line, size_t len, uint8_t *out, size_t cap, size_t *n,
    const char **why);

/* Whether b holds exactly the NUL-free text s. */
bool msb_ssh_bytes_eq(struct msb_ssh_bytes b, const char *s);

#endif
