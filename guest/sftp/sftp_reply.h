/*
 * Building SFTP reply packets in the server's output buffer. A reply is
 * written in place (no intermediate copy); an error on any put is sticky
 * and sftp_reply_end then removes the partial packet, so the caller can
 * answer with a status instead.
 */
#ifndef MSB_SFTP_REPLY_H
#define MSB_SFTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "sftp_proto.h"

/* Largest reply packet including its length prefix; the server only
 * starts a request when the output buffer has this much room. */
#define SFTP_MAX_REPLY (SFTP_MAX_MSG + 4u)

struct sftp_reply {
	struct msb_buf *b;
	/* Bytes queued before this reply: an offset from b->off, since
	 * compaction may move the buffer's contents. */
	size_t start;
	bool error;
};

/* Starts "uint32 length, byte type" and, unless type is VERSION, "uint32 id". */
void sftp_reply_begin(struct sftp_reply *r, struct msb_buf *b, uint8_t type,
    uint32_t id);
void sftp_reply_u32(struct sftp_reply *r, uint32_t v);
void sftp_reply_u64(struct sftp_reply *r, uint64_t v);
void sftp_reply_string(struct sftp_reply *r, const void *p, size_t n);
void sftp_reply_cstring(struct sftp_reply *r, const char *s);
void sftp_reply_attrs(struct sftp_reply *r, const struct sftp_attrs *a);
/*
 * For a string whose bytes are produced in place (READ data): returns room
 * for up to max bytes, or NULL; sftp_reply_commit_string then says how many
 * were written. Nothing else may be put in between.
 */
uint8_t *sftp_reply_reserve_string(struct sftp_reply *r, size_t max);
void sftp_reply_commit_string(struct sftp_reply *r, size_t n);
/* Position of the next byte, for a count only known at the end. */
size_t sftp_reply_mark(const struct sftp_reply *r);
void sftp_reply_poke_u32(struct sftp_reply *r, size_t mark, uint32_t v);
/* Drops the reply being built. */
void sftp_reply_abort(struct sftp_reply *r);
/* Sets the length prefix; 0, or -1 after removing a reply that failed. */
int sftp_reply_end(struct sftp_reply *r);

/* A whole STATUS packet; message NULL means the generic text. */
int sftp_put_status(struct msb_buf *b, uint32_t id, uint32_t status,
    const char *message, bool with_text);

/* ATTRS encoding on any buffer (also used by tests). */
int sftp_put_attrs(struct msb_buf *b, const struct sftp_attrs *a);

#endif
