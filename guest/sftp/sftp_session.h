/*
 * State of one SFTP session and the helpers every request handler shares.
 * Internal to guest/sftp.
 */
#ifndef MSB_SFTP_SESSION_H
#define MSB_SFTP_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "sftp_handles.h"
#include "sftp_names.h"
#include "sftp_proto.h"
#include "lib/sftp_policy.h"
#include "sftp_reply.h"

struct sftp_session {
	const char *home;
	struct msb_sftp_policy policy;
	bool initialized;
	uint32_t client_version;
	/* Set when a reply cannot be queued: the session must end. */
	bool broken;
	struct msb_buf out;
	struct sftp_handles handles;
	struct sftp_names names;
	/* NUL-terminated copies of the request's paths, reused per request. */
	char path[PATH_MAX];
	char path2[PATH_MAX];
};

typedef void sftp_handler_fn(struct sftp_session *s, const struct sftp_request *req);

/* Request handlers, by the file that implements them. */
sftp_handler_fn sftp_do_open, sftp_do_close, sftp_do_read, sftp_do_write,
    sftp_do_fstat, sftp_do_fsetstat, sftp_do_opendir, sftp_do_readdir;
sftp_handler_fn sftp_do_stat, sftp_do_lstat, sftp_do_setstat, sftp_do_remove,
    sftp_do_mkdir, sftp_do_rmdir, sftp_do_realpath, sftp_do_rename,
    sftp_do_readlink, sftp_do_symlink;
sftp_handler_fn sftp_do_extended;

/*
 * Copies a request string into a C string buffer of PATH_MAX bytes;
 * 0, or -1 with errno ENAMETOOLONG.
 */
int sftp_cpath(const struct sftp_str *src, char *dst);

/* The SSH_FX_* code OpenSSH's sftp-server uses for an errno. */
uint32_t sftp_status_from_errno(int err);
void sftp_send_status(struct sftp_session *s, uint32_t id, uint32_t status,
    const char *message);
void sftp_send_ok(struct sftp_session *s, uint32_t id);
/*
 * Whether the policy lets request r through; if not, answers it with
 * SSH_FX_PERMISSION_DENIED as sftp-server does and the session goes on.
 */
bool sftp_permitted(struct sftp_session *s, uint32_t id, enum msb_sftp_req r);
/* Status for errno err, with strerror(err), prefixed by what when not NULL. */
void sftp_send_errno(struct sftp_session *s, uint32_t id, int err, const char *what);
/* NAME reply with one entry, as REALPATH and READLINK send it. */
void sftp_send_name(struct sftp_session *s, uint32_t id, const char *name);
/* Ends a reply; a reply that does not fit becomes a FAILURE status. */
void sftp_finish_reply(struct sftp_session *s, struct sftp_reply *r, uint32_t id);

#endif
