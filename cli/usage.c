/*
 * Usage errors and command suggestions, shared by every msb command so
 * that they all say the same thing the same way.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "usage.h"

bool
usage_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

/* Not through log.h: a usage error is part of the usage text and is shown at every log level. */
static void __attribute__((format(printf, 2, 0)))
vsay(const char *cmd, const char *fmt, va_list ap)
{
	fprintf(stderr, "msb%s%s: ", cmd[0] != '\0' ? " " : "", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
usage_error(usage_fn *usage, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(cmd, fmt, ap);
	va_end(ap);
	return usage(stderr, 2);
}

int
usage_bad_option(usage_fn *usage, const char *cmd, int ch, char **argv)
{
	/* getopt has advanced past the option; optopt is 0 for a long one. */
	const char *arg = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };

	if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		arg = shortopt;
	if (ch == ':')
		return usage_error(usage, cmd, "option '%s' needs a value", arg);
	return usage_error(usage, cmd, "unknown option '%s'", arg);
}

/* Levenshtein distance, capped: anything beyond cap counts as cap + 1. */
static size_t
distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), row[33];

	if (la > 32 || lb > 32)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

const char *
usage_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < n; i++) {
		/* Two edits turn any two-letter word into "ls" or "rm": not a typo. */
		size_t cap = strlen(candidates[i]) <= 3 ? 1 : 2;
		size_t d = distance(word, candidates[i], cap);
		if (d <= cap && d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

int
usage_unknown(usage_fn *usage, const char *cmd, const char *word,
    const char *const *candidates, size_t n)
{
	const char *near = usage_suggest(word, candidates, n);

	if (near != NULL)
		return usage_error(usage, cmd, "unknown command '%s'; did you mean '%s'?", word, near);
	return usage_error(usage, cmd, "unknown command '%s'", word);
}
