#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seccomp_table.h"

int
msb_seccomp_load(const char *what, const struct msb_seccomp_rule *rules, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = 0;

	if (ctx == NULL) {
		error_f("%s: seccomp_init failed", what);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct msb_seccomp_rule *r = &rules[i];
		uint32_t action = r->fail_errno != 0 ? SCMP_ACT_ERRNO((uint32_t)r->fail_errno) :
		    SCMP_ACT_ALLOW;

		if (r->cmp == 0)
			rc = seccomp_rule_add(ctx, action, r->nr, 0);
		else
			rc = seccomp_rule_add(ctx, action, r->nr, 1,
			    (struct scmp_arg_cmp){ .arg = r->arg, .op = r->cmp,
			    .datum_a = r->cmp == SCMP_CMP_MASKED_EQ ? r->mask : r->value,
			    .datum_b = r->value });
		if (rc != 0) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
			error_f("%s: rule for %s: %s", what, name != NULL ? name : "?", strerror(-rc));
			free(name);
		}
	}
	if (rc == 0 && (rc = seccomp_load(ctx)) != 0)
		error_f("%s: seccomp_load: %s", what, strerror(-rc));
	seccomp_release(ctx);
	return rc == 0 ? 0 : -1;
}
