/*
 * Per-sandbox uids (SANDBOX_UID_BASE..+SANDBOX_UID_COUNT), handed out
 * host-wide, across every MSB_HOME: a registry directory holds one file per
 * uid in use, created with O_EXCL (the allocation is that create), naming
 * the sandbox directory that owns it. An entry whose sandbox directory is
 * gone, or whose config records another uid, is stale and taken over, so a
 * test home removed with rm -rf does not leak its uids for long.
 */
#ifndef MSB_SANDBOX_UID_H
#define MSB_SANDBOX_UID_H

#include <stddef.h>
#include <sys/types.h>

/* Where the registry lives; MSB_UID_REGISTRY overrides it (tests). */
#define SANDBOX_UID_REGISTRY "/var/lib/msb/uids"

/*
 * Allocates a uid for the sandbox in directory dir (an absolute path):
 * the lowest free one in the range that no passwd or group entry uses.
 * Returns it, or 0 with a message in err.
 */
uid_t sandbox_uid_alloc(const char *dir, char *err, size_t errlen);
/* Releases uid if the registry says dir owns it. */
void sandbox_uid_release(uid_t uid, const char *dir);

#endif
