#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "from_match.h"

/* Longest pattern we look at: an IPv6 address with a prefix length fits. */
#define PATTERN_MAX 128

struct addr {
	int family;  /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

static int
addr_parse(const char *s, struct addr *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) != 1)
		return -1;
	out->family = AF_INET6;
	if (memcmp(out->a, mapped, sizeof(mapped)) == 0) {
		memmove(out->a, out->a + 12, 4);
		memset(out->a + 4, 0, 12);
		out->family = AF_INET;
	}
	return 0;
}

/* "ADDR/LEN" with the host bits clear; 0 or -1. */
static int
cidr_parse(const char *s, struct addr *net, unsigned *bits)
{
	char buf[PATTERN_MAX];
	const char *slash = strchr(s, '/');

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf) || slash[1] == '\0')
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (strchr(buf, ':') == NULL ? inet_pton(AF_INET, buf, net->a) != 1 :
	    inet_pton(AF_INET6, buf, net->a) != 1)
		return -1;
	net->family = strchr(buf, ':') == NULL ? AF_INET : AF_INET6;
	unsigned max = net->family == AF_INET ? 32 : 128;
	unsigned long n = 0;
	for (const char *p = slash + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || (n = n * 10 + (unsigned long)(*p - '0')) > max)
			return -1;
	}
	*bits = (unsigned)n;
	for (unsigned i = *bits; i < max; i++) {
		if (net->a[i / 8] & (0x80u >> (i % 8)))
			return -1;
	}
	return 0;
}

static bool
cidr_contains(const struct addr *net, unsigned bits, const struct addr *a)
{
	if (net->family != a->family)
		return false;
	for (unsigned i = 0; i < bits; i++) {
		unsigned mask = 0x80u >> (i % 8);
		if ((net->a[i / 8] & mask) != (a->a[i / 8] & mask))
			return false;
	}
	return true;
}

/* Shell-style '*' and '?' over the whole string, case-insensitively. */
static bool
wildcard(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = ++pat;
			resume = s;
		} else if (*pat == '?' || (*pat != '\0' &&
		    tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool
pattern_matches(const char *pat, const char *addr_text, const struct addr *a)
{
	struct addr p;
	unsigned bits;

	if (strchr(pat, '/') != NULL)
		return cidr_parse(pat, &p, &bits) == 0 && cidr_contains(&p, bits, a);
	if (addr_parse(pat, &p) == 0)
		return p.family == a->family && memcmp(p.a, a->a, sizeof(p.a)) == 0;
	return wildcard(pat, addr_text);
}

/* Calls fn for each pattern (without its '!'); stops at the first non-zero. */
static int
each_pattern(const char *list, int (*fn)(const char *pat, bool neg, void *arg), void *arg)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		char pat[PATTERN_MAX];
		bool neg = n > 0 && p[0] == '!';
		const char *start = neg ? p + 1 : p;
		size_t len = neg ? n - 1 : n;

		if (len == 0 || len >= sizeof(pat))
			return -1;
		memcpy(pat, start, len);
		pat[len] = '\0';
		int r = fn(pat, neg, arg);
		if (r != 0)
			return r;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int
check_one(const char *pat, bool neg, void *arg)
{
	struct addr a;
	unsigned bits;

	(void)neg;
	if (strchr(pat, '/') != NULL && cidr_parse(pat, &a, &bits) != 0) {
		*(const char **)arg = "invalid CIDR block in from=";
		return -1;
	}
	return 0;
}

int
msb_from_check(const char *list, const char **why)
{
	const char *reason = NULL;

	if (each_pattern(list, check_one, &reason) != 0) {
		*why = reason != NULL ? reason : "empty or overlong pattern in from=";
		return -1;
	}
	return 0;
}

struct verdict {
	const char *text;
	struct addr addr;
	bool positive;
};

/* 1 ends the walk: a negated pattern matched, and that is final. */
static int
match_one(const char *pat, bool neg, void *arg)
{
	struct verdict *v = arg;

	if (!pattern_matches(pat, v->text, &v->addr))
		return 0;
	if (neg)
		return 1;
	v->positive = true;
	return 0;
}

bool
msb_from_allows(const char *list, const char *addr)
{
	struct verdict v = { .text = addr };
	char canon[INET6_ADDRSTRLEN];

	if (addr == NULL || addr_parse(addr, &v.addr) != 0)
		return false;
	/* Wildcards see the address as OpenSSH would print it: plain IPv4 for a mapped one. */
	if (inet_ntop(v.addr.family, v.addr.a, canon, sizeof(canon)) == NULL)
		return false;
	v.text = canon;
	return each_pattern(list, match_one, &v) == 0 && v.positive;
}

struct cidr_walk {
	struct addr addr;
	bool have_addr;
	bool matched;
};

static int
cidr_one(const char *pat, bool neg, void *arg)
{
	struct cidr_walk *w = arg;
	struct addr net;
	unsigned bits;

	if (neg)
		return -1;
	if (strchr(pat, '/') != NULL) {
		if (cidr_parse(pat, &net, &bits) != 0)
			return -1;
	} else {
		if (addr_parse(pat, &net) != 0)
			return -1;
		bits = net.family == AF_INET ? 32 : 128;
	}
	if (w->have_addr && cidr_contains(&net, bits, &w->addr))
		w->matched = true;
	return 0;
}

int
msb_cidr_list_match(const char *list, const char *addr)
{
	struct cidr_walk w = { .have_addr = false };

	/* Every entry is checked, so a malformed list is refused whoever connects. */
	w.have_addr = addr != NULL && addr_parse(addr, &w.addr) == 0;
	if (each_pattern(list, cidr_one, &w) != 0)
		return -1;
	return w.matched ? 1 : 0;
}
