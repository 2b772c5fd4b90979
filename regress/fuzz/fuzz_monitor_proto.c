/*
 * libFuzzer target for the monitor RPC codec. The input after its first
 * byte arrives as a byte stream in chunks whose size that byte picks. Every
 * message that decodes is re-encoded behind consumed and queued bytes (so
 * the encoder meets compaction) and must come out byte for byte as the
 * frame it came from and decode again to the same values; anything else
 * abort()s.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/monitor_proto.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
same_mem(const void *a, size_t an, const void *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

#define SAME_STR(f) same_mem(a->f, a->f##_len, b->f, b->f##_len)

static bool
same(const struct msb_mon *a, const struct msb_mon *b)
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
	    a->exit == b->exit && a->frame == b->frame && SAME_STR(user) &&
	    SAME_STR(guest_user) && SAME_STR(key) && SAME_STR(command) &&
	    SAME_STR(vsock) && SAME_STR(env_allow) && SAME_STR(detail) &&
	    SAME_STR(sftp_deny) && SAME_STR(sftp_allow) && a->what == b->what &&
	    a->cols == b->cols && a->rows == b->rows && SAME_STR(term) &&
	    a->record_max == b->record_max && a->record_used == b->record_used;
}

static void
reencode(const struct msb_mon *m, const uint8_t *frame, unsigned layout)
{
	static const uint8_t filler[300];
	size_t fill = layout % sizeof(filler);
	struct msb_buf b;
	struct msb_mon d;

	msb_buf_init(&b, sizeof(filler) + 4 + MSB_MON_MAX_FRAME);
	EXPECT(msb_buf_put(&b, filler, fill) == 0);
	msb_buf_consume(&b, fill / 2);
	size_t queued = fill - fill / 2;
	EXPECT(msb_mon_put(&b, m) == 0);
	msb_buf_consume(&b, queued);
	EXPECT(same_mem(msb_buf_ptr(&b), msb_buf_avail(&b), frame, m->frame));
	EXPECT(msb_mon_get(&b, &d) == 1);
	EXPECT(same(m, &d));
	msb_mon_consume(&b, &d);
	EXPECT(msb_buf_avail(&b) == 0);
	msb_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msb_buf in;
	struct msb_mon m;

	if (size < 1)
		return 0;
	size_t chunk = 1 + data[0] * 37u;
	data++;
	size--;
	msb_buf_init(&in, 2 * MSB_MON_MAX_FRAME);
	for (size_t off = 0; off < size; off += chunk) {
		size_t k = size - off < chunk ? size - off : chunk;
		EXPECT(msb_buf_put(&in, data + off, k) == 0);
		int rc;
		while ((rc = msb_mon_get(&in, &m)) == 1) {
			EXPECT(m.frame <= msb_buf_avail(&in));
			(void)msb_mon_msg_name(m.type);
			reencode(&m, msb_buf_ptr(&in), (unsigned)(off + m.frame));
			msb_mon_consume(&in, &m);
		}
		if (rc == -1)
			break;
	}
	msb_buf_free(&in);
	return 0;
}
