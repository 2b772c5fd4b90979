/*
 * The frame every msb wire format shares (agent, mux, monitor):
 *
 *     uint32 length   (of type + body; 1 .. the protocol's maximum)
 *     uint8  type
 *     byte   body[length - 1]
 *
 * Each protocol passes its own maximum; this layer knows nothing of types.
 */
#ifndef MSB_FRAME_H
#define MSB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* length + type */
#define MSB_FRAME_HEADER 5u

/*
 * begin writes the header with a placeholder length and returns where it
 * starts, relative to the buffer's read position (so it stays valid when
 * the buffer compacts, but not across a consume); end patches the length;
 * abort drops the partial frame. begin fails (-1) when the buffer has no
 * room for a header, end when the frame has grown past max (it then aborts
 * the frame, leaving out as it was before begin).
 */
int msb_frame_begin(struct msb_buf *out, uint8_t type, size_t *start);
int msb_frame_end(struct msb_buf *out, size_t start, size_t max);
void msb_frame_abort(struct msb_buf *out, size_t start);

/*
 * Finds the next complete frame at the front of in. Returns 1 with type and
 * body set (valid until in is consumed), 0 when more bytes are needed, -1
 * on a frame length outside 1..max.
 */
int msb_frame_peek(const struct msb_buf *in, size_t max, uint8_t *type,
    const uint8_t **body, size_t *len);
/* Drops the frame msb_frame_peek found, given its body length. */
void msb_frame_consume(struct msb_buf *in, size_t body_len);

/*
 * Message bodies described by a table, so one description drives both the
 * encoder and the decoder of a message type and the two cannot disagree.
 * A field lives in the caller's message struct at byte offset off.
 */
enum msb_field_kind {
	MSB_FIELD_END = 0,
	MSB_FIELD_U32,    /* uint32_t, min..max */
	MSB_FIELD_U64,    /* uint64_t */
	MSB_FIELD_I32,    /* int32_t, sent as its two's complement uint32 */
	MSB_FIELD_BOOL,   /* bool, one byte 0/1; max 0: must be false */
	MSB_FIELD_TEXT,   /* const char * at off, size_t length at len_off:
			   * string of at most max bytes, no NUL */
	MSB_FIELD_BYTES,  /* const uint8_t * at off, size_t length at len_off:
			   * string of at most max bytes */
	/* Decoded into heap copies the message owns (msb_frame_free_fields): */
	MSB_FIELD_CSTR,   /* char * at off, NUL-terminated: string of at most
			   * max bytes, no NUL; NULL encodes as "" */
	MSB_FIELD_CSTRV,  /* char ** at off, NULL-terminated, uint32_t count at
			   * len_off: uint32 count (at most min: a string
			   * has no least), then count strings as
			   * MSB_FIELD_CSTR */
	/* Shapes, which take no bytes themselves: */
	MSB_FIELD_IF,     /* the next len_off fields are there only when the
			   * uint32_t at off, masked with min, equals max */
	MSB_FIELD_TAIL,   /* the fields after it are there only when one of
			   * them is not empty (0, "", no entries); a tail of
			   * empties is not sent, and refused when received */
};

struct msb_field {
	uint8_t kind;
	uint16_t off;
	uint16_t len_off;
	uint32_t min, max;
};

/*
 * Appends one frame of the given type whose body is the fields (ending
 * with MSB_FIELD_END) read from msg. 0, or -1 when a field is out of its
 * range or the frame or buffer would pass its max; out is then as it was.
 */
int msb_frame_put_fields(struct msb_buf *out, uint8_t type, size_t max,
    const struct msb_field *f, const void *msg);
/*
 * Decodes a whole body into msg; TEXT and BYTES point into the body, CSTR
 * and CSTRV are heap copies. 0, or -1 on truncated or trailing input or any
 * field out of its range; heap copies are then freed. msg's heap fields
 * must be NULL on entry.
 */
int msb_frame_get_fields(const uint8_t *body, size_t len,
    const struct msb_field *f, void *msg);
/* Frees msg's CSTR and CSTRV fields and sets them NULL (and counts 0). */
void msb_frame_free_fields(const struct msb_field *f, void *msg);

/*
 * Peeks the first frame of in and decodes its body into msg with the
 * field table layout() gives for its type (NULL: unknown type). Returns 1
 * with *type and *frame (the whole frame's size) set, 0 when more bytes
 * are needed, -1 on a malformed frame.
 */
int msb_frame_get_message(const struct msb_buf *in, size_t max,
    const struct msb_field *(*layout)(uint8_t type), void *msg,
    uint8_t *type, size_t *frame);

#endif
