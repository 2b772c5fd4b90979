#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "sftp_session.h"

int
sftp_cpath(const struct sftp_str *src, char *dst)
{
	if (src->len >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dst, src->p, src->len);
	dst[src->len] = '\0';
	return 0;
}

uint32_t
sftp_status_from_errno(int err)
{
	switch (err) {
	case 0:
		return SFTP_FX_OK;
	case ENOENT:
	case ENOTDIR:
	case EBADF:
	case ELOOP:
		return SFTP_FX_NO_SUCH_FILE;
	case EPERM:
	case EACCES:
	case EFAULT:
	case EROFS:
		return SFTP_FX_PERMISSION_DENIED;
	case ENAMETOOLONG:
	case EINVAL:
		return SFTP_FX_BAD_MESSAGE;
	case ENOSYS:
	case EOPNOTSUPP:
		return SFTP_FX_OP_UNSUPPORTED;
	default:
		return SFTP_FX_FAILURE;
	}
}

void
sftp_send_status(struct sftp_session *s, uint32_t id, uint32_t status,
    const char *message)
{
	if (status != SFTP_FX_OK && status != SFTP_FX_EOF)
		verbose_f("request %u: status %u: %s", id, status,
		    message != NULL ? message : sftp_status_text(status));
	/* The caller guaranteed room for a full reply; failing here is a bug
	 * the session cannot recover from without losing a reply. */
	if (sftp_put_status(&s->out, id, status, message,
	    s->client_version >= 3) != 0) {
		error_f("cannot queue status for request %u", id);
		s->broken = true;
	}
}

void
sftp_send_ok(struct sftp_session *s, uint32_t id)
{
	sftp_send_status(s, id, SFTP_FX_OK, NULL);
}

bool
sftp_permitted(struct sftp_session *s, uint32_t id, enum msb_sftp_req r)
{
	if (msb_sftp_policy_permits(&s->policy, r))
		return true;
	verbose_f("refusing %s request %u: not permitted by the session's policy",
	    msb_sftp_requests[r].name, id);
	sftp_send_status(s, id, SFTP_FX_PERMISSION_DENIED, NULL);
	return false;
}

void
sftp_send_errno(struct sftp_session *s, uint32_t id, int err, const char *what)
{
	char msg[256];

	if (what != NULL)
		snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
	else
		snprintf(msg, sizeof(msg), "%s", strerror(err));
	sftp_send_status(s, id, sftp_status_from_errno(err), msg);
}

void
sftp_finish_reply(struct sftp_session *s, struct sftp_reply *r, uint32_t id)
{
	if (sftp_reply_end(r) != 0)
		sftp_send_status(s, id, SFTP_FX_FAILURE, "reply too large");
}

void
sftp_send_name(struct sftp_session *s, uint32_t id, const char *name)
{
	static const struct sftp_attrs none;
	struct sftp_reply r;

	sftp_reply_begin(&r, &s->out, SFTP_NAME, id);
	sftp_reply_u32(&r, 1);
	sftp_reply_cstring(&r, name);
	sftp_reply_cstring(&r, name);
	sftp_reply_attrs(&r, &none);
	sftp_finish_reply(s, &r, id);
}
