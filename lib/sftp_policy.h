/*
 * Which SFTP requests a session may make: OpenSSH sftp-server's -R, -P and
 * -p, with its request names. The one table of requests lives here so that
 * the host (msb ssh serve) can check an operator's lists before any session
 * and the guest's SFTP server applies the same names.
 */
#ifndef MSB_SFTP_POLICY_H
#define MSB_SFTP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In the order sftp-server -Q requests lists them. */
enum msb_sftp_req {
	MSB_SFTP_REQ_OPEN,
	MSB_SFTP_REQ_CLOSE,
	MSB_SFTP_REQ_READ,
	MSB_SFTP_REQ_WRITE,
	MSB_SFTP_REQ_LSTAT,
	MSB_SFTP_REQ_FSTAT,
	MSB_SFTP_REQ_SETSTAT,
	MSB_SFTP_REQ_FSETSTAT,
	MSB_SFTP_REQ_OPENDIR,
	MSB_SFTP_REQ_READDIR,
	MSB_SFTP_REQ_REMOVE,
	MSB_SFTP_REQ_MKDIR,
	MSB_SFTP_REQ_RMDIR,
	MSB_SFTP_REQ_REALPATH,
	MSB_SFTP_REQ_STAT,
	MSB_SFTP_REQ_RENAME,
	MSB_SFTP_REQ_READLINK,
	MSB_SFTP_REQ_SYMLINK,
	MSB_SFTP_REQ_POSIX_RENAME,
	MSB_SFTP_REQ_STATVFS,
	MSB_SFTP_REQ_FSTATVFS,
	MSB_SFTP_REQ_HARDLINK,
	MSB_SFTP_REQ_FSYNC,
	MSB_SFTP_REQ_LSETSTAT,
	MSB_SFTP_REQ_LIMITS,
	MSB_SFTP_REQ_EXPAND_PATH,
	MSB_SFTP_REQ_COPY_DATA,
	MSB_SFTP_REQ_HOME_DIRECTORY,
	MSB_SFTP_REQ_USERS_GROUPS_BY_ID,
	MSB_SFTP_REQ_COUNT,
};

struct msb_sftp_req_info {
	const char *name;  /* sftp-server's name, as -P, -p and -Q spell it */
	/* Refused by -R. OPEN is not marked: it is refused when its flags
	 * ask for writing, creating or truncating. */
	bool writes;
};

extern const struct msb_sftp_req_info msb_sftp_requests[MSB_SFTP_REQ_COUNT];

/* Longest comma-separated list of distinct names, with room to spare. */
#define MSB_SFTP_LIST_MAX 1024u

struct msb_sftp_policy {
	bool read_only;
	uint32_t denied;   /* bit (1u << enum msb_sftp_req) */
	uint32_t allowed;  /* every bit when there is no allow list */
};

/* Nothing refused: the policy of a session without -R, -P or -p. */
void msb_sftp_policy_open(struct msb_sftp_policy *p);

/*
 * Parses a comma-separated list of request names into a bit set. Every
 * name must be one of the table's: an unknown or empty one is an error
 * (sftp-server would ignore it; a typo must not widen what a session may
 * do). Returns 0, or -1 with a message naming what ("deny", "allow") and
 * the offending entry in err.
 */
int msb_sftp_list_parse(const char *what, const char *list, uint32_t *mask,
    char *err, size_t err_len);

/*
 * Builds a policy from -R, -P and -p; deny or allow NULL means no such
 * list. Returns 0, or -1 with a message in err.
 */
int msb_sftp_policy_set(struct msb_sftp_policy *p, bool read_only,
    const char *deny, const char *allow, char *err, size_t err_len);

/* sftp-server's request_permitted(): -R, then the deny list, then the allow list. */
bool msb_sftp_policy_permits(const struct msb_sftp_policy *p, enum msb_sftp_req r);

#endif
