/*
 * The input of the state-machine fuzzers (fuzz_monitor_auth,
 * fuzz_preauth_mux, fuzz_session_mux): one byte picks the harness's setup,
 * two bytes (big-endian) give the length of the first stream, and the rest
 * is the second stream. The reader and the seed writer live here together
 * so that the seeds always have the layout the targets split.
 */
#ifndef MSB_FUZZ_INPUT_SPLIT_H
#define MSB_FUZZ_INPUT_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fuzz_input {
	uint8_t setup;
	const uint8_t *first;
	size_t nfirst;
	const uint8_t *second;
	size_t nsecond;
};

/*
 * 0 and in->* filled; -1 for an input too short to hold the header (the
 * target skips it). A first length past the end is cut to what is there,
 * so every input splits and no byte the fuzzer mutates is wasted.
 */
static inline int
fuzz_input_split(const uint8_t *data, size_t size, struct fuzz_input *in)
{
	if (size < 3)
		return -1;
	size_t n = (size_t)data[1] << 8 | data[2];
	if (n > size - 3)
		n = size - 3;
	in->setup = data[0];
	in->first = data + 3;
	in->nfirst = n;
	in->second = data + 3 + n;
	in->nsecond = size - 3 - n;
	return 0;
}

/* Writes DIR/NAME in the layout fuzz_input_split reads; aborts on failure. */
static inline void
fuzz_input_write(const char *dir, const char *name, uint8_t setup,
    const void *first, size_t nfirst, const void *second, size_t nsecond)
{
	char path[512];
	uint8_t head[3] = { setup, (uint8_t)(nfirst >> 8), (uint8_t)nfirst };

	if (nfirst > 0xffff)
		abort();
	int len = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		abort();
	FILE *out = fopen(path, "wb");
	if (out == NULL || fwrite(head, 1, 3, out) != 3 ||
	    fwrite(first, 1, nfirst, out) != nfirst ||
	    fwrite(second, 1, nsecond, out) != nsecond || fclose(out) != 0)
		abort();
}

/*
 * From LLVMFuzzerInitialize: with MSB_FUZZ_SEEDS=DIR set, the run only
 * writes the seed corpus (encoded by the real codecs) into DIR and exits.
 */
static inline void
fuzz_input_seeds(void (*write_seeds)(const char *dir))
{
	const char *dir = getenv("MSB_FUZZ_SEEDS");

	if (dir != NULL) {
		write_seeds(dir);
		exit(0);
	}
}

#endif
