/*
 * Usage errors shared by every msb command: one line saying what was
 * wrong, then the command's usage, exit status 2; and the nearest command
 * name for a typo.
 */
#ifndef MSB_CLI_USAGE_H
#define MSB_CLI_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Prints a command's usage to fp and returns status. */
typedef int usage_fn(FILE *fp, int status);

/* "--help", "-h" or "help". */
bool usage_is_help(const char *arg);

/*
 * Prints "msb CMD: MESSAGE" on stderr, then usage(stderr, 2); returns 2.
 * cmd is the command path without "msb" ("ssh serve").
 */
int usage_error(usage_fn *usage, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * For getopt_long run with opterr = 0 and an optstring starting with ':'
 * (after any '+'): reports the option it just refused (ch is '?' or ':').
 */
int usage_bad_option(usage_fn *usage, const char *cmd, int ch, char **argv);

/* The candidate within edit distance 2 of word (the closest, the first on a tie), or NULL. */
const char *usage_suggest(const char *word, const char *const *candidates, size_t n);

/*
 * Reports an unknown command, naming the nearest one when there is one:
 * "msb CMD: unknown command 'strat'; did you mean 'start'?". Returns 2.
 */
int usage_unknown(usage_fn *usage, const char *cmd, const char *word,
    const char *const *candidates, size_t n);

#endif
