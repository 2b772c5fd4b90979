/* Requests on open handles: OPEN, CLOSE, READ, WRITE, FSTAT, FSETSTAT,
 * OPENDIR, READDIR. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "sftp_attrs.h"
#include "sftp_longname.h"
#include "sftp_session.h"

/* As OpenSSH: bounded, well below any reply size limit. */
#define SFTP_READDIR_BATCH 100

static int
open_flags(uint32_t pflags)
{
	int flags;

	if ((pflags & SFTP_FXF_READ) && (pflags & SFTP_FXF_WRITE))
		flags = O_RDWR;
	else if (pflags & SFTP_FXF_WRITE)
		flags = O_WRONLY;
	else
		flags = O_RDONLY;
	if (pflags & SFTP_FXF_APPEND)
		flags |= O_APPEND;
	if (pflags & SFTP_FXF_CREAT)
		flags |= O_CREAT;
	if (pflags & SFTP_FXF_TRUNC)
		flags |= O_TRUNC;
	if (pflags & SFTP_FXF_EXCL)
		flags |= O_EXCL;
	return flags;
}

static void
send_handle(struct sftp_session *s, uint32_t id, int fd, DIR *dir)
{
	uint8_t h[SFTP_HANDLE_LEN];
	struct sftp_reply r;

	if (sftp_handle_add(&s->handles, fd, dir, h) != 0) {
		if ((dir != NULL ? closedir(dir) : close(fd)) != 0)
			debug_f("close: %s", strerror(errno));
		sftp_send_status(s, id, SFTP_FX_FAILURE, "too many open handles");
		return;
	}
	sftp_reply_begin(&r, &s->out, SFTP_HANDLE, id);
	sftp_reply_string(&r, h, sizeof(h));
	sftp_finish_reply(s, &r, id);
}

void
sftp_do_open(struct sftp_session *s, const struct sftp_request *req)
{
	int flags = open_flags(req->pflags);
	mode_t mode = (req->attrs.flags & SFTP_ATTR_PERMISSIONS) ?
	    (mode_t)(req->attrs.perm & 07777) : 0666;

	/* As sftp-server, -R refuses an OPEN by what its flags would do. */
	if (s->policy.read_only && ((flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_CREAT | O_TRUNC)) != 0)) {
		verbose_f("refusing open for writing in a read-only session");
		sftp_send_status(s, req->id, SFTP_FX_PERMISSION_DENIED, NULL);
		return;
	}
	if (sftp_cpath(&req->path, s->path) != 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	char esc[1024];
	debug_f("open \"%s\" flags 0x%x mode 0%o", msb_log_escape(esc, sizeof(esc), s->path,
	    strlen(s->path)), req->pflags, (unsigned)mode);
	int fd = open(s->path, flags | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	send_handle(s, req->id, fd, NULL);
}

void
sftp_do_opendir(struct sftp_session *s, const struct sftp_request *req)
{
	if (sftp_cpath(&req->path, s->path) != 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	int fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		sftp_send_errno(s, req->id, errno, NULL);
		return;
	}
	DIR *dir = fdopendir(fd);
	if (dir == NULL) {
		int err = errno;

		if (close(fd) != 0)
			debug_f("close: %s", strerror(errno));
		sftp_send_errno(s, req->id, err, NULL);
		return;
	}
	send_handle(s, req->id, fd, dir);
}

/* The handle, or NULL after answering; want_dir selects the kind required. */
static struct sftp_handle *
find_handle(struct sftp_session *s, const struct sftp_request *req,
    const struct sftp_str *hs, int want_dir)
{
	struct sftp_handle *h = sftp_handle_find(&s->handles, hs);

	if (h == NULL) {
		sftp_send_status(s, req->id, SFTP_FX_FAILURE, "invalid handle");
		return NULL;
	}
	if (want_dir >= 0 && (h->dir != NULL) != (want_dir != 0)) {
		sftp_send_status(s, req->id, SFTP_FX_FAILURE, want_dir ?
		    "not a directory handle" : "not a file handle");
		return NULL;
	}
	return h;
}

void
sftp_do_close(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, -1);

	if (h == NULL)
		return;
	if (sftp_handle_close(&s->handles, h) != 0)
		sftp_send_errno(s, req->id, errno, "close");
	else
		sftp_send_ok(s, req->id);
}

void
sftp_do_read(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, 0);
	struct sftp_reply r;
	uint32_t len = req->len > SFTP_MAX_READ ? SFTP_MAX_READ : req->len;
	ssize_t n;

	if (h == NULL)
		return;
	if (req->offset > INT64_MAX) {
		sftp_send_errno(s, req->id, EINVAL, "read");
		return;
	}
	sftp_reply_begin(&r, &s->out, SFTP_DATA, req->id);
	/* Read straight into the output buffer: no copy of the data. */
	uint8_t *p = sftp_reply_reserve_string(&r, len);
	if (p == NULL) {
		sftp_finish_reply(s, &r, req->id);
		return;
	}
	do {
		n = len == 0 ? 0 : pread(h->fd, p, len, (off_t)req->offset);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = errno;

		sftp_reply_abort(&r);
		sftp_send_errno(s, req->id, err, "read");
		return;
	}
	if (n == 0 && len > 0) {
		sftp_reply_abort(&r);
		sftp_send_status(s, req->id, SFTP_FX_EOF, NULL);
		return;
	}
	sftp_reply_commit_string(&r, (size_t)n);
	sftp_finish_reply(s, &r, req->id);
}

void
sftp_do_write(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, 0);
	const uint8_t *p = req->data.p;
	size_t left = req->data.len;
	uint64_t off = req->offset;

	if (h == NULL)
		return;
	if (off > INT64_MAX || left > INT64_MAX - off) {
		sftp_send_errno(s, req->id, EINVAL, "write");
		return;
	}
	/* On an O_APPEND handle Linux's pwrite appends, ignoring off, which
	 * is what SSH_FXF_APPEND asks for. */
	while (left > 0) {
		ssize_t n = pwrite(h->fd, p, left, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sftp_send_errno(s, req->id, errno, "write");
			return;
		}
		if (n == 0) {
			sftp_send_errno(s, req->id, ENOSPC, "write");
			return;
		}
		p += n;
		left -= (size_t)n;
		off += (uint64_t)n;
	}
	sftp_send_ok(s, req->id);
}

static void
send_attrs(struct sftp_session *s, uint32_t id, const struct stat *st)
{
	struct sftp_attrs a;
	struct sftp_reply r;

	sftp_attrs_from_stat(st, &a);
	sftp_reply_begin(&r, &s->out, SFTP_ATTRS, id);
	sftp_reply_attrs(&r, &a);
	sftp_finish_reply(s, &r, id);
}

void
sftp_do_fstat(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, -1);
	struct stat st;

	if (h == NULL)
		return;
	if (fstat(h->fd, &st) != 0)
		sftp_send_errno(s, req->id, errno, "fstat");
	else
		send_attrs(s, req->id, &st);
}

void
sftp_do_fsetstat(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, -1);
	const char *what = NULL;

	if (h == NULL)
		return;
	if (sftp_attrs_apply(&req->attrs, SFTP_ATTRS_FD, NULL, h->fd, &what) != 0)
		sftp_send_errno(s, req->id, errno, what);
	else
		sftp_send_ok(s, req->id);
}

/* One NAME entry; entries that vanished since readdir are skipped. */
static bool
put_dirent(struct sftp_session *s, struct sftp_reply *r, int dfd,
    const char *name, time_t now)
{
	char longname[SFTP_LONGNAME_MAX];
	struct sftp_attrs a;
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		char esc[1024];
		debug_f("lstat \"%s\": %s", msb_log_escape(esc, sizeof(esc), name, strlen(name)),
		    strerror(errno));
		return false;
	}
	sftp_longname(longname, name, &st, sftp_user_name(&s->names, st.st_uid),
	    sftp_group_name(&s->names, st.st_gid), now);
	sftp_attrs_from_stat(&st, &a);
	sftp_reply_cstring(r, name);
	sftp_reply_cstring(r, longname);
	sftp_reply_attrs(r, &a);
	return true;
}

void
sftp_do_readdir(struct sftp_session *s, const struct sftp_request *req)
{
	struct sftp_handle *h = find_handle(s, req, &req->handle, 1);
	struct sftp_reply r;
	uint32_t count = 0;
	int err = 0;

	if (h == NULL)
		return;
	time_t now = time(NULL);
	sftp_reply_begin(&r, &s->out, SFTP_NAME, req->id);
	size_t count_at = sftp_reply_mark(&r);
	sftp_reply_u32(&r, 0);
	while (count < SFTP_READDIR_BATCH) {
		errno = 0;
		struct dirent *de = readdir(h->dir);
		if (de == NULL) {
			err = errno;
			break;
		}
		if (put_dirent(s, &r, h->fd, de->d_name, now))
			count++;
	}
	if (count == 0) {
		sftp_reply_abort(&r);
		if (err != 0)
			sftp_send_errno(s, req->id, err, "readdir");
		else
			sftp_send_status(s, req->id, SFTP_FX_EOF, NULL);
		return;
	}
	sftp_reply_poke_u32(&r, count_at, count);
	sftp_finish_reply(s, &r, req->id);
}
