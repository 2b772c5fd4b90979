#include "config.h"

#include <string.h>

#include "buf.h"
#include "ssh_cert.h"

/* One row per plain key type: how its public key and its signatures look. */
struct key_type {
	const char *name;       /* as a plain key, and as its signature algorithm */
	const char *cert_name;
	enum msb_ssh_key_kind kind;
	const char *curve;      /* ECDSA: the curve identifier inside the key */
	size_t size;            /* Ed25519: key bytes; ECDSA: uncompressed point bytes */
	size_t scalar;          /* ECDSA: bytes of the group order (bound on r and s) */
	enum msb_ssh_sig_alg sig_alg;
};

static const struct key_type key_types[] = {
	{ "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", MSB_SSH_KEY_ED25519,
	  NULL, 32, 0, MSB_SSH_SIG_ED25519 },
	{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", MSB_SSH_KEY_P256,
	  "nistp256", 65, 32, MSB_SSH_SIG_ECDSA_P256_SHA256 },
	{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", MSB_SSH_KEY_P384,
	  "nistp384", 97, 48, MSB_SSH_SIG_ECDSA_P384_SHA384 },
	{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", MSB_SSH_KEY_P521,
	  "nistp521", 133, 66, MSB_SSH_SIG_ECDSA_P521_SHA512 },
	{ "ssh-rsa", "ssh-rsa-cert-v01@openssh.com", MSB_SSH_KEY_RSA, NULL, 0, 0, 0 },
};

/* RSA CAs sign with one of these; "ssh-rsa" (SHA-1) is refused by name. */
static const struct {
	const char *name;
	enum msb_ssh_sig_alg alg;
} rsa_sig_algs[] = {
	{ "rsa-sha2-256", MSB_SSH_SIG_RSA_SHA256 },
	{ "rsa-sha2-512", MSB_SSH_SIG_RSA_SHA512 },
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

bool
msb_ssh_bytes_eq(struct msb_ssh_bytes b, const char *s)
{
	size_t n = strlen(s);

	return b.n == n && (n == 0 || memcmp(b.p, s, n) == 0);
}

static bool
has_nul(struct msb_ssh_bytes b)
{
	return b.n > 0 && memchr(b.p, '\0', b.n) != NULL;
}

static const struct key_type *
plain_type(struct msb_ssh_bytes name)
{
	for (size_t i = 0; i < N_ELEMENTS(key_types); i++) {
		if (msb_ssh_bytes_eq(name, key_types[i].name))
			return &key_types[i];
	}
	return NULL;
}

static const struct key_type *
cert_type(struct msb_ssh_bytes name)
{
	for (size_t i = 0; i < N_ELEMENTS(key_types); i++) {
		if (msb_ssh_bytes_eq(name, key_types[i].cert_name))
			return &key_types[i];
	}
	return NULL;
}

static const struct key_type *
type_of_kind(enum msb_ssh_key_kind kind)
{
	for (size_t i = 0; i < N_ELEMENTS(key_types); i++) {
		if (key_types[i].kind == kind)
			return &key_types[i];
	}
	return NULL;
}

static int
get_bytes(struct msb_reader *r, struct msb_ssh_bytes *b)
{
	uint32_t n;

	if (msb_get_string(r, &b->p, &n) != 0)
		return -1;
	b->n = n;
	return 0;
}

/* RFC 4251 mpint, held to its "must": no negative value, no needless leading zero. */
static int
get_mpint(struct msb_reader *r, struct msb_ssh_bytes *b, const char **why)
{
	if (get_bytes(r, b) != 0) {
		*why = "truncated mpint";
		return -1;
	}
	if (b->n > 0 && (b->p[0] & 0x80) != 0) {
		*why = "negative mpint";
		return -1;
	}
	if (b->n > 0 && b->p[0] == 0 && (b->n == 1 || (b->p[1] & 0x80) == 0)) {
		*why = "mpint with a needless leading zero";
		return -1;
	}
	return 0;
}

/* Significant bytes of a minimal positive mpint (its sign byte dropped). */
static size_t
mpint_bytes(struct msb_ssh_bytes b)
{
	return b.n > 0 && b.p[0] == 0 ? b.n - 1 : b.n;
}

static size_t
mpint_bits(struct msb_ssh_bytes b)
{
	size_t n = mpint_bytes(b);

	if (n == 0)
		return 0;
	unsigned top = b.p[b.n - n];
	size_t bits = (n - 1) * 8;
	while (top != 0) {
		bits++;
		top >>= 1;
	}
	return bits;
}

/* The type-specific public key fields, as they follow the type name (or a certificate's nonce). */
static int
get_key_body(struct msb_reader *r, const struct key_type *t, struct msb_ssh_pubkey *k,
    const char **why)
{
	struct msb_ssh_bytes curve;

	memset(k, 0, sizeof(*k));
	k->kind = t->kind;
	switch (t->kind) {
	case MSB_SSH_KEY_ED25519:
		if (get_bytes(r, &k->a) != 0 || k->a.n != t->size) {
			*why = "Ed25519 key of the wrong size";
			return -1;
		}
		return 0;
	case MSB_SSH_KEY_P256:
	case MSB_SSH_KEY_P384:
	case MSB_SSH_KEY_P521:
		if (get_bytes(r, &curve) != 0 || !msb_ssh_bytes_eq(curve, t->curve)) {
			*why = "ECDSA key whose curve does not match its type";
			return -1;
		}
		/* OpenSSH too takes uncompressed points only. */
		if (get_bytes(r, &k->a) != 0 || k->a.n != t->size || k->a.p[0] != 0x04) {
			*why = "ECDSA key that is not an uncompressed point of its curve";
			return -1;
		}
		return 0;
	case MSB_SSH_KEY_RSA:
		if (get_mpint(r, &k->a, why) != 0 || get_mpint(r, &k->b, why) != 0)
			return -1;
		if (mpint_bytes(k->a) == 0) {
			*why = "RSA key with a zero exponent";
			return -1;
		}
		if (mpint_bits(k->b) < MSB_SSH_CERT_RSA_MIN_BITS ||
		    mpint_bits(k->b) > MSB_SSH_CERT_RSA_MAX_BITS) {
			*why = "RSA key size outside 1024..16384 bits";
			return -1;
		}
		return 0;
	}
	*why = "unsupported key type";
	return -1;
}

/* The signature key field: a plain public key blob, never a certificate. */
static int
parse_ca_key(struct msb_ssh_bytes blob, struct msb_ssh_pubkey *k, const char **why)
{
	struct msb_reader r;
	struct msb_ssh_bytes name;

	msb_reader_init(&r, blob.p, blob.n);
	if (get_bytes(&r, &name) != 0) {
		*why = "truncated CA key";
		return -1;
	}
	const struct key_type *t = plain_type(name);
	if (t == NULL) {
		*why = cert_type(name) != NULL ? "the CA key is itself a certificate" :
		    "unsupported CA key type";
		return -1;
	}
	if (get_key_body(&r, t, k, why) != 0)
		return -1;
	if (!msb_reader_done(&r)) {
		*why = "trailing bytes after the CA key";
		return -1;
	}
	return 0;
}

/* The signature field, checked against the CA key's type. */
static int
parse_signature(struct msb_ssh_bytes field, struct msb_ssh_cert *c, const char **why)
{
	struct msb_reader r, inner;
	struct msb_ssh_bytes alg;
	const struct key_type *t = type_of_kind(c->ca.kind);

	msb_reader_init(&r, field.p, field.n);
	if (get_bytes(&r, &alg) != 0 || get_bytes(&r, &c->sig) != 0 || !msb_reader_done(&r)) {
		*why = "malformed signature";
		return -1;
	}
	if (c->ca.kind == MSB_SSH_KEY_RSA) {
		if (msb_ssh_bytes_eq(alg, "ssh-rsa")) {
			*why = "SHA-1 RSA signature (ssh-rsa) refused";
			return -1;
		}
		for (size_t i = 0; i < N_ELEMENTS(rsa_sig_algs) && c->sig_alg == 0; i++) {
			if (msb_ssh_bytes_eq(alg, rsa_sig_algs[i].name))
				c->sig_alg = rsa_sig_algs[i].alg;
		}
		if (c->sig_alg == 0) {
			*why = "signature algorithm does not match the CA key";
			return -1;
		}
		/* OpenSSH accepts a signature shorter than the modulus (leading zeros dropped). */
		if (c->sig.n == 0 || c->sig.n > mpint_bytes(c->ca.b)) {
			*why = "RSA signature longer than the CA's modulus";
			return -1;
		}
		return 0;
	}
	if (t == NULL || !msb_ssh_bytes_eq(alg, t->name)) {
		*why = "signature algorithm does not match the CA key";
		return -1;
	}
	c->sig_alg = t->sig_alg;
	if (c->ca.kind == MSB_SSH_KEY_ED25519) {
		if (c->sig.n != 64) {
			*why = "Ed25519 signature of the wrong size";
			return -1;
		}
		return 0;
	}
	msb_reader_init(&inner, c->sig.p, c->sig.n);
	if (get_mpint(&inner, &c->sig_r, why) != 0 || get_mpint(&inner, &c->sig_s, why) != 0)
		return -1;
	if (!msb_reader_done(&inner)) {
		*why = "trailing bytes in the ECDSA signature";
		return -1;
	}
	if (mpint_bytes(c->sig_r) == 0 || mpint_bytes(c->sig_s) == 0 ||
	    mpint_bytes(c->sig_r) > t->scalar || mpint_bytes(c->sig_s) > t->scalar) {
		*why = "ECDSA signature value out of range";
		return -1;
	}
	return 0;
}

static int
parse_principals(struct msb_ssh_bytes field, struct msb_ssh_cert *c, const char **why)
{
	struct msb_reader r;

	msb_reader_init(&r, field.p, field.n);
	while (msb_reader_left(&r) > 0) {
		if (c->nprincipals == MSB_SSH_CERT_PRINCIPALS_MAX) {
			*why = "more than 256 principals";
			return -1;
		}
		struct msb_ssh_bytes *p = &c->principals[c->nprincipals++];
		if (get_bytes(&r, p) != 0 || has_nul(*p)) {
			*why = "malformed principal list";
			return -1;
		}
	}
	return 0;
}

/* Byte order, a proper prefix first: the order of OpenSSH's strcmp on NUL-free names. */
static int
name_cmp(struct msb_ssh_bytes a, struct msb_ssh_bytes b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int r = n == 0 ? 0 : memcmp(a.p, b.p, n);

	if (r != 0)
		return r;
	return a.n < b.n ? -1 : a.n > b.n;
}

/* Critical options or extensions: name/data pairs, names sorted and unique. */
static int
parse_options(struct msb_ssh_bytes field, struct msb_ssh_cert_option *out, size_t *count,
    const char **why)
{
	struct msb_reader r;

	msb_reader_init(&r, field.p, field.n);
	while (msb_reader_left(&r) > 0) {
		if (*count == MSB_SSH_CERT_OPTIONS_MAX) {
			*why = "more than 32 critical options or extensions";
			return -1;
		}
		struct msb_ssh_cert_option *o = &out[*count];
		if (get_bytes(&r, &o->name) != 0 || get_bytes(&r, &o->data) != 0 ||
		    has_nul(o->name)) {
			*why = "malformed critical options or extensions";
			return -1;
		}
		if (*count > 0 && name_cmp(out[*count - 1].name, o->name) >= 0) {
			*why = "critical options or extensions not sorted or not unique";
			return -1;
		}
		(*count)++;
	}
	return 0;
}

bool
msb_ssh_cert_is_cert(const uint8_t *blob, size_t len)
{
	struct msb_reader r;
	struct msb_ssh_bytes name;

	msb_reader_init(&r, blob, len);
	return get_bytes(&r, &name) == 0 && cert_type(name) != NULL;
}

int
msb_ssh_cert_parse(const uint8_t *blob, size_t len, struct msb_ssh_cert *c, const char **why)
{
	struct msb_reader r;
	struct msb_ssh_bytes principals, critical, extensions, sig;

	memset(c, 0, sizeof(*c));
	if (len > MSB_SSH_CERT_BLOB_MAX) {
		*why = "certificate larger than 16 KiB";
		return -1;
	}
	c->blob.p = blob;
	c->blob.n = len;
	msb_reader_init(&r, blob, len);
	if (get_bytes(&r, &c->type_name) != 0) {
		*why = "truncated certificate";
		return -1;
	}
	const struct key_type *t = cert_type(c->type_name);
	if (t == NULL) {
		*why = plain_type(c->type_name) != NULL ? "not a certificate" :
		    "unsupported certificate type";
		return -1;
	}
	if (get_bytes(&r, &c->nonce) != 0) {
		*why = "truncated certificate";
		return -1;
	}
	if (get_key_body(&r, t, &c->key, why) != 0)
		return -1;
	msb_get_u64(&r, &c->serial);
	msb_get_u32(&r, &c->type);
	get_bytes(&r, &c->key_id);
	get_bytes(&r, &principals);
	msb_get_u64(&r, &c->valid_after);
	msb_get_u64(&r, &c->valid_before);
	get_bytes(&r, &critical);
	get_bytes(&r, &extensions);
	get_bytes(&r, &c->reserved);
	get_bytes(&r, &c->ca_blob);
	c->signed_len = r.off;
	get_bytes(&r, &sig);
	if (r.error) {
		*why = "truncated certificate";
		return -1;
	}
	if (!msb_reader_done(&r)) {
		*why = "trailing bytes after the certificate";
		return -1;
	}
	if (c->type != MSB_SSH_CERT_TYPE_USER && c->type != MSB_SSH_CERT_TYPE_HOST) {
		*why = "certificate type neither user nor host";
		return -1;
	}
	if (has_nul(c->key_id)) {
		*why = "key id with a NUL byte";
		return -1;
	}
	if (parse_principals(principals, c, why) != 0 ||
	    parse_options(critical, c->critical, &c->ncritical, why) != 0 ||
	    parse_options(extensions, c->extensions, &c->nextensions, why) != 0 ||
	    parse_ca_key(c->ca_blob, &c->ca, why) != 0 ||
	    parse_signature(sig, c, why) != 0)
		return -1;
	return 0;
}

/* Strict RFC 4648 base64 (padding only at the end, no whitespace); -1 on anything else. */
static int
base64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	uint32_t acc = 0;
	size_t o = 0, pad = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		unsigned v;
		if (ch >= 'A' && ch <= 'Z')
			v = (unsigned)(ch - 'A');
		else if (ch >= 'a' && ch <= 'z')
			v = (unsigned)(ch - 'a') + 26;
		else if (ch >= '0' && ch <= '9')
			v = (unsigned)(ch - '0') + 52;
		else if (ch == '+')
			v = 62;
		else if (ch == '/')
			v = 63;
		else if (ch == '=' && i >= len - 2 && (i == len - 1 || s[len - 1] == '=')) {
			v = 0;
			pad++;
		} else {
			return -1;
		}
		acc = acc << 6 | v;
		if (i % 4 == 3) {
			if (o + 3 > cap)
				return -1;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	*n = o - pad;
	return 0;
}

int
msb_ssh_cert_from_line(const char *line, size_t len, uint8_t *out, size_t cap, size_t *n,
    const char **why)
{
	size_t i = 0;

	if (len > MSB_SSH_CERT_LINE_MAX) {
		*why = "key line too long";
		return -1;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t type_at = i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	struct msb_ssh_bytes type = { (const uint8_t *)line + type_at, i - type_at };
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t b64_at = i;
	while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' && line[i] != '\r')
		i++;
	if (type.n == 0 || base64_decode(line + b64_at, i - b64_at, out, cap, n) != 0) {
		*why = "not a TYPE BASE64 key line";
		return -1;
	}
	struct msb_reader r;
	struct msb_ssh_bytes inner;
	msb_reader_init(&r, out, *n);
	if (get_bytes(&r, &inner) != 0 || name_cmp(inner, type) != 0) {
		*why = "key type of the line differs from the type inside the key";
		return -1;
	}
	return 0;
}
