/*
 * OpenSSH certificates: the codec (lib/ssh_cert.c), the CA signature
 * (monitor/cert_verify.c), the policy (monitor/cert_policy.c) and the whole
 * check the monitor makes (monitor/cert_auth.c), with real certificates
 * that ssh-keygen signs at run time in a scratch directory. Every CA type
 * (Ed25519, ECDSA P-256/384/521, RSA with SHA-256 and SHA-512) and every
 * certified key type; validity at its edges; principals with and without
 * a principals= list; host certificates; force-command; source-address;
 * unknown critical options; a CA trusted elsewhere; tampered, truncated and
 * malformed blobs; a CA key that is a certificate; SHA-1 RSA signatures.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/buf.h"
#include "monitor/cert_auth.h"
#include "monitor/cert_policy.h"
#include "monitor/cert_verify.h"
#include "host/from_match.h"
#include "regress/cert_blob.h"
#include "lib/ssh_cert.h"
#include "unit.h"

/* The validity window most certificates get, and a time inside it. */
#define VALID_AFTER  0x70000000u
#define VALID_BEFORE 0x72000000u
#define NOW          0x71000000u
#define WINDOW       "-V 0x70000000:0x72000000"

#define ED25519_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIDkm1iM0RbIiOIUrCD7fybNft6MYj+leacUE8rahcXqb"

static char dir[] = "/tmp/test-ssh-cert.XXXXXX";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		fprintf(stderr, "command too long\n");
		exit(1);
	}
	int st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void
keygen(const char *name, const char *type_args)
{
	if (sh("ssh-keygen -q -N '' %s -f %s/%s", type_args, dir, name) != 0) {
		fprintf(stderr, "ssh-keygen %s failed\n", type_args);
		exit(1);
	}
}

/* Signs a copy of DIR/KEY.pub with DIR/CA as certificate NAME; loads NAME-cert.pub. */
static void
sign(const char *name, const char *key, const char *ca, const char *args, struct cert_blob *out)
{
	char cert[128];

	if (sh("cp %s/%s.pub %s/%s.pub && ssh-keygen -q -s %s/%s %s %s/%s.pub", dir, key, dir,
	    name, dir, ca, args, dir, name) != 0) {
		fprintf(stderr, "signing %s failed\n", name);
		exit(1);
	}
	snprintf(cert, sizeof(cert), "%s-cert.pub", name);
	cert_blob_load(dir, cert, out);
}

static struct cert_blob ca_ed, ca_p256, ca_p384, ca_p521, ca_rsa, ca_other;

static void
setup(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	keygen("ca_ed", "-t ed25519");
	keygen("ca_p256", "-t ecdsa -b 256");
	keygen("ca_p384", "-t ecdsa -b 384");
	keygen("ca_p521", "-t ecdsa -b 521");
	keygen("ca_rsa", "-t rsa -b 3072");
	keygen("ca_other", "-t ed25519");
	keygen("user", "-t ed25519");
	keygen("user_p256", "-t ecdsa -b 256");
	keygen("user_p384", "-t ecdsa -b 384");
	keygen("user_p521", "-t ecdsa -b 521");
	keygen("user_rsa", "-t rsa -b 2048");
	cert_blob_load(dir, "ca_ed.pub", &ca_ed);
	cert_blob_load(dir, "ca_p256.pub", &ca_p256);
	cert_blob_load(dir, "ca_p384.pub", &ca_p384);
	cert_blob_load(dir, "ca_p521.pub", &ca_p521);
	cert_blob_load(dir, "ca_rsa.pub", &ca_rsa);
	cert_blob_load(dir, "ca_other.pub", &ca_other);
}

static const struct msb_cert_request default_req = {
	.now = NOW, .login = "devbox", .sandbox = "devbox", .addr = "192.0.2.10",
};

/* The monitor's whole check, with ca trusted after another CA. */
static int
check_cert(const struct cert_blob *cert, const struct cert_blob *ca, const char *principals,
    const struct msb_cert_request *req, struct msb_cert_verdict *v)
{
	struct msb_cert_ca cas[] = {
		{ ca_other.b, ca_other.n, NULL },
		{ ca->b, ca->n, principals },
	};

	return msb_cert_authorize(cert->b, cert->n, cas, 2, req, v);
}

/* The same where acceptance is expected: a refusal says why. */
static int
authorize(const struct cert_blob *cert, const struct cert_blob *ca, const char *principals,
    const struct msb_cert_request *req, struct msb_cert_verdict *v)
{
	int r = check_cert(cert, ca, principals, req, v);

	if (r != 0)
		fprintf(stderr, "  unexpected refusal: %s\n", v->reason);
	return r;
}

/* Authorizes with the default request; 0 or -1, the verdict released. */
static int
accepts(const struct cert_blob *cert, const struct cert_blob *ca)
{
	struct msb_cert_verdict v;
	int r = authorize(cert, ca, NULL, &default_req, &v);

	msb_cert_verdict_free(&v);
	return r;
}

/* Whether the check refuses cert with a reason containing what. */
static int
refuses(const struct cert_blob *cert, const struct cert_blob *ca, const char *principals,
    const struct msb_cert_request *req, const char *what)
{
	struct msb_cert_verdict v;
	int r = check_cert(cert, ca, principals, req, &v);
	int ok = r == -1 && strstr(v.reason, what) != NULL && v.force_command == NULL;

	if (!ok)
		fprintf(stderr, "  expected a refusal with \"%s\", got %d \"%s\"\n", what, r, v.reason);
	msb_cert_verdict_free(&v);
	return ok;
}

static int
parse_fails(const uint8_t *b, size_t n, const char *what)
{
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));
	const char *why = "";
	int ok = msb_ssh_cert_parse(b, n, c, &why) == -1 && strstr(why, what) != NULL;

	if (!ok)
		fprintf(stderr, "  expected a decode failure with \"%s\", got \"%s\"\n", what, why);
	free(c);
	return ok;
}

static void
fingerprint_of(const char *pub, char *out, size_t len)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf %s/%s", dir, pub);
	FILE *p = popen(cmd, "r");
	char line[512];
	if (p == NULL || fgets(line, sizeof(line), p) == NULL || pclose(p) != 0) {
		fprintf(stderr, "%s failed\n", cmd);
		exit(1);
	}
	char *start = strchr(line, ' ');
	char *end = start != NULL ? strchr(start + 1, ' ') : NULL;
	if (end == NULL || (size_t)(end - start) > len) {
		fprintf(stderr, "unexpected ssh-keygen -l output: %s", line);
		exit(1);
	}
	memcpy(out, start + 1, (size_t)(end - start - 1));
	out[end - start - 1] = '\0';
}

static void
test_each_ca_type(void)
{
	static const struct {
		const char *ca, *args;
		const struct cert_blob *pub;
		enum msb_ssh_key_kind kind;
		enum msb_ssh_sig_alg alg;
	} cases[] = {
		{ "ca_ed", "", &ca_ed, MSB_SSH_KEY_ED25519, MSB_SSH_SIG_ED25519 },
		{ "ca_p256", "", &ca_p256, MSB_SSH_KEY_P256, MSB_SSH_SIG_ECDSA_P256_SHA256 },
		{ "ca_p384", "", &ca_p384, MSB_SSH_KEY_P384, MSB_SSH_SIG_ECDSA_P384_SHA384 },
		{ "ca_p521", "", &ca_p521, MSB_SSH_KEY_P521, MSB_SSH_SIG_ECDSA_P521_SHA512 },
		{ "ca_rsa", "", &ca_rsa, MSB_SSH_KEY_RSA, MSB_SSH_SIG_RSA_SHA512 },
		{ "ca_rsa", "-t rsa-sha2-256", &ca_rsa, MSB_SSH_KEY_RSA, MSB_SSH_SIG_RSA_SHA256 },
	};
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cert_blob cert;
		char args[256], pubname[64], fp[MSB_CERT_FP_MAX];
		const char *why = NULL;
		struct msb_cert_verdict v;

		snprintf(args, sizeof(args), "%s -I ca-case-%zu -n devbox " WINDOW, cases[i].args, i);
		sign("each", "user", cases[i].ca, args, &cert);
		if (!CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
			fprintf(stderr, "  case %zu: %s\n", i, why);
			continue;
		}
		CHECK(c->ca.kind == cases[i].kind);
		CHECK(c->sig_alg == cases[i].alg);
		CHECK(msb_cert_verify(c, &why) == 0);
		CHECK(accepts(&cert, cases[i].pub) == 0);
		/* The audit log's CA fingerprint is the one ssh-keygen -l prints. */
		snprintf(pubname, sizeof(pubname), "%s.pub", cases[i].ca);
		fingerprint_of(pubname, fp, sizeof(fp));
		CHECK(authorize(&cert, cases[i].pub, NULL, &default_req, &v) == 0);
		CHECK_STR(v.ca_fingerprint, fp);
		msb_cert_verdict_free(&v);

		/* Tampering with any signed byte, or with the signature, breaks it. */
		struct cert_blob bad = cert;
		size_t at = (size_t)(c->key_id.p - cert.b);
		bad.b[at] ^= 0x01;
		CHECK(msb_ssh_cert_parse(bad.b, bad.n, c, &why) == 0);
		CHECK(msb_cert_verify(c, &why) == -1);
		CHECK(refuses(&bad, cases[i].pub, NULL, &default_req, "does not verify"));
		bad = cert;
		bad.b[bad.n - 2] ^= 0x40;
		if (CHECK(msb_ssh_cert_parse(bad.b, bad.n, c, &why) == 0))
			CHECK(msb_cert_verify(c, &why) == -1);
	}
	free(c);
}

static void
test_each_key_type(void)
{
	static const struct {
		const char *key;
		enum msb_ssh_key_kind kind;
		const char *type;
	} cases[] = {
		{ "user", MSB_SSH_KEY_ED25519, "ssh-ed25519-cert-v01@openssh.com" },
		{ "user_p256", MSB_SSH_KEY_P256, "ecdsa-sha2-nistp256-cert-v01@openssh.com" },
		{ "user_p384", MSB_SSH_KEY_P384, "ecdsa-sha2-nistp384-cert-v01@openssh.com" },
		{ "user_p521", MSB_SSH_KEY_P521, "ecdsa-sha2-nistp521-cert-v01@openssh.com" },
		{ "user_rsa", MSB_SSH_KEY_RSA, "ssh-rsa-cert-v01@openssh.com" },
	};
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cert_blob cert;
		const char *why = NULL;

		sign("kt", cases[i].key, "ca_p384", "-I kt -n devbox " WINDOW, &cert);
		CHECK(msb_ssh_cert_is_cert(cert.b, cert.n));
		if (!CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
			fprintf(stderr, "  %s: %s\n", cases[i].key, why);
			continue;
		}
		CHECK(c->key.kind == cases[i].kind);
		CHECK(msb_ssh_bytes_eq(c->type_name, cases[i].type));
		CHECK(accepts(&cert, &ca_p384) == 0);
	}
	free(c);
}

static void
test_fields(void)
{
	struct cert_blob cert;
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));
	const char *why = NULL;
	struct msb_cert_verdict v;

	sign("fields", "user", "ca_ed",
	    "-I \"$(printf 'key\\001id')\" -z 42 -n devbox,alice+devbox " WINDOW
	    " -O force-command='echo hi' -O source-address=192.0.2.0/24,2001:db8::/32"
	    " -O extension:zz-unknown@example.com=x", &cert);
	if (CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
		CHECK(c->type == MSB_SSH_CERT_TYPE_USER);
		CHECK_EQ_U64(c->serial, 42);
		CHECK(msb_ssh_bytes_eq(c->key_id, "key\001id"));
		CHECK_EQ_U64(c->nprincipals, 2);
		CHECK(msb_ssh_bytes_eq(c->principals[0], "devbox"));
		CHECK(msb_ssh_bytes_eq(c->principals[1], "alice+devbox"));
		CHECK_EQ_U64(c->valid_after, VALID_AFTER);
		CHECK_EQ_U64(c->valid_before, VALID_BEFORE);
		CHECK_EQ_U64(c->ncritical, 2);
		CHECK(msb_ssh_bytes_eq(c->critical[0].name, "force-command"));
		CHECK(msb_ssh_bytes_eq(c->critical[1].name, "source-address"));
		CHECK(c->nextensions == 6);  /* ssh-keygen's five defaults and ours */
		CHECK(c->ca_blob.n == ca_ed.n && memcmp(c->ca_blob.p, ca_ed.b, ca_ed.n) == 0);
		CHECK(c->signed_len < cert.n);
	}
	CHECK(authorize(&cert, &ca_ed, NULL, &default_req, &v) == 0);
	CHECK_STR(v.force_command, "echo hi");
	CHECK(v.permit_pty && v.permit_port_forwarding);
	CHECK_EQ_U64(v.serial, 42);
	/* The key id as the log shows it: the CA's bytes escaped. */
	CHECK_STR(v.key_id, "key\\x01id");
	msb_cert_verdict_free(&v);
	CHECK(v.force_command == NULL);
	free(c);
}

static void
test_validity(void)
{
	struct cert_blob cert;
	struct msb_cert_request req = default_req;

	sign("valid", "user", "ca_ed", "-I v -n devbox " WINDOW, &cert);
	req.now = VALID_AFTER;
	struct msb_cert_verdict v;
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	msb_cert_verdict_free(&v);
	req.now = VALID_AFTER - 1;
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "not yet valid (valid after 2029-07-18T05:49:52Z"));
	req.now = VALID_BEFORE - 1;
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	msb_cert_verdict_free(&v);
	req.now = VALID_BEFORE;
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "expired"));

	/* Certificates ssh-keygen made relative to the real clock. */
	struct msb_cert_request real = default_req;
	real.now = (uint64_t)time(NULL);
	sign("expired", "user", "ca_ed", "-I e -n devbox -V -2d:-1d", &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &real, "expired"));
	sign("future", "user", "ca_ed", "-I f -n devbox -V +1d:+2d", &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &real, "not yet valid"));
	sign("forever", "user", "ca_ed", "-I f -n devbox", &cert);
	CHECK(authorize(&cert, &ca_ed, NULL, &real, &v) == 0);
	msb_cert_verdict_free(&v);
}

static void
test_principals(void)
{
	struct cert_blob cert;
	struct msb_cert_request req = default_req;
	struct msb_cert_verdict v;

	sign("wrong", "user", "ca_ed", "-I p -n otherbox,bob " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "no principal of the certificate (first: \"otherbox\", 2 in all)"));
	/* The CA's principals= list decides alone when there is one. */
	CHECK(authorize(&cert, &ca_ed, "ops,bob", &req, &v) == 0);
	msb_cert_verdict_free(&v);
	CHECK(refuses(&cert, &ca_ed, "ops,bo,bobby", &req, "principals= list"));

	sign("sandbox", "user", "ca_ed", "-I p -n devbox " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, "ops", &req, "principals= list"));
	req.login = "alice+devbox";
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	msb_cert_verdict_free(&v);

	sign("login", "user", "ca_ed", "-I p -n alice+devbox " WINDOW, &cert);
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	msb_cert_verdict_free(&v);
	req.login = "bob+devbox";
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "the sandbox name or the login name"));

	/* No principals: valid for anyone to OpenSSH's format, refused by sshd and by msb. */
	sign("noprinc", "user", "ca_ed", "-I p " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &default_req, "lacks a principal list"));
}

static void
test_host_and_untrusted(void)
{
	struct cert_blob cert;

	sign("host", "user", "ca_ed", "-h -I h -n devbox " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &default_req, "not a user certificate"));
	/* Signed by a CA trusted for another sandbox only (not in this list). */
	sign("other", "user", "ca_p256", "-I o -n devbox " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &default_req, "untrusted CA"));
}

static void
test_options(void)
{
	struct cert_blob cert;
	struct msb_cert_verdict v;
	struct msb_cert_request req = default_req;

	sign("clear", "user", "ca_ed", "-I c -n devbox -O clear " WINDOW, &cert);
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	CHECK(!v.permit_pty && !v.permit_port_forwarding && v.force_command == NULL);
	msb_cert_verdict_free(&v);
	sign("pty", "user", "ca_ed", "-I c -n devbox -O clear -O permit-pty " WINDOW, &cert);
	CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
	CHECK(v.permit_pty && !v.permit_port_forwarding);
	msb_cert_verdict_free(&v);
	sign("flagdata", "user", "ca_ed", "-I c -n devbox -O clear -O extension:permit-pty=x "
	    WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "extension \"permit-pty\" carries data"));

	sign("unknown", "user", "ca_ed", "-I u -n devbox -O critical:verify-required " WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "unsupported critical option \"verify-required\""));
	sign("unknown2", "user", "ca_ed", "-I u -n devbox -O critical:x@example.com=y " WINDOW,
	    &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "unsupported critical option \"x@example.com\""));

	sign("src", "user", "ca_ed",
	    "-I s -n devbox -O source-address=10.0.0.0/8,192.0.2.7,2001:db8::/32 " WINDOW, &cert);
	static const struct {
		const char *addr;
		int ok;
	} addrs[] = {
		{ "10.1.2.3", 1 }, { "192.0.2.7", 1 }, { "192.0.2.8", 0 }, { "11.0.0.1", 0 },
		{ "2001:db8::5", 1 }, { "2001:db9::1", 0 }, { "::ffff:10.9.9.9", 1 }, { "::1", 0 },
		{ NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		req.addr = addrs[i].addr;
		if (addrs[i].ok) {
			CHECK(authorize(&cert, &ca_ed, NULL, &req, &v) == 0);
			msb_cert_verdict_free(&v);
		} else {
			CHECK(refuses(&cert, &ca_ed, NULL, &req, "is not in the certificate's source-address"));
		}
	}
	req.addr = "10.1.2.3";
	sign("srcbad", "user", "ca_ed", "-I s -n devbox -O critical:source-address=10.1.2.3/8 "
	    WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "invalid address list"));
	sign("srcbad2", "user", "ca_ed", "-I s -n devbox -O critical:source-address=10.*.*.* "
	    WINDOW, &cert);
	CHECK(refuses(&cert, &ca_ed, NULL, &req, "invalid address list"));
}

static void
test_cidr_list(void)
{
	CHECK(msb_cidr_list_match("10.0.0.0/8", "10.255.0.1") == 1);
	CHECK(msb_cidr_list_match("10.0.0.0/8", "11.0.0.1") == 0);
	CHECK(msb_cidr_list_match("0.0.0.0/0,::/0", "2001:db8::1") == 1);
	CHECK(msb_cidr_list_match("2001:db8::1", "2001:db8::1") == 1);
	CHECK(msb_cidr_list_match("2001:db8::1", "2001:db8::2") == 0);
	CHECK(msb_cidr_list_match("10.0.0.0/8", NULL) == 0);
	CHECK(msb_cidr_list_match("!10.0.0.0/8", "11.0.0.1") == -1);
	CHECK(msb_cidr_list_match("10.0.0.0/8,", "10.0.0.1") == -1);
	CHECK(msb_cidr_list_match("10.0.0.0/33", "10.0.0.1") == -1);
	CHECK(msb_cidr_list_match("10.0.0.1/8", "10.0.0.1") == -1);
	CHECK(msb_cidr_list_match("10.0.0.0/8,host.example", "10.0.0.1") == -1);
}

/* Replaces the contents of the top-level string field at p (length n) in b. */
static void
splice(const struct cert_blob *b, const uint8_t *p, size_t n, const void *with, size_t with_n,
    struct cert_blob *out)
{
	size_t at = (size_t)(p - b->b) - 4;
	size_t tail = b->n - (at + 4 + n);

	memcpy(out->b, b->b, at);
	msb_put_be32(out->b + at, (uint32_t)with_n);
	memcpy(out->b + at + 4, with, with_n);
	memcpy(out->b + at + 4 + with_n, p + n, tail);
	out->n = at + 4 + with_n + tail;
}

static void
test_malformed(void)
{
	struct cert_blob cert, plain, sha1, bad;
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));
	const char *why = NULL;

	sign("base", "user", "ca_ed", "-I m -n devbox " WINDOW, &cert);
	/* Every truncation, and one byte too many. */
	size_t failed = 0;
	for (size_t n = 0; n < cert.n; n++)
		failed += msb_ssh_cert_parse(cert.b, n, c, &why) == -1;
	CHECK_EQ_U64(failed, cert.n);
	bad = cert;
	bad.b[bad.n++] = 0;
	CHECK(parse_fails(bad.b, bad.n, "trailing bytes"));

	cert_blob_load(dir, "user.pub", &plain);
	CHECK(!msb_ssh_cert_is_cert(plain.b, plain.n));
	CHECK(parse_fails(plain.b, plain.n, "not a certificate"));

	sign("sha1", "user", "ca_rsa", "-t ssh-rsa -I m -n devbox " WINDOW, &sha1);
	CHECK(parse_fails(sha1.b, sha1.n, "SHA-1 RSA signature"));
	CHECK(refuses(&sha1, &ca_rsa, NULL, &default_req, "SHA-1"));

	if (!CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
		free(c);
		return;
	}
	/* A CA key that is itself a certificate. */
	splice(&cert, c->ca_blob.p, c->ca_blob.n, cert.b, cert.n, &bad);
	CHECK(parse_fails(bad.b, bad.n, "the CA key is itself a certificate"));
	/* Extensions out of order, and twice the same. */
	static const uint8_t unsorted[] = {
		0, 0, 0, 10, 'p', 'e', 'r', 'm', 'i', 't', '-', 'p', 't', 'y', 0, 0, 0, 0,
		0, 0, 0, 9, 'p', 'e', 'r', 'm', 'i', 't', '-', 'p', 't', 0, 0, 0, 0,
	};
	static const uint8_t twice[] = {
		0, 0, 0, 10, 'p', 'e', 'r', 'm', 'i', 't', '-', 'p', 't', 'y', 0, 0, 0, 0,
		0, 0, 0, 10, 'p', 'e', 'r', 'm', 'i', 't', '-', 'p', 't', 'y', 0, 0, 0, 0,
	};
	const uint8_t *ext_at = c->extensions[0].name.p - 4;
	size_t ext_n = (size_t)((c->reserved.p - 4) - ext_at);
	splice(&cert, ext_at, ext_n, unsorted, sizeof(unsorted), &bad);
	CHECK(parse_fails(bad.b, bad.n, "not sorted or not unique"));
	splice(&cert, ext_at, ext_n, twice, sizeof(twice), &bad);
	CHECK(parse_fails(bad.b, bad.n, "not sorted or not unique"));
	static const uint8_t torn[] = { 0, 0, 0, 10, 'p', 'e', 'r' };
	splice(&cert, ext_at, ext_n, torn, sizeof(torn), &bad);
	CHECK(parse_fails(bad.b, bad.n, "malformed critical options"));
	/* 257 principals. */
	static uint8_t many[257 * 5];
	for (size_t i = 0; i < 257; i++) {
		msb_put_be32(many + i * 5, 1);
		many[i * 5 + 4] = 'a';
	}
	const uint8_t *pr_at = c->principals[0].p - 4;
	splice(&cert, pr_at, c->principals[0].n + 4, many, sizeof(many), &bad);
	CHECK(parse_fails(bad.b, bad.n, "more than 256 principals"));
	splice(&cert, pr_at, c->principals[0].n + 4, many, sizeof(many) - 5, &bad);
	CHECK(msb_ssh_cert_parse(bad.b, bad.n, c, &why) == 0 && c->nprincipals == 256);
	/* A key id with a NUL, a type that is neither user nor host. */
	if (!CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
		free(c);
		return;
	}
	splice(&cert, c->key_id.p, c->key_id.n, "a\0b", 3, &bad);
	CHECK(parse_fails(bad.b, bad.n, "key id with a NUL"));
	bad = cert;
	bad.b[c->key_id.p - cert.b - 5] = 3;
	CHECK(parse_fails(bad.b, bad.n, "neither user nor host"));

	/* The line decoder: a type that is not the blob's, and bad base64. */
	static const char *const lines[] = {
		"ssh-rsa " ED25519_B64,
		"ssh-ed25519 AAAA=AAA",
		"ssh-ed25519 " ED25519_B64 "=",
		"ssh-ed25519",
		"",
	};
	static const char good[] = " ssh-ed25519 " ED25519_B64 " comment\n";
	size_t n;
	uint8_t out[256];
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK(msb_ssh_cert_from_line(lines[i], strlen(lines[i]), out, sizeof(out), &n, &why) == -1);
	CHECK(msb_ssh_cert_from_line(good, strlen(good), out, sizeof(out), &n, &why) == 0 && n == 51);
	CHECK(msb_ssh_cert_from_line(good, strlen(good), out, 50, &n, &why) == -1);
	free(c);
}

/* The signature field for an RSA signature of n bytes. */
static void
rsa_cert(const struct msb_ssh_cert *c, const uint8_t *sig, size_t n, struct cert_blob *out)
{
	struct msb_buf b, inner;

	msb_buf_init(&b, sizeof(out->b));
	msb_buf_init(&inner, sizeof(out->b));
	if (msb_buf_put(&b, c->blob.p, c->signed_len) != 0 ||
	    msb_buf_put_cstring(&inner, "rsa-sha2-512") != 0 ||
	    msb_buf_put_string(&inner, sig, n) != 0 ||
	    msb_buf_put_string(&b, msb_buf_ptr(&inner), msb_buf_avail(&inner)) != 0) {
		fprintf(stderr, "cannot build a certificate\n");
		exit(1);
	}
	memcpy(out->b, msb_buf_ptr(&b), msb_buf_avail(&b));
	out->n = msb_buf_avail(&b);
	msb_buf_free(&inner);
	msb_buf_free(&b);
}

/*
 * An RSA signature whose first byte is zero verifies both at the modulus'
 * length (as OpenSSH writes it) and without that byte (as other signers
 * may). ssh-keygen signs once; the test re-signs the same certificate with
 * the same CA key (converted to PEM for libcrypto) under new serials until
 * a signature starts with a zero byte (1 in 256).
 */
static void
test_rsa_short_signature(void)
{
	char path[256];
	struct cert_blob cert, out;
	struct msb_ssh_cert *c = unit_alloc(sizeof(*c));
	const char *why = NULL;
	uint8_t sig[128];
	size_t n = 0;

	keygen("ca_rsa1k", "-t rsa -b 1024");
	if (sh("ssh-keygen -q -p -P '' -N '' -m PEM -f %s/ca_rsa1k >/dev/null", dir) != 0) {
		fprintf(stderr, "cannot convert the CA key to PEM\n");
		exit(1);
	}
	struct cert_blob ca;
	cert_blob_load(dir, "ca_rsa1k.pub", &ca);
	sign("short", "user", "ca_rsa1k", "-I s -n devbox " WINDOW, &cert);
	snprintf(path, sizeof(path), "%s/ca_rsa1k", dir);
	FILE *f = fopen(path, "r");
	EVP_PKEY *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	if (!CHECK(key != NULL) || !CHECK(msb_ssh_cert_parse(cert.b, cert.n, c, &why) == 0)) {
		EVP_PKEY_free(key);
		free(c);
		return;
	}
	uint8_t *serial = cert.b + (c->key_id.p - cert.b) - 16;
	for (uint32_t i = 1; i < 100000 && (n == 0 || sig[0] != 0); i++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		msb_put_be32(serial + 4, i);
		n = sizeof(sig);
		if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha512(), NULL, key) != 1 ||
		    EVP_DigestSign(ctx, sig, &n, cert.b, c->signed_len) != 1) {
			fprintf(stderr, "signing failed\n");
			exit(1);
		}
		EVP_MD_CTX_free(ctx);
	}
	EVP_PKEY_free(key);
	if (CHECK(n == 128 && sig[0] == 0)) {
		rsa_cert(c, sig, n, &out);
		CHECK(accepts(&out, &ca) == 0);
		rsa_cert(c, sig + 1, n - 1, &out);
		CHECK(accepts(&out, &ca) == 0);
		sig[1] ^= 1;
		rsa_cert(c, sig + 1, n - 1, &out);
		CHECK(refuses(&out, &ca, NULL, &default_req, "does not verify"));
		uint8_t longer[129] = { 0 };
		memcpy(longer + 1, sig, n);
		rsa_cert(c, longer, sizeof(longer), &out);
		CHECK(parse_fails(out.b, out.n, "longer than the CA's modulus"));
	}
	free(c);
}

int
main(void)
{
	if (sh("command -v ssh-keygen >/dev/null") != 0) {
		fprintf(stderr, "test_ssh_cert: needs ssh-keygen (openssh-client)\n");
		return 77;
	}
	setup();
	test_each_ca_type();
	test_each_key_type();
	test_fields();
	test_validity();
	test_principals();
	test_host_and_untrusted();
	test_options();
	test_cidr_list();
	test_malformed();
	test_rsa_short_signature();
	sh("rm -rf %s", dir);
	return unit_done();
}
