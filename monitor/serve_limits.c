#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "serve_limits.h"

/* A day: longer penalties and windows are surely typos. */
#define MAX_SECONDS (24u * 3600u)
/* The listener remembers this many failure times per source. */
#define MAX_PENALTY_FAILS 16u

struct serve_limit {
	const char *option;
	const char *syntax;
	const char *help;     /* for the usage message; the default included */
	int (*parse)(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
	    size_t errlen);
};

/* A decimal number in lo..hi, digits only. */
static int
number(const char *s, unsigned lo, unsigned hi, unsigned *out, const char *what, char *err,
    size_t errlen)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < lo || v > hi)
		return msb_errf(err, errlen, "%s must be a number from %u to %u, not '%s'", what, lo,
		    hi, s);
	*out = (unsigned)v;
	return 0;
}

/* "none", or a number in lo..hi. */
static int
count_or_none(const char *s, unsigned lo, unsigned *out, const char *what, char *err,
    size_t errlen)
{
	if (strcmp(s, "none") == 0) {
		*out = MSB_LIMIT_NONE;
		return 0;
	}
	if (number(s, lo, MSB_LISTENER_MAX_CONNS, out, what, err, errlen) != 0)
		return msb_errf(err, errlen, "%s must be 'none' or a number from %u to %u, not '%s'",
		    what, lo, MSB_LISTENER_MAX_CONNS, s);
	return 0;
}

/* START or START:RATE:FULL, as sshd_config's MaxStartups. */
static int
max_startups(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	unsigned begin, rate = 100, full;

	if (nf == 2)
		return msb_errf(err, errlen, "expected START or START:RATE:FULL");
	if (number(f[0], 1, MSB_LISTENER_MAX_CONNS, &begin, "START", err, errlen) != 0)
		return -1;
	full = begin;
	if (nf == 3 && (number(f[1], 1, 100, &rate, "RATE", err, errlen) != 0 ||
	    number(f[2], 1, MSB_LISTENER_MAX_CONNS, &full, "FULL", err, errlen) != 0))
		return -1;
	if (begin > full)
		return msb_errf(err, errlen, "START (%u) is above FULL (%u)", begin, full);
	lim->startups_begin = begin;
	lim->startups_rate = rate;
	lim->startups_full = full;
	return 0;
}

static int
per_source_startups(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	if (nf != 1)
		return msb_errf(err, errlen, "expected N or 'none'");
	return count_or_none(f[0], 1, &lim->per_source_startups, "N", err, errlen);
}

/* SECONDS[:FAILURES[:WINDOW]]; 0 turns the penalty off. */
static int
penalty(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	unsigned s, fails = lim->penalty_fails, window = lim->penalty_window_s;

	if (number(f[0], 0, MAX_SECONDS, &s, "SECONDS", err, errlen) != 0 ||
	    (nf > 1 && number(f[1], 1, MAX_PENALTY_FAILS, &fails, "FAILURES", err, errlen) != 0) ||
	    (nf > 2 && number(f[2], 1, MAX_SECONDS, &window, "WINDOW", err, errlen) != 0))
		return -1;
	if (s == 0 && nf > 1)
		return msb_errf(err, errlen, "0 turns the penalty off: give no FAILURES or WINDOW");
	lim->penalty_s = s;
	lim->penalty_fails = fails;
	lim->penalty_window_s = window;
	return 0;
}

static int
max_sessions(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	if (nf != 1)
		return msb_errf(err, errlen, "expected N or 'none'");
	return count_or_none(f[0], 0, &lim->max_sessions, "N", err, errlen);
}

static int
max_connections(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	if (nf != 1)
		return msb_errf(err, errlen, "expected N or 'none'");
	return count_or_none(f[0], 1, &lim->max_connections, "N", err, errlen);
}

int
msb_duration_parse(const char *s, unsigned max_s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	unsigned long mult = 1;

	if (errno != 0 || end == s || s[0] < '0' || s[0] > '9')
		return -1;
	if (*end != '\0' && end[1] == '\0')
		mult = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
	else if (*end != '\0')
		mult = 0;
	if (mult == 0 || v > max_s / mult)
		return -1;
	*out = (unsigned)(v * mult);
	return 0;
}

static int
idle_stop(struct msb_listener_limits *lim, char *const f[3], size_t nf, char *err,
    size_t errlen)
{
	if (nf != 1 || msb_duration_parse(f[0], MAX_SECONDS * 100, &lim->idle_stop_s) != 0)
		return msb_errf(err, errlen, "expected a duration such as 90s, 30m, 2h or 0");
	return 0;
}

static const struct serve_limit limits[] = {
	{ "max-startups", "START[:RATE:FULL]",
	    "unauthenticated connections: from START on refuse\n"
	    "new ones with RATE% chance rising to 100% at FULL\n"
	    "(sshd's MaxStartups; default 10:30:30)", max_startups },
	{ "per-source-max-startups", "N|none",
	    "unauthenticated connections of one source (IPv4\n"
	    "address or IPv6 /64) at once (default none)", per_source_startups },
	{ "penalty", "SECS[:FAILS[:WINDOW]]",
	    "refuse a source for SECS after FAILS failed logins\n"
	    "or connections that never tried, within WINDOW s\n"
	    "(default 30:3:60; 0 turns it off)", penalty },
	{ "max-sessions", "N|none",
	    "session channels open at once per connection;\n"
	    "0 allows forwarding only (default none)", max_sessions },
	{ "max-connections", "N|none",
	    "authenticated connections open at once to a\n"
	    "sandbox (default none)", max_connections },
	{ "idle-stop", "DURATION",
	    "stop a sandbox served here once it had no\n"
	    "connection for DURATION, e.g. 30m (default 0: never)", idle_stop },
};

static const struct serve_limit *
find(const char *option)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (strcmp(limits[i].option, option) == 0)
			return &limits[i];
	}
	return NULL;
}

int
msb_serve_limit_set(struct msb_listener_limits *lim, const char *option, const char *arg,
    char *err, size_t errlen)
{
	const struct serve_limit *l = find(option);
	char buf[64], *f[3] = { buf, NULL, NULL };
	size_t nf = 1;

	if (l == NULL)
		return msb_errf(err, errlen, "no limit called --%s", option);
	if (strlen(arg) >= sizeof(buf) || arg[0] == '\0')
		return msb_errf(err, errlen, "--%s: expected %s", l->option, l->syntax);
	memcpy(buf, arg, strlen(arg) + 1);
	for (char *p = strchr(buf, ':'); p != NULL; p = strchr(p + 1, ':')) {
		if (nf == 3)
			return msb_errf(err, errlen, "--%s: expected %s", l->option, l->syntax);
		*p = '\0';
		f[nf++] = p + 1;
	}
	struct msb_listener_limits tmp = *lim;
	char why[160];
	if (l->parse(&tmp, f, nf, why, sizeof(why)) != 0)
		return msb_errf(err, errlen, "--%s %s: %s", l->option, arg, why);
	*lim = tmp;
	return 0;
}

void
msb_serve_limits_usage(FILE *fp)
{
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct serve_limit *l = &limits[i];
		char head[64];
		snprintf(head, sizeof(head), "--%s %s", l->option, l->syntax);
		fprintf(fp, "  %s\n", head);
		for (const char *p = l->help; *p != '\0';) {
			size_t n = strcspn(p, "\n");
			fprintf(fp, "                         %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
}
