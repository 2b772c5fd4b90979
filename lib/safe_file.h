/*
 * How msb creates files: relative to a descriptor of their directory, never
 * through a symbolic link, and under names no one can guess in advance (a
 * temporary file gets random bytes in its name and O_EXCL), so someone who
 * can write a directory msb writes in cannot redirect a write of root's to
 * a file of their choosing.
 */
#ifndef MSB_SAFE_FILE_H
#define MSB_SAFE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Opens path's directory (following links: the directories are checked
 * elsewhere) and points *base at path's last component. A descriptor, or
 * -1 with errno set.
 */
int msb_safe_dir(const char *path, const char **base);
/* Creates a new name in dirfd: O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC|flags. */
int msb_safe_create(int dirfd, const char *name, int flags, mode_t mode);
/*
 * Opens name in dirfd for appending (creating it with mode if missing). A
 * symbolic link, anything but a regular file, or a file with other hard
 * links is refused (EPERM): a log cannot be turned into a way to write
 * elsewhere. truncate empties it.
 */
int msb_safe_append(int dirfd, const char *name, mode_t mode, bool truncate);
/*
 * Writes data to a new file under a random name in dirfd, then moves it to
 * name: renameat when replace, else linkat, which keeps a file already
 * there (that is no error). Readers never see a half-written file. 0, or -1
 * with errno set.
 */
int msb_safe_publish(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
    bool replace);
/* msb_safe_publish on a path. */
int msb_safe_publish_path(const char *path, const void *data, size_t len, mode_t mode,
    bool replace);
/* msb_safe_append on a path. */
int msb_safe_append_path(const char *path, mode_t mode, bool truncate);

#endif
