/*
 * Session recording files (--record DIR), made by the privileged side: the
 * directory is checked once and held open; each file is created in it
 * O_EXCL and O_NOFOLLOW, mode 0600 and owned by the monitor's user, gets
 * its asciicast header (lib/cast.h), is made append-only (FS_APPEND_FL)
 * where the filesystem allows it, and is handed to the session worker
 * opened O_WRONLY|O_APPEND.
 */
#ifndef MSB_RECORD_FILE_H
#define MSB_RECORD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default and the bounds of --record-max (bytes per recording). */
#define MSB_RECORD_MAX_DEFAULT (64ull << 20)
#define MSB_RECORD_MAX_MIN     (64ull << 10)
#define MSB_RECORD_MAX_MAX     (64ull << 30)
#define MSB_RECORD_NAME_MAX    256

/*
 * Opens the recording directory and checks it: a directory (not a
 * symbolic link), owned by the user msb runs as or root, writable by no
 * group or other. The descriptor, or -1 after logging why.
 */
int msb_record_dir_open(const char *path);

/* "N", "NK", "NM" or "NG" (powers of 1024) within the bounds; 0 or -1. */
int msb_record_max_parse(const char *s, uint64_t *bytes);

struct msb_record_req {
	uint64_t now;            /* Unix seconds: the name and the header's timestamp */
	const char *sandbox;
	const char *key_fp;      /* "SHA256:...", the key (or certificate) that logged in */
	const char *user;        /* the login name */
	uint32_t chan;
	const char *what;        /* "shell", "exec" or "subsystem" */
	const char *command;     /* the command or subsystem name, or NULL */
	const char *term;        /* or NULL */
	uint32_t cols, rows;     /* 0: none (80x24 in the header) */
};

/*
 * Creates a recording in dirfd and writes its header. The descriptor
 * (O_WRONLY|O_APPEND|O_CLOEXEC) with the file's name in name and the
 * header's size in *used; -1 after logging why. *append_only says whether
 * the filesystem took FS_APPEND_FL.
 */
int msb_record_create(int dirfd, const struct msb_record_req *r, char *name, size_t namelen,
    uint64_t *used, bool *append_only);
/* The file name for r, characters outside [A-Za-z0-9._-] as '-'; suffix > 0 adds "-N". */
int msb_record_name(const struct msb_record_req *r, unsigned suffix, char *name, size_t len);

#endif
