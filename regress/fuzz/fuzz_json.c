/*
 * libFuzzer target for the JSON parser.
 *
 * The input is one document, parsed from an exact-size heap copy so that any
 * over-read trips ASan. A document that parses is written out and must parse
 * again and write out the same bytes (the writer's output is canonical); a
 * document that fails must say where, within the input. Every tree is freed,
 * so LeakSanitizer sees any node the parser loses on an error path.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "vmctl/qmp/json.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the whole tree through the accessors, as a QMP reader would. */
static void
walk(const struct json_value *v, unsigned depth)
{
	EXPECT(depth <= JSON_MAX_DEPTH_DEFAULT);
	switch (json_type(v)) {
	case JSON_STRING:
		EXPECT(json_string(v) != NULL);
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < json_array_len(v); i++)
			walk(json_array_at(v, i), depth + 1);
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < json_object_len(v); i++) {
			const char *key = json_object_key_at(v, i);

			/* Keys are unique, so lookup finds this very member. */
			EXPECT(json_get(v, key) == json_object_value_at(v, i));
			walk(json_object_value_at(v, i), depth + 1);
		}
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size == 0 ? 1 : size);
	struct json_error err = { .offset = SIZE_MAX };
	struct json_value *v, *again;
	struct msb_buf first, second;

	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	v = json_parse(copy, size, NULL, &err);
	free(copy);
	if (v == NULL) {
		EXPECT(err.offset <= size);
		EXPECT(err.msg[0] != '\0');
		return 0;
	}
	walk(v, 0);
	msb_buf_init(&first, 4 * JSON_MAX_INPUT_DEFAULT);
	msb_buf_init(&second, 4 * JSON_MAX_INPUT_DEFAULT);
	EXPECT(json_append_value(&first, v) == 0);
	again = json_parse((const char *)msb_buf_ptr(&first), msb_buf_avail(&first),
	    NULL, &err);
	EXPECT(again != NULL);
	EXPECT(json_type(again) == json_type(v));
	EXPECT(json_append_value(&second, again) == 0);
	EXPECT(msb_buf_avail(&first) == msb_buf_avail(&second));
	EXPECT(memcmp(msb_buf_ptr(&first), msb_buf_ptr(&second),
	    msb_buf_avail(&first)) == 0);
	json_free(again);
	json_free(v);
	msb_buf_free(&first);
	msb_buf_free(&second);
	return 0;
}
