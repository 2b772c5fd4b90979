/*
 * asciinema v2 recordings ("asciicast", .cast): the one definition of the
 * format msb writes for a recorded session channel.
 *
 *   {"version": 2, "width": W, "height": H, "timestamp": T, ...}   header line
 *   [SECONDS, "o", "DATA"]                                         one line per event
 *
 * Event types: "o" (what the client was sent), "i" (what it typed; only
 * with --record-input), "r" ("COLSxROWS", a window change), "m" (a
 * marker: msb writes one when a recording reaches its size cap).
 * Guest data is arbitrary bytes and JSON strings are Unicode: invalid
 * UTF-8 becomes U+FFFD, one per maximal ill-formed subpart (as Python's
 * and WHATWG's decoders do), and control characters are escaped \u00XX.
 * A UTF-8 sequence split across two events is carried to the next one.
 */
#ifndef MSB_CAST_H
#define MSB_CAST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The longest header msb writes (each string is cut to fit). */
#define MSB_CAST_HEADER_MAX 4096u
/* A marker event with its time, for the room a size cap keeps for it. */
#define MSB_CAST_MARKER_MAX 128u

struct msb_cast_header {
	uint32_t width, height;
	uint64_t timestamp;      /* Unix seconds */
	const char *term;        /* env.TERM, or NULL */
	const char *title;       /* or NULL */
	const char *command;     /* or NULL */
};

/* Bytes of an incomplete UTF-8 sequence held back for the next event. */
struct msb_utf8_carry {
	uint8_t b[3];
	uint8_t n;
};

/* Appends the header line (with '\n'); 0, or -1 when out has no room. */
int msb_cast_header(struct msb_buf *out, const struct msb_cast_header *h);
/*
 * Appends one event line at usec microseconds since the header's
 * timestamp. carry (may be NULL) holds a trailing incomplete sequence back
 * for the next call of the same stream; pass data NULL, len 0 to flush it
 * as U+FFFD. Returns 0 with nothing appended when there is nothing to say
 * (all bytes held back), -1 when out has no room (out then unchanged).
 */
int msb_cast_event(struct msb_buf *out, uint64_t usec, char type, const uint8_t *data,
    size_t len, struct msb_utf8_carry *carry);
/* Appends data as a JSON string, quotes included; 0 or -1 (out unchanged). */
int msb_json_string(struct msb_buf *out, const uint8_t *data, size_t len);

#endif
