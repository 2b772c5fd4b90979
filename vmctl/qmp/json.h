/*
 * A strict RFC 8259 JSON parser for what QEMU sends over QMP, and the
 * writers that build what we send back. QEMU is our child but not trusted:
 * every document is parsed under hard limits (input size, nesting depth,
 * members per container), strings must be valid UTF-8 without NULs, and
 * duplicate object keys are refused so no two readers can disagree about
 * what a message says.
 */
#ifndef MSB_JSON_H
#define MSB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_INT,     /* integral and within int64 */
	JSON_DOUBLE,  /* a fraction, an exponent, or an integer beyond int64 */
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value;

struct json_limits {
	size_t max_input;    /* bytes */
	unsigned max_depth;  /* nested arrays and objects */
	size_t max_members;  /* per object or array */
};

#define JSON_MAX_INPUT_DEFAULT   (1024 * 1024)
#define JSON_MAX_DEPTH_DEFAULT   64
#define JSON_MAX_MEMBERS_DEFAULT 65536
/* Longest number token; a longer one is refused rather than copied. */
#define JSON_NUMBER_MAX 256

struct json_error {
	size_t offset;  /* byte offset of the offending input */
	char msg[96];
};

/*
 * Parses exactly one document, optionally surrounded by whitespace, from
 * len bytes at p (which need not be NUL-terminated). limits NULL means the
 * defaults above. Returns the tree (free with json_free), or NULL with err
 * filled in when err is not NULL.
 */
struct json_value *json_parse(const char *p, size_t len,
    const struct json_limits *limits, struct json_error *err);
void json_free(struct json_value *v);

enum json_type json_type(const struct json_value *v);
bool json_is(const struct json_value *v, enum json_type t);
const char *json_type_name(enum json_type t);

/* The member named key of an object; NULL if v is not an object or has none. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* Removes the member named key from obj and hands its value to the caller. */
struct json_value *json_take(struct json_value *obj, const char *key);
/* Members in document order; 0 / NULL when v is not an object or i is past the end. */
size_t json_object_len(const struct json_value *obj);
const char *json_object_key_at(const struct json_value *obj, size_t i);
const struct json_value *json_object_value_at(const struct json_value *obj, size_t i);

/* NUL-terminated UTF-8 (never contains NUL); NULL if v is not a string. */
const char *json_string(const struct json_value *v);
/* 0 with *out set, or -1 when v is not of that type. json_double takes ints too. */
int json_int(const struct json_value *v, int64_t *out);
int json_double(const struct json_value *v, double *out);
int json_bool(const struct json_value *v, bool *out);
size_t json_array_len(const struct json_value *arr);
const struct json_value *json_array_at(const struct json_value *arr, size_t i);

/*
 * Appends s as a quoted, escaped JSON string. Returns 0, or -1 when s is not
 * valid UTF-8, holds a NUL (json_append_string_n only), or the buffer would
 * pass its max (the buffer may then hold part of the string: discard it).
 */
int json_append_string(struct msb_buf *b, const char *s);
int json_append_string_n(struct msb_buf *b, const char *s, size_t len);
/* Appends v as compact JSON that json_parse reads back to the same tree. */
int json_append_value(struct msb_buf *b, const struct json_value *v);

#endif
