/* SSH_FXP_EXTENDED requests: the OpenSSH extensions VERSION advertises. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/buf.h"
#include "guest/guest_user.h"
#include "lib/log.h"
#include "sftp_attrs.h"
#include "sftp_realpath.h"
#include "sftp_session.h"

/* copy-data moves at most this much per read: bounded stack use. */
#define SFTP_COPY_CHUNK (64u * 1024u)

static bool
get_path(struct sftp_session *s, const struct sftp_request *req,
    const struct sftp_str *src, char *dst)
{
	if (sftp_cpath(src, dst) != 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return false;
	}
	return true;
}

static void
send_result(struct sftp_session *s, uint32_t id, int rc)
{
	if (rc != 0)
		sftp_send_errno(s, id, errno, NULL);
	else
		sftp_send_ok(s, id);
}

static void
ext_posix_rename(struct sftp_session *s, const struct sftp_request *req)
{
	if (get_path(s, req, &req->path, s->path) &&
	    get_path(s, req, &req->path2, s->path2))
		send_result(s, req->id, rename(s->path, s->path2));
}

static void
ext_hardlink(struct sftp_session *s, const struct sftp_request *req)
{
	if (get_path(s, req, &req->path, s->path) &&
	    get_path(s, req, &req->path2, s->path2))
		send_result(s, req->id, link(s->path, s->path2));
}

static void
send_statvfs(struct sftp_session *s, uint32_t id, const struct statvfs *st)
{
	struct sftp_reply r;
	uint64_t flag = 0;

	if (st->f_flag & ST_RDONLY)
		flag |= SFTP_STATVFS_RDONLY;
	if (st->f_flag & ST_NOSUID)
		flag |= SFTP_STATVFS_NOSUID;
	sftp_reply_begin(&r, &s->out, SFTP_EXTENDED_REPLY, id);
	sftp_reply_u64(&r, st->f_bsize);
	sftp_reply_u64(&r, st->f_frsize);
	sftp_reply_u64(&r, st->f_blocks);
	sftp_reply_u64(&r, st->f_bfree);
	sftp_reply_u64(&r, st->f_bavail);
	sftp_reply_u64(&r, st->f_files);
	sftp_reply_u64(&r, st->f_ffree);
	sftp_reply_u64(&r, st->f_favail);
	sftp_reply_u64(&r, st->f_fsid);
	sftp_reply_u64(&r, flag);
	sftp_reply_u64(&r, st->f_namemax);
	sftp_finish_reply(s, &r, id);
}

static void
ext_statvfs(struct sftp_session *s, const struct sftp_request *req)
{
	struct statvfs st;

	if (!get_path(s, req, &req->path, s->path))
		return;
	if (statvfs(s->path, &st) != 0)
		sftp_send_errno(s, req->id, errno, NULL);
	else
		send_statvfs(s, req->id, &st);
}

static struct sftp_handle *
find_handle(struct sftp_session *s, const struct sftp_request *req,
    const struct sftp_str *hs)
{
	struct sftp_handle *h = sftp_handle_find(&s->handles, hs);

	if (h == NULL)
		sftp_send_status(s, req->id, SFTP_FX_FAILURE, "invalid handle");
	return h;
}

static void
ext_fstatvfs(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle);
	struct statvfs st;

	if (h == NULL)
		return;
	if (fstatvfs(h->fd, &st) != 0)
		sftp_send_errno(s, req->id, errno, NULL);
	else
		send_statvfs(s, req->id, &st);
}

static void
ext_fsync(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle);

	if (h == NULL)
		return;
	if (h->dir != NULL)
		sftp_send_status(s, req->id, SFTP_FX_OP_UNSUPPORTED,
		    "fsync of a directory handle");
	else
		send_result(s, req->id, fsync(h->fd));
}

static void
ext_lsetstat(struct sftp_session *s, const struct sftp_request *req)
{
	const char *what = NULL;

	if (!get_path(s, req, &req->path, s->path))
		return;
	if (req->attrs.flags & SFTP_ATTR_SIZE) {
		sftp_send_status(s, req->id, SFTP_FX_BAD_MESSAGE,
		    "a symlink has no size to set");
		return;
	}
	if (sftp_attrs_apply(&req->attrs, SFTP_ATTRS_LINK, s->path, -1, &what) != 0)
		sftp_send_errno(s, req->id, errno, what);
	else
		sftp_send_ok(s, req->id);
}

static void
ext_limits(struct sftp_session *s, const struct sftp_request *req)
{
	uint64_t handles = SFTP_MAX_HANDLES;
	struct sftp_reply r;
	struct rlimit rl;

	/* Leave room for stdio and the odd internal descriptor. */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		debug_f("getrlimit: %s", strerror(errno));
	else if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 5 &&
	    rl.rlim_cur - 5 < handles)
		handles = rl.rlim_cur - 5;
	sftp_reply_begin(&r, &s->out, SFTP_EXTENDED_REPLY, req->id);
	sftp_reply_u64(&r, SFTP_MAX_MSG);
	sftp_reply_u64(&r, SFTP_MAX_READ);
	sftp_reply_u64(&r, SFTP_MAX_WRITE);
	sftp_reply_u64(&r, handles);
	sftp_finish_reply(s, &r, req->id);
}

/*
 * "~" and "~/x" are relative to the session's home, "~user/x" to that
 * user's, anything else relative to the working directory; the result is
 * canonicalised like REALPATH.
 */
static void
ext_expand_path(struct sftp_session *s, const struct sftp_request *req)
{
	const char *home = NULL, *rest = NULL;
	struct guest_user u;

	if (!get_path(s, req, &req->path, s->path))
		return;
	if (s->path[0] == '\0')
		strcpy(s->path, ".");
	if (s->path[0] == '~') {
		char *slash = strchr(s->path, '/');

		rest = slash != NULL ? slash + 1 : "";
		if (slash != NULL)
			*slash = '\0';
		if (s->path[1] == '\0') {
			home = s->home;
		} else if (guest_user_lookup(s->path + 1, &u) == 0) {
			home = u.home;
		} else {
			sftp_send_status(s, req->id, SFTP_FX_NO_SUCH_FILE,
			    "no such user");
			return;
		}
		int n = snprintf(s->path2, sizeof(s->path2), "%s/%s", home, rest);
		if (n < 0 || (size_t)n >= sizeof(s->path2)) {
			sftp_send_errno(s, req->id, ENAMETOOLONG, NULL);
			return;
		}
		strcpy(s->path, s->path2);
	}
	if (sftp_realpath(s->path, s->path2) != 0)
		sftp_send_errno(s, req->id, errno, NULL);
	else
		sftp_send_name(s, req->id, s->path2);
}

static void
ext_home_directory(struct sftp_session *s, const struct sftp_request *req)
{
	struct guest_user u;

	if (req->path.len == 0) {
		sftp_send_name(s, req->id, s->home);
		return;
	}
	if (!get_path(s, req, &req->path, s->path))
		return;
	if (guest_user_lookup(s->path, &u) != 0) {
		sftp_send_status(s, req->id, SFTP_FX_FAILURE, "no such user");
		return;
	}
	sftp_send_name(s, req->id, u.home);
}

/* Copies until len bytes or EOF (len 0: until EOF); 0, or -1 with errno. */
static int
copy_range(int in, uint64_t in_off, uint64_t len, int out, uint64_t out_off,
    bool append, bool *short_copy)
{
	uint8_t buf[SFTP_COPY_CHUNK];
	bool to_eof = len == 0;

	*short_copy = false;
	while (to_eof || len > 0) {
		size_t want = !to_eof && len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t n = pread(in, buf, want, (off_t)in_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			*short_copy = !to_eof;
			return 0;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = append ? write(out, buf + done, (size_t)(n - done)) :
			    pwrite(out, buf + done, (size_t)(n - done), (off_t)out_off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			done += w;
			out_off += (uint64_t)w;
		}
		in_off += (uint64_t)n;
		if (!to_eof)
			len -= (uint64_t)n;
	}
	return 0;
}

static void
ext_copy_data(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *from = find_handle(s, req, &req->handle);
	struct stat st_from, st_to;
	bool short_copy;

	if (from == NULL)
		return;
	struct sftp_handle *to = find_handle(s, req, &req->handle2);
	if (to == NULL)
		return;
	if (from->dir != NULL || to->dir != NULL) {
		sftp_send_status(s, req->id, SFTP_FX_FAILURE, "not a file handle");
		return;
	}
	if (fstat(from->fd, &st_from) != 0 || fstat(to->fd, &st_to) != 0) {
		sftp_send_errno(s, req->id, errno, "fstat");
		return;
	}
	if (from == to || (st_from.st_dev == st_to.st_dev &&
	    st_from.st_ino == st_to.st_ino)) {
		sftp_send_status(s, req->id, SFTP_FX_FAILURE,
		    "source and destination are the same file");
		return;
	}
	if (req->offset > INT64_MAX || req->offset2 > INT64_MAX) {
		sftp_send_errno(s, req->id, EINVAL, NULL);
		return;
	}
	int fl = fcntl(to->fd, F_GETFL);
	if (fl < 0) {
		sftp_send_errno(s, req->id, errno, "fcntl");
		return;
	}
	if (copy_range(from->fd, req->offset, req->length, to->fd, req->offset2,
	    (fl & O_APPEND) != 0, &short_copy) != 0)
		sftp_send_errno(s, req->id, errno, "copy");
	else if (short_copy)
		sftp_send_status(s, req->id, SFTP_FX_EOF, NULL);
	else
		sftp_send_ok(s, req->id);
}

/* One list of names: string { string name ... }, empty for unknown ids. */
static void
put_names(struct sftp_session *s, struct sftp_reply *r,
    const struct sftp_str *ids, bool users)
{
	size_t mark = sftp_reply_mark(r);

	sftp_reply_u32(r, 0);
	for (uint32_t i = 0; i + 4 <= ids->len; i += 4) {
		uint32_t id = msb_get_be32(ids->p + i);
		const char *name = users ? sftp_user_name(&s->names, (uid_t)id) :
		    sftp_group_name(&s->names, (gid_t)id);

		sftp_reply_cstring(r, name != NULL ? name : "");
	}
	sftp_reply_poke_u32(r, mark, (uint32_t)(sftp_reply_mark(r) - mark - 4));
}

static void
ext_users_groups_by_id(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_reply r;

	sftp_reply_begin(&r, &s->out, SFTP_EXTENDED_REPLY, req->id);
	put_names(s, &r, &req->data, true);
	put_names(s, &r, &req->data2, false);
	sftp_finish_reply(s, &r, req->id);
}

static sftp_handler_fn *const ext_handlers[SFTP_EXT_COUNT] = {
	[SFTP_EXT_POSIX_RENAME] = ext_posix_rename,
	[SFTP_EXT_STATVFS] = ext_statvfs,
	[SFTP_EXT_FSTATVFS] = ext_fstatvfs,
	[SFTP_EXT_HARDLINK] = ext_hardlink,
	[SFTP_EXT_FSYNC] = ext_fsync,
	[SFTP_EXT_LSETSTAT] = ext_lsetstat,
	[SFTP_EXT_LIMITS] = ext_limits,
	[SFTP_EXT_EXPAND_PATH] = ext_expand_path,
	[SFTP_EXT_COPY_DATA] = ext_copy_data,
	[SFTP_EXT_HOME_DIRECTORY] = ext_home_directory,
	[SFTP_EXT_USERS_GROUPS_BY_ID] = ext_users_groups_by_id,
};

void
sftp_do_extended(struct sftp_session *s, const struct sftp_request *req)
{
	if (req->ext == SFTP_EXT_UNKNOWN) {
		char esc[128];
		verbose_f("unknown extended request \"%s\"", msb_log_escape(esc, sizeof(esc),
		    (const char *)req->ext_name.p, req->ext_name.len > 100 ? 100 : req->ext_name.len));
		sftp_send_status(s, req->id, SFTP_FX_OP_UNSUPPORTED, NULL);
		return;
	}
	if (sftp_permitted(s, req->id, sftp_ext_table[req->ext].req))
		ext_handlers[req->ext](s, req);
}
