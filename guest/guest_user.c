#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_user.h"
#include "lib/log.h"

#define PASSWD_PATH "/etc/passwd"
#define GROUP_PATH  "/etc/group"

/*
 * Splits a colon-separated line in place into exactly nfields fields:
 * passwd and group lines have a fixed arity, so a line with fewer or more
 * fields is malformed. Returns 0, or -1 for a malformed line.
 */
static int
split_fields(char *line, char **f, int nfields)
{
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	for (int i = 0; i < nfields; i++) {
		f[i] = p;
		if (i == nfields - 1)
			return strchr(p, ':') == NULL ? 0 : -1;
		p = strchr(p, ':');
		if (p == NULL)
			return -1;
		*p++ = '\0';
	}
	return 0;
}

static int
parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > (unsigned long)INT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* Walks a database file calling fn per well-formed line until fn returns non-zero. */
static int
scan_db(const char *path, int nfields, int (*fn)(char **f, void *arg), void *arg)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if (fp == NULL)
		return -1;
	while (getline(&line, &cap, fp) != -1) {
		char *f[7];

		if (line[0] == '#' || split_fields(line, f, nfields) != 0)
			continue;
		if ((rc = fn(f, arg)) != 0)
			break;
	}
	int err = ferror(fp) ? EIO : 0;
	free(line);
	fclose(fp);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return rc;
}

struct user_query {
	const char *name;   /* by name, or */
	uid_t uid;          /* by uid when name is NULL */
	struct guest_user *u;
};

static int
match_passwd(char **f, void *arg)
{
	struct user_query *q = arg;
	unsigned long uid, gid;

	if (parse_id(f[2], &uid) != 0 || parse_id(f[3], &gid) != 0)
		return 0;
	if (q->name != NULL ? strcmp(f[0], q->name) != 0 : uid != q->uid)
		return 0;
	if (strlen(f[0]) >= sizeof(q->u->name) ||
	    strlen(f[5]) >= sizeof(q->u->home) ||
	    strlen(f[6]) >= sizeof(q->u->shell))
		return 0;
	strcpy(q->u->name, f[0]);
	q->u->uid = (uid_t)uid;
	q->u->gid = (gid_t)gid;
	strcpy(q->u->home, f[5]);
	strcpy(q->u->shell, f[6][0] != '\0' ? f[6] : "/bin/sh");
	return 1;
}

static int
match_member(char **f, void *arg)
{
	struct guest_user *u = arg;
	unsigned long gid;

	if (parse_id(f[2], &gid) != 0 || (gid_t)gid == u->gid)
		return 0;
	for (char *m = strtok(f[3], ","); m != NULL; m = strtok(NULL, ",")) {
		if (strcmp(m, u->name) != 0)
			continue;
		if (u->ngroups < GUEST_USER_MAX_GROUPS)
			u->groups[u->ngroups++] = (gid_t)gid;
		break;
	}
	return 0;
}

int
guest_user_lookup(const char *name, struct guest_user *out)
{
	struct user_query q = { .name = name, .u = out };

	memset(out, 0, sizeof(*out));
	int rc = scan_db(PASSWD_PATH, 7, match_passwd, &q);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		errno = ENOENT;
		return -1;
	}
	out->groups[out->ngroups++] = out->gid;
	/* A missing /etc/group only costs supplementary groups. */
	if (scan_db(GROUP_PATH, 4, match_member, out) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int
guest_user_become(const struct guest_user *u)
{
	if (geteuid() != 0) {
		if (geteuid() == u->uid)
			return 0;
		errno = EPERM;
		return -1;
	}
	if (setgroups((size_t)u->ngroups, u->groups) != 0 ||
	    setresgid(u->gid, u->gid, u->gid) != 0 ||
	    setresuid(u->uid, u->uid, u->uid) != 0)
		return -1;
	if (u->uid != 0 && (setuid(0) == 0 || geteuid() != u->uid)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
guest_user_name_by_uid(uid_t uid, char *buf, size_t len)
{
	struct guest_user u;
	struct user_query q = { .uid = uid, .u = &u };

	if (scan_db(PASSWD_PATH, 7, match_passwd, &q) != 1 ||
	    strlen(u.name) >= len)
		return -1;
	strcpy(buf, u.name);
	return 0;
}

struct group_query {
	gid_t gid;
	char *buf;
	size_t len;
};

static int
match_gid(char **f, void *arg)
{
	struct group_query *q = arg;
	unsigned long gid;

	if (parse_id(f[2], &gid) != 0 || (gid_t)gid != q->gid)
		return 0;
	if (strlen(f[0]) >= q->len)
		return -1;
	strcpy(q->buf, f[0]);
	return 1;
}

int
guest_group_name_by_gid(gid_t gid, char *buf, size_t len)
{
	struct group_query q = { .gid = gid, .buf = buf, .len = len };

	return scan_db(GROUP_PATH, 4, match_gid, &q) == 1 ? 0 : -1;
}
