/*
 * client.sftp(): libssh's SFTP client over the same connection, with the
 * reference's whole-file read/write and path operations. Each call holds
 * the session's own lock for the whole operation and the client's lock
 * for each round trip, so a long transfer lets other channels of the same
 * client (an exec in another thread) get a turn between its chunks.
 */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"

#define SFTP_CHUNK (32 * 1024)
/* A whole-file read into memory stops here rather than exhaust the caller. */
#define SFTP_READ_MAX ((size_t)1 << 32)

/* Maps the failed operation's SFTP status (or a lost connection) to a status and message. */
static msb_status
sftp_fail(msb_sftp *s, const char *op, const char *path)
{
	ssh_session session = s->client->session;
	int code = sftp_get_error(s->sftp);
	msb_status st = MSB_ERR_SFTP;
	const char *why = "failure";

	if (!ssh_is_connected(session))
		return api_fail(&s->err, MSB_ERR_SSH, "%s %s: connection lost: %s", op, path,
		    ssh_get_error(session));
	switch (code) {
	case SSH_FX_NO_SUCH_FILE: st = MSB_ERR_NOT_FOUND; why = "no such file or directory"; break;
	case SSH_FX_NO_SUCH_PATH: st = MSB_ERR_NOT_FOUND; why = "no such path"; break;
	case SSH_FX_PERMISSION_DENIED: st = MSB_ERR_PERMISSION; why = "permission denied"; break;
	case SSH_FX_FILE_ALREADY_EXISTS: st = MSB_ERR_EXISTS; why = "file exists"; break;
	case SSH_FX_OP_UNSUPPORTED: why = "operation unsupported"; break;
	case SSH_FX_EOF: why = "unexpected end of file"; break;
	default: why = ssh_get_error(session); break;
	}
	return api_fail(&s->err, st, "%s %s: %s", op, path, why);
}

MSB_API msb_status
msb_ssh_client_sftp(msb_ssh_client *c, msb_sftp **out)
{
	if (c == NULL || out == NULL)
		return MSB_ERR_INVALID;
	*out = NULL;
	msb_sftp *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return api_fail(&c->err, MSB_ERR_NOMEM, "out of memory");
	s->client = c;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return api_fail(&c->err, MSB_ERR_NOMEM, "pthread_mutex_init failed");
	}
	pthread_mutex_lock(&c->lock);
	s->sftp = sftp_new(c->session);
	msb_status st = MSB_OK;
	if (s->sftp == NULL)
		st = ssh_is_connected(c->session) ?
		    api_fail(&c->err, MSB_ERR_SFTP_UNAVAILABLE, "the server refused the sftp "
		    "subsystem (is SFTP disabled?): %s", ssh_get_error(c->session)) :
		    api_fail(&c->err, MSB_ERR_SSH, "connection lost: %s", ssh_get_error(c->session));
	else if (sftp_init(s->sftp) != SSH_OK)
		st = api_fail(&c->err, MSB_ERR_SFTP, "SFTP version exchange failed: %s",
		    ssh_get_error(c->session));
	if (st != MSB_OK && s->sftp != NULL)
		sftp_free(s->sftp);
	pthread_mutex_unlock(&c->lock);
	if (st != MSB_OK) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return st;
	}
	*out = s;
	return api_ok(&c->err);
}

MSB_API const char *
msb_sftp_errmsg(const msb_sftp *s)
{
	return s != NULL ? s->err.msg : "no SFTP session";
}

/* Takes both locks for one operation on path; nothing is locked on failure. */
static msb_status
lock(msb_sftp *s, const char *path)
{
	if (s == NULL)
		return MSB_ERR_INVALID;
	if (path == NULL)
		return api_fail(&s->err, MSB_ERR_INVALID, "no path given");
	pthread_mutex_lock(&s->lock);
	pthread_mutex_lock(&s->client->lock);
	return MSB_OK;
}

/* Between two chunks of a transfer: the client's other users may go first. */
static void
take_turns(msb_sftp *s)
{
	pthread_mutex_unlock(&s->client->lock);
	sched_yield();
	pthread_mutex_lock(&s->client->lock);
}

static msb_status
unlock(msb_sftp *s, msb_status st)
{
	pthread_mutex_unlock(&s->client->lock);
	pthread_mutex_unlock(&s->lock);
	return st == MSB_OK ? api_ok(&s->err) : st;
}

MSB_API msb_status
msb_sftp_read(msb_sftp *s, const char *path, unsigned char **data, size_t *len)
{
	msb_status st = lock(s, path);

	if (st != MSB_OK)
		return st;
	if (data == NULL || len == NULL)
		return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "read needs data and len"));
	sftp_file f = sftp_open(s->sftp, path, O_RDONLY, 0);
	if (f == NULL)
		return unlock(s, sftp_fail(s, "open", path));
	size_t n = 0, cap = SFTP_CHUNK + 1;
	unsigned char *buf = malloc(cap);
	if (buf == NULL) {
		sftp_close(f);
		return unlock(s, api_fail(&s->err, MSB_ERR_NOMEM, "read %s: out of memory", path));
	}
	for (;;) {
		if (cap - n < SFTP_CHUNK + 1) {
			unsigned char *b = cap < SFTP_READ_MAX ? realloc(buf, cap * 2) : NULL;
			if (b == NULL) {
				st = api_fail(&s->err, MSB_ERR_NOMEM, "read %s: out of memory", path);
				break;
			}
			buf = b;
			cap *= 2;
		}
		take_turns(s);
		ssize_t r = sftp_read(f, buf + n, SFTP_CHUNK);
		if (r < 0) {
			st = sftp_fail(s, "read", path);
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	sftp_close(f);
	if (st != MSB_OK) {
		free(buf);
		return unlock(s, st);
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return unlock(s, MSB_OK);
}

MSB_API msb_status
msb_sftp_write(msb_sftp *s, const char *path, const void *data, size_t len)
{
	msb_status st = lock(s, path);

	if (st != MSB_OK)
		return st;
	if (data == NULL && len > 0)
		return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "write needs data"));
	sftp_file f = sftp_open(s->sftp, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f == NULL)
		return unlock(s, sftp_fail(s, "open", path));
	for (size_t off = 0; off < len;) {
		size_t n = len - off < SFTP_CHUNK ? len - off : SFTP_CHUNK;
		take_turns(s);
		ssize_t w = sftp_write(f, (const char *)data + off, n);
		if (w <= 0) {
			st = sftp_fail(s, "write", path);
			break;
		}
		off += (size_t)w;
	}
	if (sftp_close(f) != SSH_OK && st == MSB_OK)
		st = sftp_fail(s, "close", path);
	return unlock(s, st);
}

/* Operations that take one or two paths and return 0 on success. */
static int
op_mkdir(sftp_session sftp, const char *a, const char *b)
{
	return sftp_mkdir(sftp, a, 0755);
}

static int
op_unlink(sftp_session sftp, const char *a, const char *b)
{
	return sftp_unlink(sftp, a);
}

static int
op_rmdir(sftp_session sftp, const char *a, const char *b)
{
	return sftp_rmdir(sftp, a);
}

static int
op_rename(sftp_session sftp, const char *a, const char *b)
{
	return sftp_rename(sftp, a, b);
}

/*
 * libssh sends SYMLINK's paths in the draft's order (link path first) to
 * servers that are not OpenSSH, but msb's server, like OpenSSH's
 * sftp-server, reads them in OpenSSH's order (target first): so a is the
 * target, b the link, and libssh is given them swapped.
 */
static int
op_symlink(sftp_session sftp, const char *a, const char *b)
{
	return sftp_symlink(sftp, b, a);
}

static msb_status
path_op(msb_sftp *s, const char *op, const char *a, const char *b,
    int (*fn)(sftp_session, const char *, const char *))
{
	msb_status st = lock(s, a);

	if (st != MSB_OK)
		return st;
	if (fn == op_rename || fn == op_symlink) {
		if (b == NULL)
			return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "%s needs two paths", op));
	}
	if (fn(s->sftp, a, b) != 0)
		st = sftp_fail(s, op, a);
	return unlock(s, st);
}

MSB_API msb_status
msb_sftp_mkdir(msb_sftp *s, const char *path)
{
	return path_op(s, "mkdir", path, NULL, op_mkdir);
}

MSB_API msb_status
msb_sftp_remove_file(msb_sftp *s, const char *path)
{
	return path_op(s, "remove", path, NULL, op_unlink);
}

MSB_API msb_status
msb_sftp_remove_dir(msb_sftp *s, const char *path)
{
	return path_op(s, "rmdir", path, NULL, op_rmdir);
}

MSB_API msb_status
msb_sftp_rename(msb_sftp *s, const char *old_path, const char *new_path)
{
	return path_op(s, "rename", old_path, new_path, op_rename);
}

MSB_API msb_status
msb_sftp_symlink(msb_sftp *s, const char *target, const char *link_path)
{
	return path_op(s, "symlink", target, link_path, op_symlink);
}

/* realpath and readlink: a string the caller frees with msb_free. */
static msb_status
string_op(msb_sftp *s, const char *op, const char *path, char **out,
    char *(*fn)(sftp_session, const char *))
{
	msb_status st = lock(s, path);

	if (st != MSB_OK)
		return st;
	if (out == NULL)
		return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "%s needs an output", op));
	char *r = fn(s->sftp, path);
	if (r == NULL)
		return unlock(s, sftp_fail(s, op, path));
	*out = strdup(r);
	ssh_string_free_char(r);
	if (*out == NULL)
		st = api_fail(&s->err, MSB_ERR_NOMEM, "out of memory");
	return unlock(s, st);
}

MSB_API msb_status
msb_sftp_real_path(msb_sftp *s, const char *path, char **out)
{
	return string_op(s, "realpath", path, out, sftp_canonicalize_path);
}

MSB_API msb_status
msb_sftp_read_link(msb_sftp *s, const char *path, char **out)
{
	return string_op(s, "readlink", path, out, sftp_readlink);
}

static void
attrs_copy(msb_sftp_attrs *to, const struct sftp_attributes_struct *a)
{
	*to = (msb_sftp_attrs){
		.size = a->size, .mode = a->permissions, .uid = a->uid, .gid = a->gid,
		.atime = a->atime, .mtime = a->mtime,
	};
}

MSB_API msb_status
msb_sftp_stat(msb_sftp *s, const char *path, msb_sftp_attrs *attrs)
{
	msb_status st = lock(s, path);

	if (st != MSB_OK)
		return st;
	if (attrs == NULL)
		return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "stat needs attrs"));
	sftp_attributes a = sftp_stat(s->sftp, path);
	if (a == NULL)
		return unlock(s, sftp_fail(s, "stat", path));
	attrs_copy(attrs, a);
	sftp_attributes_free(a);
	return unlock(s, MSB_OK);
}

MSB_API void
msb_sftp_entries_free(msb_sftp_entry *entries, size_t count)
{
	if (entries == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free(entries[i].name);
	free(entries);
}

MSB_API msb_status
msb_sftp_list_dir(msb_sftp *s, const char *path, msb_sftp_entry **entries, size_t *count)
{
	msb_status st = lock(s, path);
	msb_sftp_entry *v = NULL;
	size_t n = 0, cap = 0;

	if (st != MSB_OK)
		return st;
	if (entries == NULL || count == NULL)
		return unlock(s, api_fail(&s->err, MSB_ERR_INVALID, "list_dir needs outputs"));
	sftp_dir d = sftp_opendir(s->sftp, path);
	if (d == NULL)
		return unlock(s, sftp_fail(s, "opendir", path));
	sftp_attributes a;
	while (st == MSB_OK && (a = sftp_readdir(s->sftp, d)) != NULL) {
		if (strcmp(a->name, ".") != 0 && strcmp(a->name, "..") != 0) {
			if (n == cap) {
				msb_sftp_entry *nv = realloc(v, (cap = cap != 0 ? cap * 2 : 16) * sizeof(*v));
				if (nv == NULL)
					st = api_fail(&s->err, MSB_ERR_NOMEM, "out of memory");
				else
					v = nv;
			}
			if (st == MSB_OK && (v[n].name = strdup(a->name)) == NULL)
				st = api_fail(&s->err, MSB_ERR_NOMEM, "out of memory");
			if (st == MSB_OK)
				attrs_copy(&v[n++].attrs, a);
		}
		sftp_attributes_free(a);
	}
	if (st == MSB_OK && !sftp_dir_eof(d))
		st = sftp_fail(s, "readdir", path);
	sftp_closedir(d);
	if (st != MSB_OK) {
		msb_sftp_entries_free(v, n);
		return unlock(s, st);
	}
	*entries = v;
	*count = n;
	return unlock(s, MSB_OK);
}

MSB_API msb_status
msb_sftp_close(msb_sftp *s)
{
	if (s == NULL)
		return MSB_OK;
	pthread_mutex_lock(&s->client->lock);
	sftp_free(s->sftp);
	pthread_mutex_unlock(&s->client->lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return MSB_OK;
}
