#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sftp_longname.h"

static char
type_char(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return '-';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFSOCK: return 's';
	case S_IFIFO: return 'p';
	default: return '?';
	}
}

/* The execute slot shows set-id and sticky bits: s/S, t/T. */
static char
exec_char(mode_t mode, mode_t xbit, mode_t special, char set)
{
	if (mode & special)
		return (mode & xbit) ? set : (char)(set - 'a' + 'A');
	return (mode & xbit) ? 'x' : '-';
}

void
sftp_mode_string(mode_t mode, char out[11])
{
	out[0] = type_char(mode);
	out[1] = (mode & S_IRUSR) ? 'r' : '-';
	out[2] = (mode & S_IWUSR) ? 'w' : '-';
	out[3] = exec_char(mode, S_IXUSR, S_ISUID, 's');
	out[4] = (mode & S_IRGRP) ? 'r' : '-';
	out[5] = (mode & S_IWGRP) ? 'w' : '-';
	out[6] = exec_char(mode, S_IXGRP, S_ISGID, 's');
	out[7] = (mode & S_IROTH) ? 'r' : '-';
	out[8] = (mode & S_IWOTH) ? 'w' : '-';
	out[9] = exec_char(mode, S_IXOTH, S_ISVTX, 't');
	out[10] = '\0';
}

void
sftp_longname(char out[SFTP_LONGNAME_MAX], const char *name,
    const struct stat *st, const char *user, const char *group, time_t now)
{
	char mode[11], ubuf[16], gbuf[16], when[16] = "";
	struct tm tm;

	sftp_mode_string(st->st_mode, mode);
	if (user == NULL) {
		snprintf(ubuf, sizeof(ubuf), "%u", (unsigned)st->st_uid);
		user = ubuf;
	}
	if (group == NULL) {
		snprintf(gbuf, sizeof(gbuf), "%u", (unsigned)st->st_gid);
		group = gbuf;
	}
	if (localtime_r(&st->st_mtime, &tm) != NULL) {
		bool recent = now - (365 * 24 * 60 * 60) / 2 < st->st_mtime &&
		    now >= st->st_mtime;
		size_t n = recent ? strftime(when, sizeof(when), "%b %e %H:%M", &tm) :
		    strftime(when, sizeof(when), "%b %e  %Y", &tm);

		if (n == 0)
			when[0] = '\0';
	}
	int ulen = strlen(user) > 8 ? (int)strlen(user) : 8;
	int glen = strlen(group) > 8 ? (int)strlen(group) : 8;
	/* Two spaces after the mode: BSD strmode leaves one for an ACL mark. */
	snprintf(out, SFTP_LONGNAME_MAX, "%s  %3lu %-*s %-*s %8llu %s %s",
	    mode, (unsigned long)st->st_nlink, ulen, user, glen, group,
	    (unsigned long long)st->st_size, when, name);
}
