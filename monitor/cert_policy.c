#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "cert_policy.h"
#include "host/from_match.h"
#include "lib/log.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Longest untrusted excerpt (a name, a principal) quoted in a reason. */
#define EXCERPT_MAX 96

static int apply_force_command(struct msb_ssh_bytes data, const struct msb_cert_request *req,
    struct msb_cert_verdict *v);
static int apply_source_address(struct msb_ssh_bytes data, const struct msb_cert_request *req,
    struct msb_cert_verdict *v);

/* The critical options msb enforces; a certificate with any other is refused. */
static const struct {
	const char *name;
	int (*apply)(struct msb_ssh_bytes data, const struct msb_cert_request *req,
	    struct msb_cert_verdict *v);
} critical_options[] = {
	{ "force-command", apply_force_command },
	{ "source-address", apply_source_address },
};

/* The extensions msb honours, each a flag in the verdict; others are ignored. */
static const struct {
	const char *name;
	size_t flag;  /* offset of a bool in struct msb_cert_verdict */
} extensions[] = {
	{ "permit-port-forwarding", offsetof(struct msb_cert_verdict, permit_port_forwarding) },
	{ "permit-pty", offsetof(struct msb_cert_verdict, permit_pty) },
};

static int refuse(struct msb_cert_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(struct msb_cert_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
excerpt(char buf[EXCERPT_MAX], struct msb_ssh_bytes b)
{
	return msb_log_escape(buf, EXCERPT_MAX, (const char *)b.p, b.n);
}

static void
format_time(char *buf, size_t len, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	/* Up to the year 9999; beyond (ssh-keygen's "forever" is 2^64-1) as the number. */
	if (t < UINT64_C(253402300800) && gmtime_r(&tt, &tm) != NULL &&
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		return;
	snprintf(buf, len, "%" PRIu64, t);
}

/* A critical option's data: exactly one NUL-free string, as a new C string (NULL on failure). */
static char *
option_string(struct msb_ssh_bytes data)
{
	struct msb_reader r;
	const uint8_t *p;
	uint32_t n;

	msb_reader_init(&r, data.p, data.n);
	if (msb_get_string(&r, &p, &n) != 0 || !msb_reader_done(&r) ||
	    (n > 0 && memchr(p, '\0', n) != NULL))
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int
apply_force_command(struct msb_ssh_bytes data, const struct msb_cert_request *req,
    struct msb_cert_verdict *v)
{
	(void)req;
	v->force_command = option_string(data);
	if (v->force_command == NULL)
		return refuse(v, "malformed force-command critical option");
	return 0;
}

static int
apply_source_address(struct msb_ssh_bytes data, const struct msb_cert_request *req,
    struct msb_cert_verdict *v)
{
	char *list = option_string(data);

	if (list == NULL)
		return refuse(v, "malformed source-address critical option");
	int r = msb_cidr_list_match(list, req->addr);
	free(list);
	if (r < 0)
		return refuse(v, "invalid address list in the source-address critical option");
	if (r == 0) {
		char addr[EXCERPT_MAX];
		return refuse(v, "source address %s is not in the certificate's source-address",
		    msb_log_escape(addr, sizeof(addr), req->addr != NULL ? req->addr : "(none)",
		    req->addr != NULL ? strlen(req->addr) : 6));
	}
	return 0;
}

/* Whether name is one of the comma-separated names of list, exactly. */
static bool
in_list(const char *list, struct msb_ssh_bytes name)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n == name.n && memcmp(p, name.p, n) == 0)
			return true;
		if (p[n] == '\0')
			return false;
		p += n + 1;
	}
}

static int
check_principals(const struct msb_ssh_cert *c, const struct msb_cert_request *req,
    const char *principals, struct msb_cert_verdict *v)
{
	char first[EXCERPT_MAX];

	if (c->nprincipals == 0)
		return refuse(v, "certificate lacks a principal list");
	for (size_t i = 0; i < c->nprincipals; i++) {
		struct msb_ssh_bytes p = c->principals[i];
		if (principals != NULL ? in_list(principals, p) :
		    msb_ssh_bytes_eq(p, req->sandbox) || msb_ssh_bytes_eq(p, req->login))
			return 0;
	}
	return refuse(v, "no principal of the certificate (first: \"%s\", %zu in all) is %s",
	    excerpt(first, c->principals[0]), c->nprincipals,
	    principals != NULL ? "in the CA's principals= list" :
	    "the sandbox name or the login name");
}

static int
check_critical(const struct msb_ssh_cert *c, const struct msb_cert_request *req,
    struct msb_cert_verdict *v)
{
	char name[EXCERPT_MAX];

	for (size_t i = 0; i < c->ncritical; i++) {
		const struct msb_ssh_cert_option *o = &c->critical[i];
		size_t k = 0;
		while (k < N_ELEMENTS(critical_options) &&
		    !msb_ssh_bytes_eq(o->name, critical_options[k].name))
			k++;
		if (k == N_ELEMENTS(critical_options))
			return refuse(v, "unsupported critical option \"%s\"", excerpt(name, o->name));
		if (critical_options[k].apply(o->data, req, v) != 0)
			return -1;
	}
	return 0;
}

static int
apply_extensions(const struct msb_ssh_cert *c, struct msb_cert_verdict *v)
{
	char name[EXCERPT_MAX];

	for (size_t i = 0; i < c->nextensions; i++) {
		const struct msb_ssh_cert_option *o = &c->extensions[i];
		for (size_t k = 0; k < N_ELEMENTS(extensions); k++) {
			if (!msb_ssh_bytes_eq(o->name, extensions[k].name))
				continue;
			/* OpenSSH refuses a flag extension that carries data. */
			if (o->data.n != 0)
				return refuse(v, "extension \"%s\" carries data", excerpt(name, o->name));
			*(bool *)((char *)v + extensions[k].flag) = true;
		}
	}
	return 0;
}

void
msb_cert_verdict_identify(const struct msb_ssh_cert *c, struct msb_cert_verdict *v)
{
	msb_log_escape(v->key_id, sizeof(v->key_id), (const char *)c->key_id.p, c->key_id.n);
	v->serial = c->serial;
	if (msb_cert_fingerprint(c->ca_blob.p, c->ca_blob.n, v->ca_fingerprint,
	    sizeof(v->ca_fingerprint)) != 0)
		snprintf(v->ca_fingerprint, sizeof(v->ca_fingerprint), "SHA256:?");
}

int
msb_cert_policy(const struct msb_ssh_cert *c, const struct msb_cert_request *req,
    const char *principals, struct msb_cert_verdict *v)
{
	char when[32];

	memset(v, 0, sizeof(*v));
	msb_cert_verdict_identify(c, v);
	if (c->type != MSB_SSH_CERT_TYPE_USER)
		return refuse(v, "not a user certificate (type %" PRIu32 ")", c->type);
	if (req->now < c->valid_after) {
		format_time(when, sizeof(when), c->valid_after);
		return refuse(v, "certificate not yet valid (valid after %s)", when);
	}
	if (req->now >= c->valid_before) {
		format_time(when, sizeof(when), c->valid_before);
		return refuse(v, "certificate expired (valid before %s)", when);
	}
	if (check_principals(c, req, principals, v) != 0 || check_critical(c, req, v) != 0 ||
	    apply_extensions(c, v) != 0) {
		msb_cert_verdict_free(v);
		return -1;
	}
	return 0;
}

void
msb_cert_verdict_free(struct msb_cert_verdict *v)
{
	free(v->force_command);
	v->force_command = NULL;
	v->permit_pty = false;
	v->permit_port_forwarding = false;
}
