/*
 * The fuzz targets' oracle: EXPECT states a property that must hold for
 * every input. A violation aborts, which libFuzzer reports as a crash and
 * keeps the input that caused it.
 */
#ifndef MSB_FUZZ_ORACLE_H
#define MSB_FUZZ_ORACLE_H

#include <stdio.h>
#include <stdlib.h>

static inline void
fuzz_expect(int ok, const char *file, int line, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s:%d: oracle failed: %s\n", file, line, what);
		abort();
	}
}

#define EXPECT(cond) fuzz_expect(!!(cond), __FILE__, __LINE__, #cond)

#endif
