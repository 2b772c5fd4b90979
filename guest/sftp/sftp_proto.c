#include "config.h"

#include <string.h>

#include "lib/buf.h"
#include "sftp_proto.h"

const struct sftp_ext_info sftp_ext_table[SFTP_EXT_COUNT] = {
	[SFTP_EXT_POSIX_RENAME] = { "posix-rename@openssh.com", "1", MSB_SFTP_REQ_POSIX_RENAME },
	[SFTP_EXT_STATVFS] = { "statvfs@openssh.com", "2", MSB_SFTP_REQ_STATVFS },
	[SFTP_EXT_FSTATVFS] = { "fstatvfs@openssh.com", "2", MSB_SFTP_REQ_FSTATVFS },
	[SFTP_EXT_HARDLINK] = { "hardlink@openssh.com", "1", MSB_SFTP_REQ_HARDLINK },
	[SFTP_EXT_FSYNC] = { "fsync@openssh.com", "1", MSB_SFTP_REQ_FSYNC },
	[SFTP_EXT_LSETSTAT] = { "lsetstat@openssh.com", "1", MSB_SFTP_REQ_LSETSTAT },
	[SFTP_EXT_LIMITS] = { "limits@openssh.com", "1", MSB_SFTP_REQ_LIMITS },
	[SFTP_EXT_EXPAND_PATH] = { "expand-path@openssh.com", "1", MSB_SFTP_REQ_EXPAND_PATH },
	[SFTP_EXT_COPY_DATA] = { "copy-data", "1", MSB_SFTP_REQ_COPY_DATA },
	[SFTP_EXT_HOME_DIRECTORY] = { "home-directory", "1", MSB_SFTP_REQ_HOME_DIRECTORY },
	[SFTP_EXT_USERS_GROUPS_BY_ID] = { "users-groups-by-id@openssh.com", "1",
	    MSB_SFTP_REQ_USERS_GROUPS_BY_ID },
};

const char *
sftp_status_text(uint32_t status)
{
	static const char *const text[] = {
		[SFTP_FX_OK] = "Success",
		[SFTP_FX_EOF] = "End of file",
		[SFTP_FX_NO_SUCH_FILE] = "No such file",
		[SFTP_FX_PERMISSION_DENIED] = "Permission denied",
		[SFTP_FX_FAILURE] = "Failure",
		[SFTP_FX_BAD_MESSAGE] = "Bad message",
		[SFTP_FX_NO_CONNECTION] = "No connection",
		[SFTP_FX_CONNECTION_LOST] = "Connection lost",
		[SFTP_FX_OP_UNSUPPORTED] = "Operation unsupported",
	};

	if (status >= sizeof(text) / sizeof(text[0]))
		return "Unknown error";
	return text[status];
}

int
sftp_get_attrs(struct msb_reader *r, struct sftp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	if (msb_get_u32(r, &a->flags) != 0)
		return -1;
	if (a->flags & SFTP_ATTR_SIZE)
		msb_get_u64(r, &a->size);
	if (a->flags & SFTP_ATTR_UIDGID) {
		msb_get_u32(r, &a->uid);
		msb_get_u32(r, &a->gid);
	}
	if (a->flags & SFTP_ATTR_PERMISSIONS)
		msb_get_u32(r, &a->perm);
	if (a->flags & SFTP_ATTR_ACMODTIME) {
		msb_get_u32(r, &a->atime);
		msb_get_u32(r, &a->mtime);
	}
	if (a->flags & SFTP_ATTR_EXTENDED) {
		uint32_t count;
		const uint8_t *p;
		uint32_t n;

		msb_get_u32(r, &count);
		/* Each pair takes at least 8 bytes, so a lying count ends at
		 * the first short read instead of looping 2^32 times. */
		for (uint32_t i = 0; i < count && !r->error; i++) {
			msb_get_string(r, &p, &n);
			msb_get_string(r, &p, &n);
		}
	}
	return r->error ? -1 : 0;
}

/* A path or name: no NUL inside, as it will become a C string. */
static void
get_path(struct msb_reader *r, struct sftp_str *s)
{
	if (msb_get_string(r, &s->p, &s->len) != 0)
		return;
	if (memchr(s->p, '\0', s->len) != NULL)
		r->error = true;
}

static void
get_bytes(struct msb_reader *r, struct sftp_str *s)
{
	msb_get_string(r, &s->p, &s->len);
}

static enum sftp_ext
lookup_ext(const struct sftp_str *name)
{
	for (int i = 0; i < SFTP_EXT_COUNT; i++) {
		const char *n = sftp_ext_table[i].name;

		if (strlen(n) == name->len && memcmp(n, name->p, name->len) == 0)
			return (enum sftp_ext)i;
	}
	return SFTP_EXT_UNKNOWN;
}

static void
decode_extended(struct msb_reader *r, struct sftp_request *req)
{
	get_bytes(r, &req->ext_name);
	if (r->error)
		return;
	req->ext = lookup_ext(&req->ext_name);
	switch (req->ext) {
	case SFTP_EXT_POSIX_RENAME:
	case SFTP_EXT_HARDLINK:
		get_path(r, &req->path);
		get_path(r, &req->path2);
		break;
	case SFTP_EXT_STATVFS:
	case SFTP_EXT_EXPAND_PATH:
	case SFTP_EXT_HOME_DIRECTORY:
		get_path(r, &req->path);
		break;
	case SFTP_EXT_FSTATVFS:
	case SFTP_EXT_FSYNC:
		get_bytes(r, &req->handle);
		break;
	case SFTP_EXT_LSETSTAT:
		get_path(r, &req->path);
		sftp_get_attrs(r, &req->attrs);
		break;
	case SFTP_EXT_COPY_DATA:
		get_bytes(r, &req->handle);
		msb_get_u64(r, &req->offset);
		msb_get_u64(r, &req->length);
		get_bytes(r, &req->handle2);
		msb_get_u64(r, &req->offset2);
		break;
	case SFTP_EXT_USERS_GROUPS_BY_ID:
		get_bytes(r, &req->data);
		get_bytes(r, &req->data2);
		if (req->data.len % 4 != 0 || req->data2.len % 4 != 0)
			r->error = true;
		break;
	case SFTP_EXT_LIMITS:
	case SFTP_EXT_UNKNOWN:
		break;
	}
}

enum sftp_decode_result
sftp_decode_request(const uint8_t *p, size_t len, struct sftp_request *req)
{
	struct msb_reader r;

	memset(req, 0, sizeof(*req));
	req->ext = SFTP_EXT_UNKNOWN;
	msb_reader_init(&r, p, len);
	if (msb_get_u8(&r, &req->type) != 0)
		return SFTP_DECODE_MALFORMED;
	if (req->type == SFTP_INIT)
		return msb_get_u32(&r, &req->version) == 0 ?
		    SFTP_DECODE_OK : SFTP_DECODE_MALFORMED;
	if (msb_get_u32(&r, &req->id) != 0)
		return SFTP_DECODE_MALFORMED;
	req->has_id = true;

	switch (req->type) {
	case SFTP_OPEN:
		get_path(&r, &req->path);
		msb_get_u32(&r, &req->pflags);
		sftp_get_attrs(&r, &req->attrs);
		break;
	case SFTP_CLOSE:
	case SFTP_READDIR:
	case SFTP_FSTAT:
		get_bytes(&r, &req->handle);
		break;
	case SFTP_READ:
		get_bytes(&r, &req->handle);
		msb_get_u64(&r, &req->offset);
		msb_get_u32(&r, &req->len);
		break;
	case SFTP_WRITE:
		get_bytes(&r, &req->handle);
		msb_get_u64(&r, &req->offset);
		get_bytes(&r, &req->data);
		break;
	case SFTP_FSETSTAT:
		get_bytes(&r, &req->handle);
		sftp_get_attrs(&r, &req->attrs);
		break;
	case SFTP_LSTAT:
	case SFTP_STAT:
	case SFTP_OPENDIR:
	case SFTP_REMOVE:
	case SFTP_RMDIR:
	case SFTP_REALPATH:
	case SFTP_READLINK:
		get_path(&r, &req->path);
		break;
	case SFTP_SETSTAT:
	case SFTP_MKDIR:
		get_path(&r, &req->path);
		sftp_get_attrs(&r, &req->attrs);
		break;
	case SFTP_RENAME:
	case SFTP_SYMLINK:
		get_path(&r, &req->path);
		get_path(&r, &req->path2);
		break;
	case SFTP_EXTENDED:
		decode_extended(&r, req);
		break;
	default:
		return SFTP_DECODE_UNSUPPORTED;
	}
	/* Trailing bytes are ignored, as OpenSSH's server does. */
	return r.error ? SFTP_DECODE_MALFORMED : SFTP_DECODE_OK;
}
