/* Requests on paths: STAT, LSTAT, SETSTAT, REMOVE, MKDIR, RMDIR, REALPATH,
 * RENAME, READLINK, SYMLINK. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sftp_attrs.h"
#include "sftp_realpath.h"
#include "sftp_session.h"

/* Copies the request's paths into the session; false after answering. */
static bool
get_paths(struct sftp_session *s, const struct sftp_request *req, bool two)
{
	if (sftp_cpath(&req->path, s->path) != 0 ||
	    (two && sftp_cpath(&req->path2, s->path2) != 0)) {
		sftp_send_errno(s, req->id, errno, NULL);
		return false;
	}
	return true;
}

/* OK, or the status for errno when rc says the call failed. */
static void
send_result(struct sftp_session *s, uint32_t id, int rc, const char *what)
{
	if (rc != 0)
		sftp_send_errno(s, id, errno, what);
	else
		sftp_send_ok(s, id);
}

static void
do_stat(struct sftp_session *s, const struct sftp_request *req, bool follow)
{
	struct sftp_attrs a;
	struct sftp_reply r;
	struct stat st;

	if (!get_paths(s, req, false))
		return;
	if ((follow ? stat(s->path, &st) : lstat(s->path, &st)) != 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	sftp_attrs_from_stat(&st, &a);
	sftp_reply_begin(&r, &s->out, SFTP_ATTRS, req->id);
	sftp_reply_attrs(&r, &a);
	sftp_finish_reply(s, &r, req->id);
}

void
sftp_do_stat(struct sftp_session *s, const struct sftp_request *req)
{
	do_stat(s, req, true);
}

void
sftp_do_lstat(struct sftp_session *s, const struct sftp_request *req)
{
	do_stat(s, req, false);
}

void
sftp_do_setstat(struct sftp_session *s, const struct sftp_request *req)
{
	const char *what = NULL;

	if (!get_paths(s, req, false))
		return;
	if (sftp_attrs_apply(&req->attrs, SFTP_ATTRS_PATH, s->path, -1, &what) != 0)
		sftp_send_errno(s, req->id, errno, what);
	else
		sftp_send_ok(s, req->id);
}

void
sftp_do_remove(struct sftp_session *s, const struct sftp_request *req)
{
	if (get_paths(s, req, false))
		send_result(s, req->id, unlink(s->path), NULL);
}

void
sftp_do_mkdir(struct sftp_session *s, const struct sftp_request *req)
{
	mode_t mode = (req->attrs.flags & SFTP_ATTR_PERMISSIONS) ?
	    (mode_t)(req->attrs.perm & 07777) : 0777;

	if (get_paths(s, req, false))
		send_result(s, req->id, mkdir(s->path, mode), NULL);
}

void
sftp_do_rmdir(struct sftp_session *s, const struct sftp_request *req)
{
	if (get_paths(s, req, false))
		send_result(s, req->id, rmdir(s->path), NULL);
}

void
sftp_do_realpath(struct sftp_session *s, const struct sftp_request *req)
{
	if (!get_paths(s, req, false))
		return;
	if (s->path[0] == '\0')
		strcpy(s->path, ".");
	if (sftp_realpath(s->path, s->path2) != 0)
		sftp_send_errno(s, req->id, errno, NULL);
	else
		sftp_send_name(s, req->id, s->path2);
}

/*
 * The draft's RENAME must not replace an existing target, unlike rename(2)
 * (posix-rename@openssh.com is the replacing one). RENAME_NOREPLACE makes
 * that atomic; where the filesystem lacks it, check first like OpenSSH.
 */
static int
rename_noreplace(const char *from, const char *to)
{
	struct stat st;

	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

void
sftp_do_rename(struct sftp_session *s, const struct sftp_request *req)
{
	if (get_paths(s, req, true))
		send_result(s, req->id, rename_noreplace(s->path, s->path2), NULL);
}

void
sftp_do_readlink(struct sftp_session *s, const struct sftp_request *req)
{
	if (!get_paths(s, req, false))
		return;
	ssize_t n = readlink(s->path, s->path2, sizeof(s->path2) - 1);
	if (n < 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	s->path2[n] = '\0';
	sftp_send_name(s, req->id, s->path2);
}

void
sftp_do_symlink(struct sftp_session *s, const struct sftp_request *req)
{
	/* OpenSSH's order: target first, then the link to create. */
	if (get_paths(s, req, true))
		send_result(s, req->id, symlink(s->path, s->path2), NULL);
}
