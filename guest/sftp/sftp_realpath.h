/*
 * Canonical absolute path for REALPATH and expand-path: ".", ".." and
 * symlinks resolved. Unlike realpath(3), a missing last component is
 * allowed, as OpenSSH's server allows it (clients resolve the name of a
 * file they are about to create).
 */
#ifndef MSB_SFTP_REALPATH_H
#define MSB_SFTP_REALPATH_H

#include <limits.h>

/* 0, or -1 with errno set. */
int sftp_realpath(const char *path, char out[PATH_MAX]);

#endif
