#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "unit.h"

static void
fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void
test_init_free_reset(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 100);
	CHECK(b.data == NULL);
	CHECK_EQ_U64(b.off, 0);
	CHECK_EQ_U64(b.len, 0);
	CHECK_EQ_U64(b.cap, 0);
	CHECK_EQ_U64(b.max, 100);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	CHECK_EQ_U64(msb_buf_room(&b), 100);

	CHECK(msb_buf_put(&b, "hello", 5) == 0);
	msb_buf_consume(&b, 2);
	msb_buf_reset(&b);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	CHECK_EQ_U64(b.off, 0);
	CHECK(b.data != NULL);

	msb_buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_EQ_U64(b.cap, 0);
	CHECK_EQ_U64(b.len, 0);
	CHECK_EQ_U64(b.max, 100);
	/* A freed buffer is reusable. */
	CHECK(msb_buf_put_u8(&b, 9) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), 1);
	msb_buf_free(&b);
	msb_buf_free(&b);
}

/* Byte by byte and in odd-sized chunks the buffer fills to max exactly. */
static void
test_growth_to_max(size_t max, size_t chunk)
{
	struct msb_buf b;
	uint8_t *src = unit_alloc(max + chunk);
	size_t put = 0;

	fill_pattern(src, max + chunk, 3);
	msb_buf_init(&b, max);
	while (put + chunk <= max) {
		if (!CHECK(msb_buf_put(&b, src + put, chunk) == 0))
			break;
		put += chunk;
		CHECK(b.cap <= max);
		CHECK(b.cap >= b.len);
	}
	CHECK_EQ_U64(msb_buf_avail(&b), put);
	CHECK_EQ_U64(msb_buf_room(&b), max - put);
	/* Exactly the room left fits; one byte more does not. */
	size_t room = max - put;
	CHECK(msb_buf_put(&b, src + put, room + 1) == -1);
	CHECK_EQ_U64(msb_buf_avail(&b), put);
	CHECK(msb_buf_put(&b, src + put, room) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), max);
	CHECK_EQ_U64(b.cap, max);
	CHECK_MEM(msb_buf_ptr(&b), src, max);
	CHECK_EQ_U64(msb_buf_room(&b), 0);

	/* Refusal beyond max leaves contents untouched, for every writer. */
	CHECK(msb_buf_put_u8(&b, 1) == -1);
	CHECK(msb_buf_put_u32(&b, 1) == -1);
	CHECK(msb_buf_put_u64(&b, 1) == -1);
	CHECK(msb_buf_put_string(&b, "", 0) == -1);
	CHECK(msb_buf_put_cstring(&b, "x") == -1);
	CHECK(msb_buf_reserve(&b, 1) == NULL);
	CHECK_EQ_U64(msb_buf_avail(&b), max);
	CHECK_EQ_U64(b.cap, max);
	CHECK_MEM(msb_buf_ptr(&b), src, max);
	/* Zero bytes always fit. */
	CHECK(msb_buf_put(&b, src, 0) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), max);
	msb_buf_free(&b);
	free(src);
}

static void
test_reserve_huge(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 1024);
	CHECK(msb_buf_reserve(&b, SIZE_MAX) == NULL);
	CHECK(msb_buf_reserve(&b, SIZE_MAX - 3) == NULL);
	CHECK(msb_buf_put_u8(&b, 1) == 0);
	CHECK(msb_buf_reserve(&b, SIZE_MAX) == NULL);
	CHECK(msb_buf_reserve(&b, 1024) == NULL);
	CHECK(msb_buf_reserve(&b, 1023) != NULL);
	CHECK_EQ_U64(msb_buf_avail(&b), 1);
	/* Longer than a u32 length can say: refused before reading p. */
	CHECK(msb_buf_put_string(&b, "x", (size_t)UINT32_MAX + 1) == -1);
	CHECK_EQ_U64(msb_buf_avail(&b), 1);
	msb_buf_free(&b);
}

/* Reserving nothing on a buffer that never allocated must not fail. */
static void
test_reserve_zero_fresh(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 64);
	CHECK(msb_buf_reserve(&b, 0) != NULL);
	CHECK(msb_buf_put(&b, NULL, 0) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	msb_buf_free(&b);
}

static void
test_compaction(void)
{
	struct msb_buf b;
	uint8_t src[64], want[16];

	fill_pattern(src, sizeof(src), 11);
	msb_buf_init(&b, 16);
	CHECK(msb_buf_put(&b, src, 16) == 0);
	msb_buf_consume(&b, 10);
	CHECK_EQ_U64(msb_buf_avail(&b), 6);
	CHECK_EQ_U64(msb_buf_room(&b), 10);
	/* Needs the 10 consumed bytes back: compaction, no growth past max. */
	CHECK(msb_buf_put(&b, src + 16, 10) == 0);
	CHECK_EQ_U64(b.cap, 16);
	CHECK_EQ_U64(b.off, 0);
	memcpy(want, src + 10, 6);
	memcpy(want + 6, src + 16, 10);
	CHECK_EQ_U64(msb_buf_avail(&b), 16);
	CHECK_MEM(msb_buf_ptr(&b), want, 16);
	CHECK(msb_buf_put_u8(&b, 0) == -1);
	msb_buf_free(&b);

	/* Compaction that still is not enough grows, keeping the order. */
	msb_buf_init(&b, 4096);
	CHECK(msb_buf_put(&b, src, 64) == 0);
	size_t cap = b.cap;
	uint8_t *big = unit_alloc(cap);
	fill_pattern(big, cap, 5);
	msb_buf_consume(&b, 60);
	CHECK(msb_buf_put(&b, big, cap) == 0);
	CHECK(b.cap > cap);
	CHECK_EQ_U64(msb_buf_avail(&b), 4 + cap);
	CHECK_MEM(msb_buf_ptr(&b), src + 60, 4);
	CHECK_MEM(msb_buf_ptr(&b) + 4, big, cap);
	free(big);
	msb_buf_free(&b);
}

static void
test_consume(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 64);
	CHECK(msb_buf_put(&b, "abcdef", 6) == 0);
	msb_buf_consume(&b, 0);
	CHECK_EQ_U64(msb_buf_avail(&b), 6);
	msb_buf_consume(&b, 2);
	CHECK_EQ_U64(msb_buf_avail(&b), 4);
	CHECK_MEM(msb_buf_ptr(&b), "cdef", 4);
	/* More than available drains and rewinds to the start. */
	msb_buf_consume(&b, 100);
	CHECK_EQ_U64(msb_buf_avail(&b), 0);
	CHECK_EQ_U64(b.off, 0);
	CHECK_EQ_U64(b.len, 0);
	CHECK(msb_buf_put(&b, "xy", 2) == 0);
	msb_buf_consume(&b, 2);
	CHECK_EQ_U64(b.off, 0);
	CHECK_EQ_U64(b.len, 0);
	msb_buf_free(&b);
}

static void
test_byte_order(void)
{
	struct msb_buf b;
	uint8_t p[4];
	static const uint8_t want[] = {
		0xab,
		0x01, 0x02, 0x03, 0x04,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x00, 0x00, 0x00, 0x03, 'a', 0, 'b',
		0x00, 0x00, 0x00, 0x02, 'h', 'i',
		0x00, 0x00, 0x00, 0x00,
	};

	msb_put_be32(p, 0xdeadbeef);
	CHECK_MEM(p, "\xde\xad\xbe\xef", 4);
	CHECK_EQ_U64(msb_get_be32(p), 0xdeadbeef);

	msb_buf_init(&b, 256);
	CHECK(msb_buf_put_u8(&b, 0xab) == 0);
	CHECK(msb_buf_put_u32(&b, 0x01020304) == 0);
	CHECK(msb_buf_put_u64(&b, 0x1122334455667788ull) == 0);
	CHECK(msb_buf_put_string(&b, "a\0b", 3) == 0);
	CHECK(msb_buf_put_cstring(&b, "hi") == 0);
	CHECK(msb_buf_put_cstring(&b, NULL) == 0);
	CHECK_EQ_U64(msb_buf_avail(&b), sizeof(want));
	CHECK_MEM(msb_buf_ptr(&b), want, sizeof(want));
	msb_buf_free(&b);
}

static void
test_round_trip(void)
{
	static const uint32_t u32s[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100,
	    0x7fffffff, 0x80000000u, UINT32_MAX };
	static const uint64_t u64s[] = { 0, 1, UINT32_MAX, (uint64_t)UINT32_MAX + 1,
	    0x0102030405060708ull, INT64_MAX, UINT64_MAX };
	struct msb_buf b;
	struct msb_reader r;
	uint8_t bin[300];

	fill_pattern(bin, sizeof(bin), 0);
	msb_buf_init(&b, 4096);
	for (unsigned v = 0; v < 256; v++)
		CHECK(msb_buf_put_u8(&b, (uint8_t)v) == 0);
	for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++)
		CHECK(msb_buf_put_u32(&b, u32s[i]) == 0);
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
		CHECK(msb_buf_put_u64(&b, u64s[i]) == 0);
	CHECK(msb_buf_put_string(&b, bin, sizeof(bin)) == 0);
	CHECK(msb_buf_put_string(&b, "", 0) == 0);
	CHECK(msb_buf_put_cstring(&b, "a cstring") == 0);
	CHECK(msb_buf_put_cstring(&b, "") == 0);

	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	for (unsigned v = 0; v < 256; v++) {
		uint8_t got = 0;
		CHECK(msb_get_u8(&r, &got) == 0);
		CHECK_EQ_U64(got, v);
	}
	for (size_t i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		uint32_t got = 0;
		CHECK(msb_get_u32(&r, &got) == 0);
		CHECK_EQ_U64(got, u32s[i]);
	}
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		uint64_t got = 0;
		CHECK(msb_get_u64(&r, &got) == 0);
		CHECK_EQ_U64(got, u64s[i]);
	}
	const uint8_t *sp;
	uint32_t sn;
	size_t before = r.off;
	CHECK(msb_get_string(&r, &sp, &sn) == 0);
	CHECK_EQ_U64(sn, sizeof(bin));
	CHECK_MEM(sp, bin, sizeof(bin));
	/* No copy: the string points into the input. */
	CHECK(sp == msb_buf_ptr(&b) + before + 4);
	CHECK(msb_get_string(&r, &sp, &sn) == 0);
	CHECK_EQ_U64(sn, 0);
	char *s = NULL;
	CHECK(msb_get_cstring(&r, &s, 64) == 0);
	CHECK_STR(s, "a cstring");
	free(s);
	CHECK(msb_get_cstring(&r, &s, 0) == 0);
	CHECK_STR(s, "");
	free(s);
	CHECK_EQ_U64(msb_reader_left(&r), 0);
	CHECK(msb_reader_done(&r));
	msb_buf_free(&b);
}

static void
test_reader_sticky(void)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6 };
	struct msb_reader r;
	uint32_t v32 = 0;
	uint8_t v8 = 0;

	msb_reader_init(&r, in, sizeof(in));
	CHECK(msb_get_u32(&r, &v32) == 0);
	CHECK_EQ_U64(v32, 0x01020304);
	CHECK(!msb_reader_done(&r));
	/* Two bytes left: a u32 fails and must not consume anything... */
	CHECK(msb_get_u32(&r, &v32) == -1);
	CHECK(r.error);
	CHECK_EQ_U64(msb_reader_left(&r), 2);
	/* ...and every later read fails too, even those that would fit. */
	CHECK(msb_get_u8(&r, &v8) == -1);
	CHECK(msb_get_u8(&r, &v8) == -1);
	CHECK(r.error);
	CHECK(!msb_reader_done(&r));

	/* Consuming everything after an error still is not done. */
	msb_reader_init(&r, in, 4);
	CHECK(msb_get_u64(&r, &(uint64_t){ 0 }) == -1);
	CHECK(!msb_reader_done(&r));

	msb_reader_init(&r, in, 0);
	CHECK(msb_reader_done(&r));
	CHECK(msb_get_u8(&r, &v8) == -1);
	CHECK(!msb_reader_done(&r));

	/* Failed string reads leave the outputs cleared. */
	const uint8_t *sp = in;
	uint32_t sn = 99;
	char *s = (char *)"sentinel";
	msb_reader_init(&r, in, sizeof(in));
	CHECK(msb_get_string(&r, &sp, &sn) == -1);
	CHECK(sp == NULL);
	CHECK_EQ_U64(sn, 0);
	CHECK(msb_get_cstring(&r, &s, 10) == -1);
	CHECK(s == NULL);
}

/*
 * Encodes one of every kind, then decodes every proper prefix: each must
 * fail and leave the reader in error; the whole input must succeed.
 */
static int
decode_sequence(const uint8_t *p, size_t n)
{
	struct msb_reader r;
	uint8_t v8;
	uint32_t v32;
	uint64_t v64;
	const uint8_t *sp;
	uint32_t sn;
	char *s = NULL;

	msb_reader_init(&r, p, n);
	msb_get_u8(&r, &v8);
	msb_get_u32(&r, &v32);
	msb_get_u64(&r, &v64);
	msb_get_string(&r, &sp, &sn);
	msb_get_cstring(&r, &s, 100);
	int ok = msb_reader_done(&r) && v8 == 0x42 && v32 == 7 &&
	    v64 == 0x1234567890ull && sn == 3 && memcmp(sp, "xyz", 3) == 0 &&
	    s != NULL && strcmp(s, "hello") == 0;
	if (r.error && s != NULL)
		ok = -100;
	free(s);
	return r.error ? -1 : ok;
}

static void
test_truncation(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 256);
	msb_buf_put_u8(&b, 0x42);
	msb_buf_put_u32(&b, 7);
	msb_buf_put_u64(&b, 0x1234567890ull);
	msb_buf_put_string(&b, "xyz", 3);
	CHECK(msb_buf_put_cstring(&b, "hello") == 0);
	size_t n = msb_buf_avail(&b);
	uint8_t *copy = unit_alloc(n);
	memcpy(copy, msb_buf_ptr(&b), n);
	/* A heap copy per prefix lets ASan catch any read past the end. */
	for (size_t i = 0; i < n; i++) {
		uint8_t *pre = unit_alloc(i);
		memcpy(pre, copy, i);
		CHECK_EQ_U64(decode_sequence(pre, i), (uint64_t)-1);
		free(pre);
	}
	CHECK_EQ_U64(decode_sequence(copy, n), 1);
	free(copy);
	msb_buf_free(&b);
}

static void
test_cstring_rejects(void)
{
	struct msb_buf b;
	struct msb_reader r;
	char *s;

	msb_buf_init(&b, 256);
	CHECK(msb_buf_put_string(&b, "ab\0cd", 5) == 0);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	s = (char *)"sentinel";
	CHECK(msb_get_cstring(&r, &s, 100) == -1);
	CHECK(s == NULL);
	CHECK(r.error);

	/* A trailing NUL is embedded too: the length already delimits. */
	msb_buf_reset(&b);
	CHECK(msb_buf_put_string(&b, "abc\0", 4) == 0);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	CHECK(msb_get_cstring(&r, &s, 100) == -1);

	msb_buf_reset(&b);
	CHECK(msb_buf_put_cstring(&b, "12345") == 0);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	CHECK(msb_get_cstring(&r, &s, 4) == -1);
	CHECK(s == NULL);
	CHECK(r.error);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	CHECK(msb_get_cstring(&r, &s, 5) == 0);
	CHECK_STR(s, "12345");
	free(s);

	/* A length larger than the input, including the u32 maximum. */
	msb_buf_reset(&b);
	CHECK(msb_buf_put_u32(&b, UINT32_MAX) == 0);
	CHECK(msb_buf_put(&b, "abc", 3) == 0);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	CHECK(msb_get_cstring(&r, &s, SIZE_MAX) == -1);
	CHECK(s == NULL);
	msb_buf_free(&b);
}

static void
test_reserve_commit_poke(void)
{
	struct msb_buf b;

	msb_buf_init(&b, 32);
	CHECK(msb_buf_put_u32(&b, 0) == 0);
	uint8_t *w = msb_buf_reserve(&b, 10);
	if (CHECK(w != NULL)) {
		CHECK_EQ_U64(msb_buf_avail(&b), 4);
		memcpy(w, "0123456789", 10);
		/* Commit less than reserved: only that much becomes data. */
		msb_buf_commit(&b, 6);
	}
	CHECK_EQ_U64(msb_buf_avail(&b), 10);
	msb_buf_poke_u32(&b, 0, 0xcafef00d);
	CHECK_MEM(msb_buf_ptr(&b), "\xca\xfe\xf0\x0d" "012345", 10);
	CHECK(msb_buf_reserve(&b, 23) == NULL);
	w = msb_buf_reserve(&b, 22);
	CHECK(w != NULL);
	CHECK_EQ_U64(b.cap, 32);
	msb_buf_commit(&b, 0);
	CHECK_EQ_U64(msb_buf_avail(&b), 10);
	/* poke takes absolute offsets into data. */
	msb_buf_consume(&b, 4);
	msb_buf_poke_u32(&b, 6, 0x41424344);
	CHECK_MEM(msb_buf_ptr(&b), "01ABCD", 6);
	msb_buf_free(&b);
}

int
main(void)
{
	test_init_free_reset();
	test_growth_to_max(1, 1);
	test_growth_to_max(10, 3);
	test_growth_to_max(255, 1);
	test_growth_to_max(256, 256);
	test_growth_to_max(1000, 7);
	test_growth_to_max(70000, 4096);
	test_reserve_huge();
	test_reserve_zero_fresh();
	test_compaction();
	test_consume();
	test_byte_order();
	test_round_trip();
	test_reader_sticky();
	test_truncation();
	test_cstring_rejects();
	test_reserve_commit_poke();
	return unit_done();
}
