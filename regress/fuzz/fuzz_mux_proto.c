/*
 * libFuzzer target for the channel mux codec. The input after its first
 * byte arrives as a byte stream in chunks whose size that byte picks. Every
 * message that decodes is re-encoded behind consumed and queued bytes (so
 * the encoder meets compaction) and must come out byte for byte as the
 * frame it came from and decode again to the same values; anything else
 * abort()s.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "lib/mux_proto.h"
#include "regress/proto_same.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
reencode(const struct msb_mux *m, const uint8_t *frame, unsigned layout)
{
	static const uint8_t filler[300];
	size_t fill = layout % sizeof(filler);
	struct msb_buf b;
	struct msb_mux d;

	msb_buf_init(&b, sizeof(filler) + 4 + MSB_MUX_MAX_FRAME);
	EXPECT(msb_buf_put(&b, filler, fill) == 0);
	msb_buf_consume(&b, fill / 2);
	size_t queued = fill - fill / 2;
	EXPECT(msb_mux_put(&b, m) == 0);
	msb_buf_consume(&b, queued);
	EXPECT(proto_same_mem(msb_buf_ptr(&b), msb_buf_avail(&b), frame, m->frame));
	EXPECT(msb_mux_get(&b, &d) == 1);
	EXPECT(mux_same(m, &d) && d.frame == m->frame);
	msb_mux_consume(&b, &d);
	EXPECT(msb_buf_avail(&b) == 0);
	msb_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msb_buf in;
	struct msb_mux m;

	if (size < 1)
		return 0;
	size_t chunk = 1 + data[0] * 37u;
	data++;
	size--;
	msb_buf_init(&in, 2 * MSB_MUX_MAX_FRAME);
	for (size_t off = 0; off < size; off += chunk) {
		size_t k = size - off < chunk ? size - off : chunk;
		EXPECT(msb_buf_put(&in, data + off, k) == 0);
		int rc;
		while ((rc = msb_mux_get(&in, &m)) == 1) {
			EXPECT(m.frame <= msb_buf_avail(&in));
			(void)msb_mux_msg_name(m.type);
			reencode(&m, msb_buf_ptr(&in), (unsigned)(off + m.frame));
			msb_mux_consume(&in, &m);
		}
		if (rc == -1)
			break;
	}
	msb_buf_free(&in);
	return 0;
}
