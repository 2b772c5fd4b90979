#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "cert_verify.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum msb_ssh_key_kind kind;
	const char *group;
} ec_groups[] = {
	{ MSB_SSH_KEY_P256, "P-256" },
	{ MSB_SSH_KEY_P384, "P-384" },
	{ MSB_SSH_KEY_P521, "P-521" },
};

/* The digest each signature algorithm signs with; Ed25519 hashes inside. */
static const struct {
	enum msb_ssh_sig_alg alg;
	const EVP_MD *(*md)(void);
} sig_digests[] = {
	{ MSB_SSH_SIG_ED25519, NULL },
	{ MSB_SSH_SIG_ECDSA_P256_SHA256, EVP_sha256 },
	{ MSB_SSH_SIG_ECDSA_P384_SHA384, EVP_sha384 },
	{ MSB_SSH_SIG_ECDSA_P521_SHA512, EVP_sha512 },
	{ MSB_SSH_SIG_RSA_SHA256, EVP_sha256 },
	{ MSB_SSH_SIG_RSA_SHA512, EVP_sha512 },
};

static EVP_PKEY *
from_params(const char *type, const OSSL_PARAM *params)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, (OSSL_PARAM *)params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *
ec_key(const struct msb_ssh_pubkey *k)
{
	const char *group = NULL;

	for (size_t i = 0; i < N_ELEMENTS(ec_groups); i++) {
		if (ec_groups[i].kind == k->kind)
			group = ec_groups[i].group;
	}
	if (group == NULL)
		return NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)k->a.p, k->a.n),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = from_params("EC", params);
	if (pkey == NULL)
		return NULL;
	/* Importing checks the encoding; this checks the point is on the curve and not infinity. */
	EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = check != NULL && EVP_PKEY_public_check(check) == 1;
	EVP_PKEY_CTX_free(check);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

static EVP_PKEY *
rsa_key(const struct msb_ssh_pubkey *k)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *e = BN_bin2bn(k->a.p, (int)k->a.n, NULL);
	BIGNUM *n = BN_bin2bn(k->b.p, (int)k->b.n, NULL);

	if (bld != NULL && e != NULL && n != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		pkey = from_params("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return pkey;
}

/* A libcrypto key for k, or NULL when k is not a valid public key. */
static EVP_PKEY *
load_key(const struct msb_ssh_pubkey *k)
{
	switch (k->kind) {
	case MSB_SSH_KEY_ED25519:
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->a.p, k->a.n);
	case MSB_SSH_KEY_P256:
	case MSB_SSH_KEY_P384:
	case MSB_SSH_KEY_P521:
		return ec_key(k);
	case MSB_SSH_KEY_RSA:
		return rsa_key(k);
	}
	return NULL;
}

/* ECDSA's r and s as the DER SEQUENCE libcrypto verifies; free with OPENSSL_free. */
static int
ecdsa_der(const struct msb_ssh_cert *c, unsigned char **der, size_t *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(c->sig_r.p, (int)c->sig_r.n, NULL);
	BIGNUM *s = BN_bin2bn(c->sig_s.p, (int)c->sig_s.n, NULL);
	int n = -1;

	*der = NULL;
	if (sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL;  /* sig owns them now */
		n = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

static int
verify_with(EVP_PKEY *ca, const struct msb_ssh_cert *c, const char **why)
{
	const EVP_MD *md = NULL;
	unsigned char *der = NULL;
	unsigned char padded[MSB_SSH_CERT_RSA_MAX_BITS / 8];
	const unsigned char *sig = c->sig.p;
	size_t sig_len = c->sig.n;
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	for (size_t i = 0; i < N_ELEMENTS(sig_digests); i++) {
		if (sig_digests[i].alg == c->sig_alg && sig_digests[i].md != NULL)
			md = sig_digests[i].md();
	}
	if (c->ca.kind == MSB_SSH_KEY_RSA) {
		/* OpenSSH's signer may drop leading zero bytes; libcrypto wants the modulus' size. */
		size_t mod = (size_t)EVP_PKEY_get_size(ca);
		if (mod > sizeof(padded) || sig_len > mod) {
			*why = "RSA signature longer than the CA's modulus";
			return -1;
		}
		memset(padded, 0, mod - sig_len);
		memcpy(padded + (mod - sig_len), sig, sig_len);
		sig = padded;
		sig_len = mod;
	} else if (c->ca.kind != MSB_SSH_KEY_ED25519) {
		if (ecdsa_der(c, &der, &sig_len) != 0) {
			*why = "cannot encode the ECDSA signature";
			return -1;
		}
		sig = der;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_DigestVerifyInit(ctx, &pctx, md, NULL, ca) == 1 &&
	    (c->ca.kind != MSB_SSH_KEY_RSA ||
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1))
		ok = EVP_DigestVerify(ctx, sig, sig_len, c->blob.p, c->signed_len) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	if (!ok) {
		*why = "the CA's signature does not verify";
		return -1;
	}
	return 0;
}

int
msb_cert_verify(const struct msb_ssh_cert *c, const char **why)
{
	EVP_PKEY *subject = load_key(&c->key);

	if (subject == NULL) {
		*why = "the certified key is not a valid public key";
		ERR_clear_error();
		return -1;
	}
	EVP_PKEY_free(subject);
	EVP_PKEY *ca = load_key(&c->ca);
	if (ca == NULL) {
		*why = "the CA key is not a valid public key";
		ERR_clear_error();
		return -1;
	}
	int r = verify_with(ca, c, why);
	EVP_PKEY_free(ca);
	/* A failed verification leaves errors queued; the next call must not see them. */
	ERR_clear_error();
	return r;
}

int
msb_cert_fingerprint(const uint8_t *blob, size_t len, char *buf, size_t buflen)
{
	static const char prefix[] = "SHA256:";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int md_len = 0;

	if (buflen < MSB_CERT_FP_MAX ||
	    EVP_Digest(blob, len, md, &md_len, EVP_sha256(), NULL) != 1)
		return -1;
	int n = EVP_EncodeBlock(b64, md, (int)md_len);
	if (n <= 0)
		return -1;
	/* ssh-keygen prints the base64 without its padding. */
	while (n > 0 && b64[n - 1] == '=')
		n--;
	memcpy(buf, prefix, sizeof(prefix) - 1);
	memcpy(buf + sizeof(prefix) - 1, b64, (size_t)n);
	buf[sizeof(prefix) - 1 + (size_t)n] = '\0';
	return 0;
}
