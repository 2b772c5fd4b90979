/*
 * Field-by-field equality of decoded messages, for the round-trip checks
 * of the codecs' unit tests and fuzz targets (decode(encode(m)) == m). One
 * definition, so that a field added to a message is compared by both once
 * it is added here. The decoder's bookkeeping (frame) is not content: a
 * message built by hand has none.
 */
#ifndef MSB_PROTO_SAME_H
#define MSB_PROTO_SAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/monitor_proto.h"
#include "lib/mux_proto.h"

static inline bool
proto_same_mem(const void *a, size_t an, const void *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

#define PROTO_SAME_STR(f) proto_same_mem(a->f, a->f##_len, b->f, b->f##_len)

static inline bool
mon_same(const struct msb_mon *a, const struct msb_mon *b)
{
	return a->type == b->type && a->version == b->version &&
	    a->log_level == b->log_level &&
	    a->idle_timeout_s == b->idle_timeout_s && a->rekey_s == b->rekey_s &&
	    a->rekey_bytes == b->rekey_bytes && a->method == b->method &&
	    a->result == b->result && a->tries_left == b->tries_left &&
	    a->max_sessions == b->max_sessions &&
	    a->is_signed == b->is_signed && a->flags == b->flags &&
	    a->chan == b->chan && a->kind == b->kind &&
	    a->bytes_in == b->bytes_in && a->bytes_out == b->bytes_out &&
	    a->exit == b->exit && PROTO_SAME_STR(user) &&
	    PROTO_SAME_STR(guest_user) && PROTO_SAME_STR(key) && PROTO_SAME_STR(command) &&
	    PROTO_SAME_STR(vsock) && PROTO_SAME_STR(env_allow) && PROTO_SAME_STR(detail) &&
	    PROTO_SAME_STR(sftp_deny) && PROTO_SAME_STR(sftp_allow) && a->what == b->what &&
	    a->cols == b->cols && a->rows == b->rows && PROTO_SAME_STR(term) &&
	    a->record_max == b->record_max && a->record_used == b->record_used;
}

static inline bool
mux_same(const struct msb_mux *a, const struct msb_mux *b)
{
	return a->type == b->type && a->chan == b->chan &&
	    a->want_reply == b->want_reply && a->ok == b->ok &&
	    a->core == b->core && a->version == b->version && a->n == b->n &&
	    a->cols == b->cols && a->rows == b->rows && a->port == b->port &&
	    a->orig_port == b->orig_port &&
	    proto_same_mem(a->str, a->str_len, b->str, b->str_len) &&
	    proto_same_mem(a->str2, a->str2_len, b->str2, b->str2_len) &&
	    proto_same_mem(a->data, a->len, b->data, b->len);
}

#undef PROTO_SAME_STR

#endif
