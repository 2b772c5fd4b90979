/*
 * What the preauth child is confined to when the monitor runs as root: an
 * empty root-owned directory to chroot into, and a dedicated system user.
 */
#ifndef MSB_PREAUTH_ENV_H
#define MSB_PREAUTH_ENV_H

#include <sys/types.h>

#define MSB_PREAUTH_CHROOT "/run/msb/empty"
#define MSB_PREAUTH_USER   "msb-preauth"

/*
 * Creates dir (root-owned, 0755) if missing, then insists that it is a
 * directory owned by root, writable by no one else, and empty. 0 or -1
 * after logging why.
 */
int msb_preauth_chroot_ensure(const char *dir);
/* Looks the user up; 0, or -1 after logging how to create it. */
int msb_preauth_user(const char *name, uid_t *uid, gid_t *gid);
/* The user from MSB_PREAUTH_USER, else the default. */
const char *msb_preauth_user_default(void);

#endif
