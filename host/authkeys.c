#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"
#include "from_match.h"
#include "lib/log.h"
#include "lib/ssh_cert.h"
#include "lib/strict_modes.h"

static const char *const key_types[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521", "ssh-rsa",
};

/* Options that change nothing in msb: it has no agent or X11 forwarding and no rc files. */
static const char *const ignored_options[] = {
	"no-agent-forwarding", "agent-forwarding", "no-x11-forwarding",
	"x11-forwarding", "no-user-rc", "user-rc", "no-touch-required",
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_key_type(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (strlen(key_types[i]) == n && strncmp(key_types[i], s, n) == 0)
			return true;
	}
	return false;
}

/* libssh takes an ECDSA key's type from the caller but its curve from the blob. */
static const char *
key_type_name(const ssh_key key)
{
	const char *name = strncmp(ssh_key_type_to_char(ssh_key_type(key)), "ecdsa", 5) == 0 ?
	    ssh_pki_key_ecdsa_name(key) : ssh_key_type_to_char(ssh_key_type(key));

	return name != NULL ? name : "";
}

/* Whether some blank-separated word of the line names a supported key type. */
static bool
has_key_type(const char *p)
{
	while (*p != '\0') {
		size_t n = strcspn(p, " \t");
		if (is_key_type(p, n))
			return true;
		p += n;
		p += strspn(p, " \t");
	}
	return false;
}

void
msb_authkey_free(struct msb_authkey *k)
{
	ssh_key_free(k->key);
	free(k->command);
	free(k->from);
	free(k->principals);
	free(k->blob);
	memset(k, 0, sizeof(*k));
}

int
msb_pubkey_parse(const char *text, ssh_key *key, const char **why)
{
	char type[32], *b64 = NULL, *canon = NULL;
	size_t tn = strcspn(text, " \t"), bn;
	const char *p = text + tn;
	int rc = -1;

	*key = NULL;
	if (!is_key_type(text, tn)) {
		*why = tn == 0 ? "no key" : "unsupported key type";
		return -1;
	}
	memcpy(type, text, tn);
	type[tn] = '\0';
	while (is_space(*p))
		p++;
	bn = strcspn(p, " \t\r\n");
	if (bn == 0) {
		*why = "key data missing";
		return -1;
	}
	if ((b64 = strndup(p, bn)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	*why = "key data is not a valid key of that type";
	if (ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), key) != SSH_OK)
		goto out;
	/* The blob names its own type: export it again so that a blob of another
	 * type, or trailing bytes, cannot pass under this line's type name. */
	if (ssh_pki_export_pubkey_base64(*key, &canon) != SSH_OK || strcmp(canon, b64) != 0 ||
	    strcmp(key_type_name(*key), type) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		ssh_key_free(*key);
		*key = NULL;
	}
	ssh_string_free_char(canon);
	free(b64);
	return rc;
}

int
msb_key_fingerprint(const ssh_key key, char *buf, size_t len)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return -1;
	char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL)
		return -1;
	int n = snprintf(buf, len, "%s", fp);
	ssh_string_free_char(fp);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Reads a quoted option value at *pp (just past '='): "..." where \" is a
 * quote. Returns a new string and leaves *pp past the closing quote.
 */
static char *
option_value(const char **pp, const char **why)
{
	const char *p = *pp;
	size_t o = 0;

	if (*p != '"') {
		*why = "option value not quoted";
		return NULL;
	}
	char *v = malloc(strlen(p));
	if (v == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] == '"')
			p++;
		v[o++] = *p;
	}
	if (*p != '"') {
		free(v);
		*why = "unterminated quoted option value";
		return NULL;
	}
	v[o] = '\0';
	*pp = p + 1;
	return v;
}

static bool
option_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/*
 * A principals= list as OpenSSH takes it: names separated by commas, none
 * empty, no blanks or quotes.
 */
static int
principals_check(const char *list, const char **why)
{
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ", \t\"");
		if (n == 0 || (p[n] != ',' && p[n] != '\0')) {
			*why = "principals= wants names separated by commas";
			return -1;
		}
		p += n;
		if (*p == '\0')
			return 0;
	}
}

/* Keeps a cert-authority line's key as the blob certificates name their CA by. */
static int
ca_blob(struct msb_authkey *k, const char **why)
{
	char *b64 = NULL, *line = NULL;
	int rc = -1;

	*why = "cannot encode the CA key";
	if (ssh_pki_export_pubkey_base64(k->key, &b64) != SSH_OK ||
	    asprintf(&line, "%s %s", key_type_name(k->key), b64) < 0) {
		line = NULL;
		goto out;
	}
	size_t cap = strlen(b64);   /* base64 is longer than what it encodes */
	if ((k->blob = malloc(cap)) == NULL) {
		*why = "out of memory";
		goto out;
	}
	rc = msb_ssh_cert_from_line(line, strlen(line), k->blob, cap, &k->blob_len, why);
out:
	ssh_string_free_char(b64);
	free(line);
	return rc;
}

/* Applies the option list at *pp (up to the first unquoted blank). 0 or -1. */
static int
parse_options(const char **pp, struct msb_authkey *k, const char **why)
{
	const char *p = *pp;
	bool pty_set = false, fwd_set = false;

	for (;;) {
		size_t n = strcspn(p, ",= \t");
		if (n == 0) {
			*why = "empty option";
			return -1;
		}
		if (p[n] == '=') {
			char **slot = option_is(p, n, "command") ? &k->command :
			    option_is(p, n, "from") ? &k->from :
			    option_is(p, n, "principals") ? &k->principals : NULL;
			if (slot == NULL) {
				*why = "unsupported option (msb cannot honour it)";
				return -1;
			}
			if (*slot != NULL) {
				*why = "option given twice";
				return -1;
			}
			p += n + 1;
			if ((*slot = option_value(&p, why)) == NULL)
				return -1;
			if (slot == &k->from && msb_from_check(k->from, why) != 0)
				return -1;
			if (slot == &k->principals && principals_check(k->principals, why) != 0)
				return -1;
		} else {
			bool known = true;
			if (option_is(p, n, "restrict")) {
				if (!pty_set)
					k->no_pty = true;
				if (!fwd_set)
					k->no_port_forwarding = true;
			} else if (option_is(p, n, "cert-authority")) {
				k->cert_authority = true;
			} else if (option_is(p, n, "no-pty") || option_is(p, n, "pty")) {
				k->no_pty = p[0] == 'n' || p[0] == 'N';
				pty_set = true;
			} else if (option_is(p, n, "no-port-forwarding") ||
			    option_is(p, n, "port-forwarding")) {
				k->no_port_forwarding = p[0] == 'n' || p[0] == 'N';
				fwd_set = true;
			} else {
				known = false;
				for (size_t i = 0; i < sizeof(ignored_options) / sizeof(ignored_options[0]); i++)
					known = known || option_is(p, n, ignored_options[i]);
			}
			if (!known) {
				*why = "unknown or unsupported option";
				return -1;
			}
			p += n;
		}
		if (*p == ',') {
			p++;
			continue;
		}
		if (!is_space(*p)) {
			*why = *p == '\0' ? "options but no key" : "bad option syntax";
			return -1;
		}
		*pp = p;
		return 0;
	}
}

int
msb_authkey_parse(const char *line, struct msb_authkey *k, const char **why)
{
	const char *p = line;

	memset(k, 0, sizeof(*k));
	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#' || *p == '\n' || *p == '\r')
		return 0;
	if (strlen(p) > MSB_AUTHKEYS_LINE_MAX) {
		*why = "line too long";
		return -1;
	}
	if (!is_key_type(p, strcspn(p, " \t"))) {
		if (!has_key_type(p)) {
			*why = "no key of a supported type (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)";
			goto bad;
		}
		if (parse_options(&p, k, why) != 0)
			goto bad;
		while (is_space(*p))
			p++;
	}
	if (msb_pubkey_parse(p, &k->key, why) != 0)
		goto bad;
	if (k->principals != NULL && !k->cert_authority) {
		*why = "principals= without cert-authority";
		goto bad;
	}
	if (k->cert_authority && ca_blob(k, why) != 0)
		goto bad;
	return 1;
bad:
	msb_authkey_free(k);
	return -1;
}

void
msb_authkeys_free(struct msb_authkeys *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		msb_authkey_free(&ks->keys[i]);
	free(ks->keys);
	ks->keys = NULL;
	ks->n = 0;
}

/* Every line of text, each after prefix (an option list that applies to all). */
static int
parse_lines(const char *text, size_t len, const char *name, const char *prefix,
    struct msb_authkeys *out)
{
	size_t cap = 0, plen = strlen(prefix);
	unsigned lineno = 0;

	out->keys = NULL;
	out->n = 0;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		const char *why = NULL;
		struct msb_authkey k;

		lineno++;
		if (n > MSB_AUTHKEYS_LINE_MAX || memchr(text + off, '\0', n) != NULL) {
			error("%s:%u: skipped: %s", name, lineno, n > MSB_AUTHKEYS_LINE_MAX ?
			    "line too long" : "NUL byte in line");
			off += n + 1;
			continue;
		}
		char *line = malloc(plen + n + 1);
		if (line == NULL)
			goto oom;
		memcpy(line, prefix, plen);
		memcpy(line + plen, text + off, n);
		line[plen + n] = '\0';
		line[strcspn(line, "\r")] = '\0';
		const char *body = line + plen + strspn(line + plen, " \t");
		/* A prefix makes no line of its own out of a blank or a comment. */
		int r = plen > 0 && (*body == '\0' || *body == '#') ? 0 :
		    msb_authkey_parse(line, &k, &why);
		free(line);
		off += n + 1;
		if (r < 0)
			error("%s:%u: skipped: %s", name, lineno, why);
		if (r <= 0)
			continue;
		k.line = lineno;
		if (out->n == cap) {
			size_t ncap = cap == 0 ? 8 : cap * 2;
			struct msb_authkey *nk = reallocarray(out->keys, ncap, sizeof(*nk));
			if (nk == NULL) {
				msb_authkey_free(&k);
				goto oom;
			}
			out->keys = nk;
			cap = ncap;
		}
		out->keys[out->n++] = k;
	}
	return 0;
oom:
	error_f("out of memory");
	msb_authkeys_free(out);
	return -1;
}

int
msb_authkeys_parse(const char *text, size_t len, const char *name, struct msb_authkeys *out)
{
	return parse_lines(text, len, name, "", out);
}

static int load_text(int fd, const char *path, const char *prefix, struct msb_authkeys *out);

static int
load_path(const char *path, const char *prefix, struct msb_authkeys *out)
{
	int fd = msb_strict_open(path, MSB_STRICT_AUTH_KEYS);

	out->keys = NULL;
	out->n = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			error("cannot read authorized keys %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = load_text(fd, path, prefix, out);
	close(fd);
	return rc;
}

int
msb_authkeys_load(const char *path, struct msb_authkeys *out)
{
	return load_path(path, "", out);
}

int
msb_authkeys_load_cas(const char *path, struct msb_authkeys *out)
{
	return load_path(path, "cert-authority ", out);
}

int
msb_authkeys_load_fd(int fd, const char *path, struct msb_authkeys *out)
{
	return load_text(fd, path, "", out);
}

static int
load_text(int fd, const char *path, const char *prefix, struct msb_authkeys *out)
{
	struct stat st;

	out->keys = NULL;
	out->n = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MSB_AUTHKEYS_FILE_MAX) {
		error("authorized keys %s: not a regular file of at most %u bytes", path,
		    MSB_AUTHKEYS_FILE_MAX);
		return -1;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t len = 0;
	if (text == NULL) {
		error_f("out of memory");
		return -1;
	}
	for (;;) {
		ssize_t r = pread(fd, text + len, (size_t)st.st_size + 1 - len, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error("cannot read authorized keys %s: %s", path, strerror(errno));
			free(text);
			return -1;
		}
		len += (size_t)r;
		if (r == 0 || len > (size_t)st.st_size)
			break;
	}
	if (len > (size_t)st.st_size) {
		error("authorized keys %s changed while being read", path);
		free(text);
		return -1;
	}
	int rc = parse_lines(text, len, path, prefix, out);
	free(text);
	return rc;
}

const struct msb_authkey *
msb_authkeys_find(const struct msb_authkeys *ks, const ssh_key key, const char *addr,
    const char **why)
{
	*why = "key not authorized";
	for (size_t i = 0; i < ks->n; i++) {
		const struct msb_authkey *k = &ks->keys[i];
		if (k->cert_authority || ssh_key_cmp(k->key, key, SSH_KEY_CMP_PUBLIC) != 0)
			continue;
		if (k->from == NULL || msb_from_allows(k->from, addr))
			return k;
		*why = "key's from= does not admit this client";
	}
	return NULL;
}
