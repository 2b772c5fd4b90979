/*
 * Where msb's helper programs live: $MSB_LIBEXECDIR when set (the tests
 * point it at the build tree), else the installed $(pkglibexecdir).
 */
#ifndef MSB_HELPERS_H
#define MSB_HELPERS_H

#include <limits.h>
#include <stddef.h>

/* Room for msb_helper_find's reason: the path, strerror and the hint. */
#define MSB_HELPER_WHY_LEN (PATH_MAX + 128)

/* Formats the helper's path into buf; 0, or -1 if it does not fit. */
int msb_helper_path(char *buf, size_t len, const char *name);

/*
 * msb_helper_path, then checks that the helper can be run: 0, or -1 with
 * the reason in why ("cannot run PATH: REASON (is msb installed?)").
 */
int msb_helper_find(char *buf, size_t len, const char *name, char *why, size_t whylen);

/*
 * Finds a system program in PATH, then /usr/sbin and /sbin (e2fsprogs live
 * there, off an ordinary user's PATH). 0, or -1 if there is none.
 */
int msb_tool_find(char *buf, size_t len, const char *name);

#endif
