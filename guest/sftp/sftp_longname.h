/* The `ls -l` style long name READDIR sends, in OpenSSH's layout. */
#ifndef MSB_SFTP_LONGNAME_H
#define MSB_SFTP_LONGNAME_H

#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* Longer lines are cut, as OpenSSH's are. */
#define SFTP_LONGNAME_MAX 1024

/*
 * user and group may be NULL: the numeric id is shown instead. now decides
 * between "Mon dd hh:mm" (last six months) and "Mon dd  yyyy".
 */
void sftp_longname(char out[SFTP_LONGNAME_MAX], const char *name,
    const struct stat *st, const char *user, const char *group, time_t now);

/* "drwxr-xr-x" and friends: 10 characters and a NUL. */
void sftp_mode_string(mode_t mode, char out[11]);

#endif
