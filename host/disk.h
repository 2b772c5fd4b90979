/*
 * A sandbox's root disk: a sparse copy of its image's root filesystem,
 * grown to the sandbox's disk size.
 */
#ifndef MSB_DISK_H
#define MSB_DISK_H

#include <stdint.h>
#include <stddef.h>

/*
 * Copies src to dst (created 0600, must not exist) keeping holes, then
 * grows the file and its ext4 filesystem to size bytes when larger.
 * Returns 0, or -1 with a message in err (dst removed).
 */
int disk_create(const char *src, const char *dst, uint64_t size, char *err, size_t errlen);

#endif
