#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sftp_policy.h"

const struct msb_sftp_req_info msb_sftp_requests[MSB_SFTP_REQ_COUNT] = {
	[MSB_SFTP_REQ_OPEN] = { "open", false },
	[MSB_SFTP_REQ_CLOSE] = { "close", false },
	[MSB_SFTP_REQ_READ] = { "read", false },
	[MSB_SFTP_REQ_WRITE] = { "write", true },
	[MSB_SFTP_REQ_LSTAT] = { "lstat", false },
	[MSB_SFTP_REQ_FSTAT] = { "fstat", false },
	[MSB_SFTP_REQ_SETSTAT] = { "setstat", true },
	[MSB_SFTP_REQ_FSETSTAT] = { "fsetstat", true },
	[MSB_SFTP_REQ_OPENDIR] = { "opendir", false },
	[MSB_SFTP_REQ_READDIR] = { "readdir", false },
	[MSB_SFTP_REQ_REMOVE] = { "remove", true },
	[MSB_SFTP_REQ_MKDIR] = { "mkdir", true },
	[MSB_SFTP_REQ_RMDIR] = { "rmdir", true },
	[MSB_SFTP_REQ_REALPATH] = { "realpath", false },
	[MSB_SFTP_REQ_STAT] = { "stat", false },
	[MSB_SFTP_REQ_RENAME] = { "rename", true },
	[MSB_SFTP_REQ_READLINK] = { "readlink", false },
	[MSB_SFTP_REQ_SYMLINK] = { "symlink", true },
	[MSB_SFTP_REQ_POSIX_RENAME] = { "posix-rename", true },
	[MSB_SFTP_REQ_STATVFS] = { "statvfs", false },
	[MSB_SFTP_REQ_FSTATVFS] = { "fstatvfs", false },
	[MSB_SFTP_REQ_HARDLINK] = { "hardlink", true },
	/* As sftp-server: a read-only session has nothing to flush. */
	[MSB_SFTP_REQ_FSYNC] = { "fsync", true },
	[MSB_SFTP_REQ_LSETSTAT] = { "lsetstat", true },
	[MSB_SFTP_REQ_LIMITS] = { "limits", false },
	[MSB_SFTP_REQ_EXPAND_PATH] = { "expand-path", false },
	[MSB_SFTP_REQ_COPY_DATA] = { "copy-data", true },
	[MSB_SFTP_REQ_HOME_DIRECTORY] = { "home-directory", false },
	[MSB_SFTP_REQ_USERS_GROUPS_BY_ID] = { "users-groups-by-id", false },
};

#define ALL_REQUESTS ((uint32_t)((1ull << MSB_SFTP_REQ_COUNT) - 1))

void
msb_sftp_policy_open(struct msb_sftp_policy *p)
{
	p->read_only = false;
	p->denied = 0;
	p->allowed = ALL_REQUESTS;
}

static int
req_by_name(const char *name, size_t len)
{
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++) {
		if (strlen(msb_sftp_requests[i].name) == len &&
		    memcmp(msb_sftp_requests[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

static int
req_list(const char *list, uint32_t *mask, const char **bad,
    size_t *bad_len)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		int r = req_by_name(p, len);

		if (r < 0) {
			*bad = p;
			*bad_len = len;
			return -1;
		}
		*mask |= 1u << r;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

int
msb_sftp_list_parse(const char *what, const char *list, uint32_t *mask, char *err,
    size_t err_len)
{
	const char *bad;
	size_t bad_len;

	if (strlen(list) > MSB_SFTP_LIST_MAX) {
		snprintf(err, err_len, "%s list too long", what);
		return -1;
	}
	if (req_list(list, mask, &bad, &bad_len) == 0)
		return 0;
	if (bad_len == 0)
		snprintf(err, err_len, "empty request name in %s list \"%s\"", what, list);
	else
		snprintf(err, err_len, "unknown SFTP request \"%.*s\" in %s list "
		    "(msb-sftp-server -Q requests lists them)", (int)bad_len, bad, what);
	return -1;
}

int
msb_sftp_policy_set(struct msb_sftp_policy *p, bool read_only,
    const char *deny, const char *allow, char *err, size_t err_len)
{
	msb_sftp_policy_open(p);
	p->read_only = read_only;
	if (deny != NULL && msb_sftp_list_parse("deny", deny, &p->denied, err, err_len) != 0)
		return -1;
	if (allow != NULL && msb_sftp_list_parse("allow", allow, &p->allowed, err, err_len) != 0)
		return -1;
	return 0;
}

bool
msb_sftp_policy_permits(const struct msb_sftp_policy *p, enum msb_sftp_req r)
{
	if ((unsigned)r >= MSB_SFTP_REQ_COUNT)
		return false;
	if (p->read_only && msb_sftp_requests[r].writes)
		return false;
	uint32_t bit = 1u << r;
	return (p->denied & bit) == 0 && (p->allowed & bit) != 0;
}
