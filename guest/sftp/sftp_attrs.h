/*
 * Between struct stat and SFTP ATTRS: reporting a file's attributes and
 * applying the ones a SETSTAT-like request carries.
 */
#ifndef MSB_SFTP_ATTRS_H
#define MSB_SFTP_ATTRS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "sftp_proto.h"

void sftp_attrs_from_stat(const struct stat *st, struct sftp_attrs *a);

/* How sftp_attrs_apply reaches the file. */
enum sftp_attrs_target {
	SFTP_ATTRS_PATH,     /* follow symlinks (SETSTAT) */
	SFTP_ATTRS_LINK,     /* the link itself (lsetstat@openssh.com) */
	SFTP_ATTRS_FD,       /* an open descriptor (FSETSTAT) */
};

/*
 * Applies size, permissions, times and ownership in that order, stopping
 * at the first failure: returns 0, or -1 with errno set and *what naming
 * the operation that failed.
 */
int sftp_attrs_apply(const struct sftp_attrs *a, enum sftp_attrs_target target,
    const char *path, int fd, const char **what);

#endif
