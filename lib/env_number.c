#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env_number.h"
#include "log.h"

unsigned long long
msb_env_number(const char *var, unsigned long long dflt, unsigned long long min,
    unsigned long long max)
{
	const char *s = getenv(var);
	char *end;

	if (s == NULL || s[0] == '\0')
		return dflt;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] < '0' || s[0] > '9' || v < min || v > max) {
		char esc[64];
		error("%s=%s is not a number from %llu to %llu; using %llu", var,
		    msb_log_escape(esc, sizeof(esc), s, strlen(s)), min, max, dflt);
		return dflt;
	}
	return v;
}
