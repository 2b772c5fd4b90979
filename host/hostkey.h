/*
 * The server's Ed25519 host key file: created 0600 on first use, and
 * refused when it is unreadable, not a key, or open to group or others.
 */
#ifndef MSB_HOSTKEY_H
#define MSB_HOSTKEY_H

#include <stddef.h>

/* Longest host key file msb reads. */
#define MSB_HOSTKEY_MAX (16u * 1024u)

/*
 * Creates the key at path unless it exists (under a random temporary name,
 * linked into place: safe_file.h), then checks it. 0, or -1 after logging why.
 */
int msb_hostkey_ensure(const char *path);
/*
 * Reads the private key text (NUL-terminated, at most MSB_HOSTKEY_MAX)
 * into buf after the same checks and StrictModes' (strict_modes.h: the
 * user's or root's, mode 0600 or less, no symbolic link); returns its length or -1 after logging
 * why. The caller wipes buf.
 */
long msb_hostkey_read(const char *path, char *buf, size_t len);
/* The same from an open file (read from offset 0, so a shared memfd works); path names it. */
long msb_hostkey_read_fd(int fd, const char *path, char *buf, size_t len);

#endif
