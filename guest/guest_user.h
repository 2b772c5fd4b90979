/*
 * Guest accounts, read straight from /etc/passwd and /etc/group: the agent
 * is a static binary and PID 1, so it cannot rely on NSS modules.
 */
#ifndef MSB_GUEST_USER_H
#define MSB_GUEST_USER_H

#include <sys/types.h>

#define GUEST_USER_MAX_GROUPS 64
#define GUEST_USER_SHELL_MAX  4095

struct guest_user {
	char name[256];
	uid_t uid;
	gid_t gid;
	char home[4096];
	char shell[GUEST_USER_SHELL_MAX + 1];
	gid_t groups[GUEST_USER_MAX_GROUPS];  /* supplementary, gid included */
	int ngroups;
};

/* 0 on success; -1 with errno ENOENT when unknown, another errno on I/O errors. */
int guest_user_lookup(const char *name, struct guest_user *out);
/*
 * setgroups/setgid/setuid to the user and checks the change stuck (a
 * process that cannot drop must not run a request as root by mistake).
 * Does nothing when the caller already is that uid and not root.
 */
int guest_user_become(const struct guest_user *u);
/* Names for ids, for SFTP long names and users-groups-by-id; 0 or -1. */
int guest_user_name_by_uid(uid_t uid, char *buf, size_t len);
int guest_group_name_by_gid(gid_t gid, char *buf, size_t len);

#endif
