/*
 * authorized_keys as OpenSSH reads it: one key per line, optionally after
 * a comma-separated option list; '#' comments and blank lines ignored. A
 * line that cannot be parsed is skipped with a warning naming the file and
 * line, so one bad line never locks everyone out. Options msb cannot honour
 * (environment=, permitopen=, ...) also skip the line: dropping a
 * restriction silently would widen access. A cert-authority line (with an
 * optional principals="..." list) trusts a CA for user certificates
 * (cert_auth.h) and authenticates no key of its own.
 */
#ifndef MSB_AUTHKEYS_H
#define MSB_AUTHKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include <libssh/libssh.h>

/* Longest line and file msb reads. */
#define MSB_AUTHKEYS_LINE_MAX (16u * 1024u)
#define MSB_AUTHKEYS_FILE_MAX (1024u * 1024u)

struct msb_authkey {
	ssh_key key;
	bool no_pty;
	bool no_port_forwarding;
	char *command;   /* command="...", or NULL */
	char *from;      /* from="...", or NULL */
	bool cert_authority;
	char *principals;       /* principals="..." (cert-authority only), or NULL */
	unsigned char *blob;    /* cert-authority: the CA's public key blob */
	size_t blob_len;
	unsigned line;
};

struct msb_authkeys {
	struct msb_authkey *keys;
	size_t n;
};

/*
 * Parses one line. Returns 1 with k filled (free with msb_authkey_free),
 * 0 for a blank or comment line, -1 with why for a line that is not a
 * valid key.
 */
int msb_authkey_parse(const char *line, struct msb_authkey *k, const char **why);
void msb_authkey_free(struct msb_authkey *k);

/*
 * Parses a whole file's text (name is for warnings). Bad lines are skipped
 * with a warning; returns 0, or -1 only when memory runs out.
 */
int msb_authkeys_parse(const char *text, size_t len, const char *name, struct msb_authkeys *out);
/*
 * Reads and parses path, held to StrictModes (strict_modes.h); -1 (after
 * logging why) when it cannot be read or is refused.
 */
int msb_authkeys_load(const char *path, struct msb_authkeys *out);
/*
 * A file of CA keys, one per line as sshd's TrustedUserCAKeys (no options):
 * every entry is a cert-authority one.
 */
int msb_authkeys_load_cas(const char *path, struct msb_authkeys *out);
/*
 * The same from an open file read from offset 0 (a memfd msb made, so no
 * StrictModes); path names it in messages.
 */
int msb_authkeys_load_fd(int fd, const char *path, struct msb_authkeys *out);
void msb_authkeys_free(struct msb_authkeys *ks);
/*
 * The first entry for key (same type and public key, not a cert-authority
 * line) whose from= admits addr (NULL: no network peer, which no from=
 * admits). NULL when none, with why saying whether the key is unknown or
 * its from= refused.
 */
const struct msb_authkey *msb_authkeys_find(const struct msb_authkeys *ks, const ssh_key key,
    const char *addr, const char **why);

/*
 * The key half of a line, "TYPE BASE64 [comment]": ssh-ed25519,
 * ecdsa-sha2-nistp256/384/521 or ssh-rsa. Returns 0 with *key set, or -1.
 */
int msb_pubkey_parse(const char *text, ssh_key *key, const char **why);
/* "SHA256:..." for key into buf; 0 or -1. */
int msb_key_fingerprint(const ssh_key key, char *buf, size_t len);

#endif
