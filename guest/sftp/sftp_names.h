/*
 * User and group names for ids, read from the guest's /etc/passwd and
 * /etc/group (no NSS in a static binary) and cached: a directory listing
 * asks for the same few owners over and over.
 */
#ifndef MSB_SFTP_NAMES_H
#define MSB_SFTP_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SFTP_NAMES_CACHED 16

struct sftp_name_entry {
	bool used;
	bool found;
	uint32_t id;
	char name[256];
};

struct sftp_names {
	struct sftp_name_entry users[SFTP_NAMES_CACHED];
	struct sftp_name_entry groups[SFTP_NAMES_CACHED];
	unsigned next_user, next_group;
};

void sftp_names_init(struct sftp_names *n);
/* The name, or NULL when the id has none. */
const char *sftp_user_name(struct sftp_names *n, uid_t uid);
const char *sftp_group_name(struct sftp_names *n, gid_t gid);

#endif
