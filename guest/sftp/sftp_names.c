#include "config.h"

#include <string.h>

#include "guest/guest_user.h"
#include "sftp_names.h"

void
sftp_names_init(struct sftp_names *n)
{
	memset(n, 0, sizeof(*n));
}

static const char *
cached_name(struct sftp_name_entry *cache, unsigned *next, uint32_t id,
    int (*lookup)(uint32_t, char *, size_t))
{
	for (int i = 0; i < SFTP_NAMES_CACHED; i++) {
		if (cache[i].used && cache[i].id == id)
			return cache[i].found ? cache[i].name : NULL;
	}
	/* Round-robin replacement: listings rarely have more owners than slots. */
	struct sftp_name_entry *e = &cache[*next];
	*next = (*next + 1) % SFTP_NAMES_CACHED;
	e->used = true;
	e->id = id;
	e->found = lookup(id, e->name, sizeof(e->name)) == 0;
	return e->found ? e->name : NULL;
}

static int
lookup_user(uint32_t id, char *buf, size_t len)
{
	return guest_user_name_by_uid((uid_t)id, buf, len);
}

static int
lookup_group(uint32_t id, char *buf, size_t len)
{
	return guest_group_name_by_gid((gid_t)id, buf, len);
}

const char *
sftp_user_name(struct sftp_names *n, uid_t uid)
{
	return cached_name(n->users, &n->next_user, (uint32_t)uid, lookup_user);
}

const char *
sftp_group_name(struct sftp_names *n, gid_t gid)
{
	return cached_name(n->groups, &n->next_group, (uint32_t)gid, lookup_group);
}
