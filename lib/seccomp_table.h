/*
 * A seccomp allow-list as data: each confined role (a thread of msb-vmm,
 * the network child, the session worker) keeps its policy in one table of
 * these rules, and this loads it. Not in libmsbcore: that library depends
 * on libc alone.
 */
#ifndef MSB_SECCOMP_TABLE_H
#define MSB_SECCOMP_TABLE_H

#include <stddef.h>

#include <seccomp.h>

struct msb_seccomp_rule {
	int nr;                 /* SCMP_SYS(name) */
	enum scmp_compare cmp;  /* 0: allowed with any arguments */
	unsigned arg;           /* the argument checked */
	scmp_datum_t mask;      /* SCMP_CMP_MASKED_EQ only */
	scmp_datum_t value;
	int fail_errno;         /* 0: allowed; else the call fails with it */
};

/* Allowed with any arguments. */
#define MSB_SC_ALLOW(name) { SCMP_SYS(name), 0, 0, 0, 0, 0 }
/* Allowed when argument i equals v. */
#define MSB_SC_ARG_EQ(name, i, v) { SCMP_SYS(name), SCMP_CMP_EQ, (i), 0, (v), 0 }
/* Allowed when argument i masked with m equals v. */
#define MSB_SC_ARG_MASKED(name, i, m, v) { SCMP_SYS(name), SCMP_CMP_MASKED_EQ, (i), (m), (v), 0 }
/* Not allowed, but returns -1 with errno e instead of killing: for a
 * library's optional probe that copes with the failure. */
#define MSB_SC_FAIL(name, e) { SCMP_SYS(name), 0, 0, 0, 0, (e) }

/*
 * Loads the table into the calling thread only (no TSYNC): everything
 * else kills the whole process (SCMP_ACT_KILL_PROCESS). Rules for the
 * same syscall are alternatives. Also sets NO_NEW_PRIVS on the thread.
 * Returns 0, or -1 with the reason logged, naming what.
 */
int msb_seccomp_load(const char *what, const struct msb_seccomp_rule *rules, size_t n);

#endif
