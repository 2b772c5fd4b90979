/*
 * The framing checks every length-prefixed codec built on lib/frame.h
 * must pass (the mux and the monitor RPC): a message survives a round
 * trip, every prefix of its frame waits for more, every shortened or
 * lengthened body is refused, a buffer too small refuses the frame and
 * keeps what it held, and a frame written behind consumed bytes survives
 * the compaction it causes; and the two probes their reject tests use
 * (codec_decodes, codec_encodes). Written once over struct codec so both
 * codecs' tests run the same checks.
 */
#ifndef MSB_UNIT_CODEC_CHECKS_H
#define MSB_UNIT_CODEC_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/frame.h"
#include "regress/proto_same.h"
#include "unit.h"

/* A codec seen through its message type's pointers. */
struct codec {
	size_t max_frame;                                  /* body bytes, without the length */
	int (*put)(struct msb_buf *b, const void *m);
	int (*get)(struct msb_buf *b, void *d);            /* 1 got one, 0 wait, -1 bad */
	void (*consume)(struct msb_buf *b, const void *d);
	bool (*same)(const void *a, const void *b);
	size_t (*frame)(const void *d);                    /* a decoded message's frame size */
	const char *(*name)(const void *m);                /* "unknown" for no known type */
	void *decoded;                                     /* room for one decoded message */
};

static inline void
codec_roundtrip(const struct codec *c, const void *m)
{
	struct msb_buf b;

	msb_buf_init(&b, c->max_frame + 4);
	if (!CHECK(c->put(&b, m) == 0))
		goto out;
	if (!CHECK(c->get(&b, c->decoded) == 1))
		goto out;
	if (!CHECK(c->same(m, c->decoded)))
		fprintf(stderr, "  type %s\n", c->name(m));
	CHECK_EQ_U64(c->frame(c->decoded), msb_buf_avail(&b));
	CHECK(strcmp(c->name(m), "unknown") != 0);
	c->consume(&b, c->decoded);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
out:
	msb_buf_free(&b);
}

/* Every prefix of a frame waits for more; every shortened body is refused. */
static inline void
codec_truncations(const struct codec *c, const void *m)
{
	struct msb_buf b, t;

	msb_buf_init(&b, c->max_frame + 4);
	msb_buf_init(&t, c->max_frame + 4);
	if (!CHECK(c->put(&b, m) == 0))
		goto out;
	const uint8_t *p = msb_buf_ptr(&b);
	size_t n = msb_buf_avail(&b);
	int bad = 0;
	/* Big messages: checking every byte would be slow and says nothing new. */
	size_t step = n > 4096 ? 97 : 1;
	for (size_t k = 0; k < n; k += step) {
		msb_buf_reset(&t);
		msb_buf_put(&t, p, k);
		bad |= c->get(&t, c->decoded) != 0;
	}
	for (size_t k = MSB_FRAME_HEADER; k < n; k += step) {
		msb_buf_reset(&t);
		msb_buf_put_u32(&t, (uint32_t)(k - 4));
		msb_buf_put(&t, p + 4, k - 4);
		bad |= c->get(&t, c->decoded) != -1;
	}
	CHECK(!bad);
	/* One trailing byte */
	msb_buf_reset(&t);
	msb_buf_put_u32(&t, (uint32_t)(n - 4 + 1));
	msb_buf_put(&t, p + 4, n - 4);
	msb_buf_put_u8(&t, 0);
	CHECK(c->get(&t, c->decoded) == -1);
out:
	msb_buf_free(&b);
	msb_buf_free(&t);
}

/* A too-small buffer refuses the frame and keeps what it held. */
static inline void
codec_too_small(const struct codec *c, const void *m)
{
	static const uint8_t queued[7] = "queued";
	struct msb_buf b;
	int bad = 0;

	msb_buf_init(&b, c->max_frame + 4);
	if (!CHECK(c->put(&b, m) == 0))
		goto out;
	size_t need = msb_buf_avail(&b) + sizeof(queued);
	size_t step = need > 4096 ? 499 : 1;
	for (size_t max = 0; max < need; max += step) {
		msb_buf_free(&b);
		msb_buf_init(&b, max);
		size_t q = max < sizeof(queued) ? max : sizeof(queued);
		msb_buf_put(&b, queued, q);
		bad |= c->put(&b, m) != -1;
		bad |= !proto_same_mem(msb_buf_ptr(&b), msb_buf_avail(&b), queued, q);
	}
	CHECK(!bad);
out:
	msb_buf_free(&b);
}

/*
 * A frame written behind consumed bytes survives the compaction it causes:
 * the buffer's max leaves room for the frame only once the consumed filler
 * in front of 40 still-queued bytes is moved out of the way.
 */
static inline void
codec_compaction(const struct codec *c, const void *m)
{
	struct msb_buf b, probe;
	uint8_t filler[100];

	memset(filler, 'f', sizeof(filler));
	msb_buf_init(&probe, c->max_frame + 4);
	CHECK(c->put(&probe, m) == 0);
	size_t fl = msb_buf_avail(&probe);
	msb_buf_free(&probe);
	size_t fill = 40 + (fl < 60 ? fl : 60);
	msb_buf_init(&b, fl + 40);
	msb_buf_put(&b, filler, fill);
	msb_buf_consume(&b, fill - 40);
	if (CHECK(c->put(&b, m) == 0)) {
		CHECK(proto_same_mem(msb_buf_ptr(&b), 40, filler, 40));
		msb_buf_consume(&b, 40);
		CHECK(c->get(&b, c->decoded) == 1 && c->same(m, c->decoded));
	}
	msb_buf_free(&b);
}

/* rc of decoding a frame of any type and body, written past the encoder's checks. */
static inline int
codec_decodes(const struct codec *c, uint8_t type, const struct msb_buf *body)
{
	struct msb_buf b;

	msb_buf_init(&b, 2 * c->max_frame);
	msb_buf_put_u32(&b, (uint32_t)(1 + msb_buf_avail(body)));
	msb_buf_put_u8(&b, type);
	msb_buf_put(&b, msb_buf_ptr(body), msb_buf_avail(body));
	int rc = c->get(&b, c->decoded);
	msb_buf_free(&b);
	return rc;
}

/* rc of encoding m; a refused message leaves nothing behind. */
static inline int
codec_encodes(const struct codec *c, const void *m)
{
	struct msb_buf b;

	msb_buf_init(&b, 2 * c->max_frame);
	int rc = c->put(&b, m);
	CHECK(rc == 0 || msb_buf_avail(&b) == 0);
	msb_buf_free(&b);
	return rc;
}

/*
 * Defines P_codec, the struct codec of msb_P_put/get/consume/msg_name and
 * P_same (proto_same.h) over messages of type T: the codecs share that
 * naming, so one definition serves both.
 */
#define CODEC_DEFINE(P, T, MAX_FRAME) \
	static int P##_codec_put(struct msb_buf *b, const void *m) { return msb_##P##_put(b, m); } \
	static int P##_codec_get(struct msb_buf *b, void *d) { return msb_##P##_get(b, d); } \
	static void P##_codec_consume(struct msb_buf *b, const void *d) { msb_##P##_consume(b, d); } \
	static bool P##_codec_same(const void *a, const void *b) { return P##_same(a, b); } \
	static size_t P##_codec_frame(const void *d) { return ((const T *)d)->frame; } \
	static const char *P##_codec_name(const void *m) { return msb_##P##_msg_name(((const T *)m)->type); } \
	static T P##_codec_decoded; \
	static const struct codec P##_codec = { \
		.max_frame = (MAX_FRAME), .put = P##_codec_put, .get = P##_codec_get, \
		.consume = P##_codec_consume, .same = P##_codec_same, .frame = P##_codec_frame, \
		.name = P##_codec_name, .decoded = &P##_codec_decoded, \
	}

/* All of the above for one message. */
static inline void
codec_checks(const struct codec *c, const void *m)
{
	codec_roundtrip(c, m);
	codec_truncations(c, m);
	codec_too_small(c, m);
	codec_compaction(c, m);
}

#endif
