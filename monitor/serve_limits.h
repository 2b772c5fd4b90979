/*
 * The limits an operator sets on `msb ssh serve`, as one table: each
 * option's name, syntax, help text and parser. Defaults are
 * MSB_LISTENER_LIMITS_DEFAULT (listener.h), the values msb always had.
 */
#ifndef MSB_SERVE_LIMITS_H
#define MSB_SERVE_LIMITS_H

#include <stddef.h>
#include <stdio.h>

#include "listener.h"

/*
 * Sets the limit of the long option `option` (without "--") from arg.
 * Returns 0, or -1 with why in err (an unknown option is an error too).
 */
int msb_serve_limit_set(struct msb_listener_limits *lim, const char *option, const char *arg,
    char *err, size_t errlen);

/* A duration: 0, 90, 90s, 10m, 2h, 1d, at most max_s seconds. 0, or -1. */
int msb_duration_parse(const char *s, unsigned max_s, unsigned *out);

/* The options' lines for a usage message. */
void msb_serve_limits_usage(FILE *fp);

#endif
