/*
 * Where msb's helper programs live: $MSB_LIBEXECDIR when set (the tests
 * point it at the build tree), else the installed $(pkglibexecdir).
 */
#ifndef MSB_HELPERS_H
#define MSB_HELPERS_H

#include <stddef.h>

/* Formats the helper's path into buf; 0, or -1 if it does not fit. */
int msb_helper_path(char *buf, size_t len, const char *name);

#endif
