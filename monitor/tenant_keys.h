/*
 * The keys that may open one sandbox: its own authorized_keys (under its
 * directory: that sandbox and no other), MSB_HOME/ssh/authorized_keys
 * (every sandbox of that MSB_HOME), and the CAs of --trusted-user-ca-keys
 * (user certificates for every sandbox). A plain key is looked for in the
 * sandbox's file first; a certificate is checked against the cert-authority
 * lines of both files, then the trusted CAs, the first CA that signed it
 * deciding (cert_auth.h).
 */
#ifndef MSB_TENANT_KEYS_H
#define MSB_TENANT_KEYS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "host/authkeys.h"

enum tenant_key_source { TENANT_KEYS_SANDBOX, TENANT_KEYS_GLOBAL, TENANT_KEYS_CAS, TENANT_KEYS_N };

struct tenant_keys {
	struct msb_authkeys set[TENANT_KEYS_N];
	char path[TENANT_KEYS_N][PATH_MAX];   /* for messages; empty when not given */
};

/*
 * Loads the sandbox's file (sandbox_path; absent is no key), the global
 * one (from global_fd if it is not -1, else global_path; absent is no key)
 * and the trusted CAs (cas_path, or NULL for none; it must load). Files
 * are held to StrictModes. 0, or -1 after logging why.
 */
int tenant_keys_load(struct tenant_keys *t, const char *sandbox_path, const char *global_path,
    int global_fd, const char *cas_path);
void tenant_keys_free(struct tenant_keys *t);
/* How many keys and CAs there are in all. */
size_t tenant_keys_count(const struct tenant_keys *t);

/* A plain key's entry (authkeys.h's msb_authkeys_find), sandbox's file first; *src is where. */
const struct msb_authkey *tenant_keys_find(const struct tenant_keys *t, const ssh_key key,
    const char *addr, enum tenant_key_source *src, const char **why);

#endif
