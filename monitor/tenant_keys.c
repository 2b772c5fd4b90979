#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tenant_keys.h"

/* A file that may be absent: then it holds no key. */
static int
load_optional(struct msb_authkeys *ks, const char *path)
{
	*ks = (struct msb_authkeys){ NULL, 0 };
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	return msb_authkeys_load(path, ks);
}

int
tenant_keys_load(struct tenant_keys *t, const char *sandbox_path, const char *global_path,
    int global_fd, const char *cas_path)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path[TENANT_KEYS_SANDBOX], PATH_MAX, "%s", sandbox_path);
	snprintf(t->path[TENANT_KEYS_GLOBAL], PATH_MAX, "%s", global_path);
	if (cas_path != NULL)
		snprintf(t->path[TENANT_KEYS_CAS], PATH_MAX, "%s", cas_path);
	if (load_optional(&t->set[TENANT_KEYS_SANDBOX], sandbox_path) != 0 ||
	    (global_fd >= 0 ?
	    msb_authkeys_load_fd(global_fd, global_path, &t->set[TENANT_KEYS_GLOBAL]) :
	    load_optional(&t->set[TENANT_KEYS_GLOBAL], global_path)) != 0 ||
	    (cas_path != NULL && msb_authkeys_load_cas(cas_path, &t->set[TENANT_KEYS_CAS]) != 0)) {
		tenant_keys_free(t);
		return -1;
	}
	return 0;
}

void
tenant_keys_free(struct tenant_keys *t)
{
	for (int i = 0; i < TENANT_KEYS_N; i++)
		msb_authkeys_free(&t->set[i]);
}

size_t
tenant_keys_count(const struct tenant_keys *t)
{
	size_t n = 0;

	for (int i = 0; i < TENANT_KEYS_N; i++)
		n += t->set[i].n;
	return n;
}

const struct msb_authkey *
tenant_keys_find(const struct tenant_keys *t, const ssh_key key, const char *addr,
    enum tenant_key_source *src, const char **why)
{
	const char *first_why = NULL;

	for (int i = TENANT_KEYS_SANDBOX; i <= TENANT_KEYS_GLOBAL; i++) {
		const struct msb_authkey *k = msb_authkeys_find(&t->set[i], key, addr, why);
		if (k != NULL) {
			*src = (enum tenant_key_source)i;
			return k;
		}
		/* "from= refused" says more than "not authorized". */
		if (first_why == NULL || strcmp(first_why, "key not authorized") == 0)
			first_why = *why;
	}
	*why = first_why;
	return NULL;
}
