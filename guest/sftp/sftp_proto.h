/*
 * SFTP version 3 wire format (draft-ietf-secsh-filexfer-02 plus the
 * extensions in OpenSSH's PROTOCOL file): constants, the decoded form of a
 * request, and the decoder that produces it. Decoding is a pure function of
 * the packet bytes so that it can be fuzzed without touching a filesystem.
 */
#ifndef MSB_SFTP_PROTO_H
#define MSB_SFTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/sftp_policy.h"

#define SFTP_VERSION 3u

/* Same bound as OpenSSH's SFTP_MAX_MSG_LENGTH: clients size requests to it. */
#define SFTP_MAX_MSG       (256u * 1024u)
/* Largest READ answered in full and largest WRITE a client should send. */
#define SFTP_MAX_READ      (SFTP_MAX_MSG - 1024u)
#define SFTP_MAX_WRITE     (SFTP_MAX_MSG - 1024u)
/* Every handle is 8 bytes: slot index and generation. */
#define SFTP_HANDLE_LEN    8u

enum sftp_type {
	SFTP_INIT = 1,
	SFTP_VERSION_REPLY = 2,
	SFTP_OPEN = 3,
	SFTP_CLOSE = 4,
	SFTP_READ = 5,
	SFTP_WRITE = 6,
	SFTP_LSTAT = 7,
	SFTP_FSTAT = 8,
	SFTP_SETSTAT = 9,
	SFTP_FSETSTAT = 10,
	SFTP_OPENDIR = 11,
	SFTP_READDIR = 12,
	SFTP_REMOVE = 13,
	SFTP_MKDIR = 14,
	SFTP_RMDIR = 15,
	SFTP_REALPATH = 16,
	SFTP_STAT = 17,
	SFTP_RENAME = 18,
	SFTP_READLINK = 19,
	SFTP_SYMLINK = 20,
	SFTP_STATUS = 101,
	SFTP_HANDLE = 102,
	SFTP_DATA = 103,
	SFTP_NAME = 104,
	SFTP_ATTRS = 105,
	SFTP_EXTENDED = 200,
	SFTP_EXTENDED_REPLY = 201,
};

enum sftp_status {
	SFTP_FX_OK = 0,
	SFTP_FX_EOF = 1,
	SFTP_FX_NO_SUCH_FILE = 2,
	SFTP_FX_PERMISSION_DENIED = 3,
	SFTP_FX_FAILURE = 4,
	SFTP_FX_BAD_MESSAGE = 5,
	SFTP_FX_NO_CONNECTION = 6,
	SFTP_FX_CONNECTION_LOST = 7,
	SFTP_FX_OP_UNSUPPORTED = 8,
};

#define SFTP_ATTR_SIZE        0x00000001u
#define SFTP_ATTR_UIDGID      0x00000002u
#define SFTP_ATTR_PERMISSIONS 0x00000004u
#define SFTP_ATTR_ACMODTIME   0x00000008u
#define SFTP_ATTR_EXTENDED    0x80000000u

#define SFTP_FXF_READ   0x00000001u
#define SFTP_FXF_WRITE  0x00000002u
#define SFTP_FXF_APPEND 0x00000004u
#define SFTP_FXF_CREAT  0x00000008u
#define SFTP_FXF_TRUNC  0x00000010u
#define SFTP_FXF_EXCL   0x00000020u

#define SFTP_STATVFS_RDONLY 0x1u
#define SFTP_STATVFS_NOSUID 0x2u

/* Extended requests we implement, in the order VERSION advertises them. */
enum sftp_ext {
	SFTP_EXT_POSIX_RENAME,
	SFTP_EXT_STATVFS,
	SFTP_EXT_FSTATVFS,
	SFTP_EXT_HARDLINK,
	SFTP_EXT_FSYNC,
	SFTP_EXT_LSETSTAT,
	SFTP_EXT_LIMITS,
	SFTP_EXT_EXPAND_PATH,
	SFTP_EXT_COPY_DATA,
	SFTP_EXT_HOME_DIRECTORY,
	SFTP_EXT_USERS_GROUPS_BY_ID,
	SFTP_EXT_COUNT,
	SFTP_EXT_UNKNOWN = SFTP_EXT_COUNT,
};

struct sftp_ext_info {
	const char *name;
	const char *version;
	enum msb_sftp_req req;  /* its name in -P/-p lists */
};

extern const struct sftp_ext_info sftp_ext_table[SFTP_EXT_COUNT];

/* Bytes inside the packet; never NUL-terminated. */
struct sftp_str {
	const uint8_t *p;
	uint32_t len;
};

/* Vendor attribute extensions are parsed and skipped: nothing uses them. */
struct sftp_attrs {
	uint32_t flags;
	uint64_t size;
	uint32_t uid, gid;
	uint32_t perm;
	uint32_t atime, mtime;
};

/*
 * A decoded request. Which fields are meaningful depends on type (and ext);
 * strings point into the packet, so it must outlive the request.
 *   INIT            version
 *   OPEN            path, pflags, attrs
 *   CLOSE READDIR FSTAT           handle
 *   READ            handle, offset, len
 *   WRITE           handle, offset, data
 *   FSETSTAT        handle, attrs
 *   LSTAT STAT OPENDIR REMOVE RMDIR REALPATH READLINK   path
 *   SETSTAT MKDIR   path, attrs
 *   RENAME          path (old), path2 (new)
 *   SYMLINK         path (target), path2 (link), OpenSSH's order
 *   EXTENDED        ext, ext_name, then per extension:
 *     posix-rename, hardlink   path (old), path2 (new)
 *     statvfs, expand-path     path
 *     home-directory           path (user name, may be empty)
 *     fstatvfs, fsync          handle
 *     lsetstat                 path, attrs
 *     copy-data                handle, offset, length, handle2, offset2
 *     users-groups-by-id       data (uids), data2 (gids): u32 lists
 */
struct sftp_request {
	uint8_t type;
	bool has_id;
	uint32_t id;
	uint32_t version;
	enum sftp_ext ext;
	struct sftp_str ext_name;
	struct sftp_str path, path2;
	struct sftp_str handle, handle2;
	struct sftp_str data, data2;
	uint32_t pflags;
	uint64_t offset, offset2;
	uint32_t len;
	uint64_t length;
	struct sftp_attrs attrs;
};

enum sftp_decode_result {
	SFTP_DECODE_OK,
	SFTP_DECODE_MALFORMED,    /* short, overlong field, NUL inside a path */
	SFTP_DECODE_UNSUPPORTED,  /* a request type v3 does not define */
};

/*
 * Decodes one packet (type byte onward, without the length prefix).
 * On MALFORMED or UNSUPPORTED, has_id tells whether id could be read so
 * the caller can still answer with a status.
 */
enum sftp_decode_result sftp_decode_request(const uint8_t *p, size_t len,
    struct sftp_request *req);

struct msb_reader;
/* Reads an ATTRS block; 0, or -1 with the reader's sticky error set. */
int sftp_get_attrs(struct msb_reader *r, struct sftp_attrs *a);

/* Name for a status code, used when no more specific message exists. */
const char *sftp_status_text(uint32_t status);

#endif
