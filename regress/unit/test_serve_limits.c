/*
 * The operator's limits of msb ssh serve (monitor/serve_limits.c): every
 * option's syntax, its bounds, that a rejected value leaves the limits as
 * they were; and the source grouping the per-source limits count by
 * (monitor/source_group.c): IPv4 alone, IPv6 by /64, IPv4-mapped as IPv4.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "monitor/serve_limits.h"
#include "monitor/source_group.h"
#include "unit.h"

static const struct msb_listener_limits defaults = MSB_LISTENER_LIMITS_DEFAULT;

static int
set(struct msb_listener_limits *l, const char *opt, const char *arg)
{
	char err[256];

	*l = defaults;
	return msb_serve_limit_set(l, opt, arg, err, sizeof(err));
}

/* Fails, and leaves the limits alone. */
static int
refused(const char *opt, const char *arg)
{
	struct msb_listener_limits l;
	int rc = set(&l, opt, arg);

	return rc == -1 && memcmp(&l, &defaults, sizeof(l)) == 0;
}

static void
test_defaults(void)
{
	/* msb's fixed values before these options, and sshd's MaxStartups default */
	CHECK_EQ_U64(defaults.startups_begin, 10);
	CHECK_EQ_U64(defaults.startups_rate, 30);
	CHECK_EQ_U64(defaults.startups_full, 30);
	CHECK_EQ_U64(defaults.penalty_s, 30);
	CHECK_EQ_U64(defaults.penalty_fails, 3);
	CHECK_EQ_U64(defaults.penalty_window_s, 60);
	CHECK_EQ_U64(defaults.per_source_startups, MSB_LIMIT_NONE);
	CHECK_EQ_U64(defaults.max_connections, MSB_LIMIT_NONE);
	CHECK_EQ_U64(defaults.max_sessions, MSB_LIMIT_NONE);
}

static void
test_max_startups(void)
{
	struct msb_listener_limits l;

	CHECK(set(&l, "max-startups", "5:50:20") == 0);
	CHECK_EQ_U64(l.startups_begin, 5);
	CHECK_EQ_U64(l.startups_rate, 50);
	CHECK_EQ_U64(l.startups_full, 20);
	CHECK_EQ_U64(l.penalty_s, 30);
	/* START alone: a hard cap, as sshd */
	CHECK(set(&l, "max-startups", "7") == 0);
	CHECK_EQ_U64(l.startups_begin, 7);
	CHECK_EQ_U64(l.startups_rate, 100);
	CHECK_EQ_U64(l.startups_full, 7);
	CHECK(set(&l, "max-startups", "1:1:256") == 0);
	CHECK(set(&l, "max-startups", "20:100:20") == 0);
	CHECK(refused("max-startups", "5:50"));
	CHECK(refused("max-startups", "5:50:20:1"));
	CHECK(refused("max-startups", "20:30:10"));
	CHECK(refused("max-startups", "0:30:10"));
	CHECK(refused("max-startups", "5:0:10"));
	CHECK(refused("max-startups", "5:101:10"));
	CHECK(refused("max-startups", "5:30:257"));
	CHECK(refused("max-startups", "-5:30:10"));
	CHECK(refused("max-startups", "+5:30:10"));
	CHECK(refused("max-startups", " 5:30:10"));
	CHECK(refused("max-startups", "5::10"));
	CHECK(refused("max-startups", "5:30:10x"));
	CHECK(refused("max-startups", ""));
	CHECK(refused("max-startups", "none"));
	CHECK(refused("max-startups", "99999999999999999999"));
}

static void
test_per_source(void)
{
	struct msb_listener_limits l;

	CHECK(set(&l, "per-source-max-startups", "3") == 0);
	CHECK_EQ_U64(l.per_source_startups, 3);
	CHECK(set(&l, "per-source-max-startups", "none") == 0);
	CHECK_EQ_U64(l.per_source_startups, MSB_LIMIT_NONE);
	CHECK(refused("per-source-max-startups", "0"));
	CHECK(refused("per-source-max-startups", "257"));
	CHECK(refused("per-source-max-startups", "3:4"));
	CHECK(refused("per-source-max-startups", "None"));
}

static void
test_penalty(void)
{
	struct msb_listener_limits l;

	CHECK(set(&l, "penalty", "0") == 0);
	CHECK_EQ_U64(l.penalty_s, 0);
	CHECK(set(&l, "penalty", "120") == 0);
	CHECK_EQ_U64(l.penalty_s, 120);
	CHECK_EQ_U64(l.penalty_fails, 3);
	CHECK_EQ_U64(l.penalty_window_s, 60);
	CHECK(set(&l, "penalty", "10:5") == 0);
	CHECK_EQ_U64(l.penalty_s, 10);
	CHECK_EQ_U64(l.penalty_fails, 5);
	CHECK_EQ_U64(l.penalty_window_s, 60);
	CHECK(set(&l, "penalty", "10:1:600") == 0);
	CHECK_EQ_U64(l.penalty_fails, 1);
	CHECK_EQ_U64(l.penalty_window_s, 600);
	CHECK(set(&l, "penalty", "86400:16:86400") == 0);
	CHECK(refused("penalty", "0:3"));
	CHECK(refused("penalty", "10:0"));
	CHECK(refused("penalty", "10:17"));
	CHECK(refused("penalty", "10:3:0"));
	CHECK(refused("penalty", "86401"));
	CHECK(refused("penalty", "10:3:60:1"));
	CHECK(refused("penalty", "10s"));
	CHECK(refused("penalty", "off"));
}

static void
test_counts(void)
{
	struct msb_listener_limits l;

	CHECK(set(&l, "max-sessions", "0") == 0);
	CHECK_EQ_U64(l.max_sessions, 0);
	CHECK(set(&l, "max-sessions", "10") == 0);
	CHECK_EQ_U64(l.max_sessions, 10);
	CHECK(set(&l, "max-sessions", "none") == 0);
	CHECK_EQ_U64(l.max_sessions, MSB_LIMIT_NONE);
	CHECK(refused("max-sessions", "257"));
	CHECK(refused("max-sessions", "-1"));
	CHECK(set(&l, "max-connections", "2") == 0);
	CHECK_EQ_U64(l.max_connections, 2);
	CHECK(set(&l, "max-connections", "none") == 0);
	CHECK(refused("max-connections", "0"));
	CHECK(refused("max-connections", "2:2"));
	CHECK(refused("max-connection", "2"));
	CHECK(refused("idle-timeout", "2"));
}

static void
test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	msb_serve_limits_usage(fp);
	CHECK(fclose(fp) == 0);
	CHECK(strstr(text, "--max-startups START[:RATE:FULL]") != NULL);
	CHECK(strstr(text, "--per-source-max-startups N|none") != NULL);
	CHECK(strstr(text, "--penalty SECS[:FAILS[:WINDOW]]") != NULL);
	CHECK(strstr(text, "--max-sessions N|none") != NULL);
	CHECK(strstr(text, "--max-connections N|none") != NULL);
	free(text);
}

static const char *
group6(const char *addr)
{
	static char buf[MSB_SOURCE_GROUP_LEN];
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) != 1)
		return "bad test address";
	msb_source_group((const struct sockaddr *)&sin6, buf);
	return buf;
}

static const char *
group4(const char *addr)
{
	static char buf[MSB_SOURCE_GROUP_LEN];
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return "bad test address";
	msb_source_group((const struct sockaddr *)&sin, buf);
	return buf;
}

static void
test_source_group(void)
{
	CHECK_STR(group4("192.0.2.7"), "192.0.2.7");
	CHECK_STR(group4("192.0.2.8"), "192.0.2.8");
	CHECK_STR(group4("255.255.255.255"), "255.255.255.255");
	CHECK_STR(group6("2001:db8:1:2::1"), "2001:db8:1:2::/64");
	CHECK_STR(group6("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
	CHECK_STR(group6("2001:db8:1:3::1"), "2001:db8:1:3::/64");
	CHECK_STR(group6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	    "ffff:ffff:ffff:ffff::/64");
	CHECK_STR(group6("fd00:1::1"), "fd00:1::/64");
	CHECK_STR(group6("fd00:1::2"), "fd00:1::/64");
	CHECK_STR(group6("::1"), "::/64");
	CHECK_STR(group6("fe80::1:2:3:4"), "fe80::/64");
	/* an IPv4 client on a dual-stack socket is that IPv4 address */
	CHECK_STR(group6("::ffff:192.0.2.7"), "192.0.2.7");
	CHECK_STR(group6("::ffff:192.0.2.8"), "192.0.2.8");
	CHECK(strlen(group6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) < MSB_SOURCE_GROUP_LEN);

	char buf[MSB_SOURCE_GROUP_LEN];
	struct sockaddr sa = { .sa_family = AF_UNIX };
	msb_source_group(&sa, buf);
	CHECK_STR(buf, "?");
}

int
main(void)
{
	test_defaults();
	test_max_startups();
	test_per_source();
	test_penalty();
	test_counts();
	test_usage();
	test_source_group();
	return unit_done();
}
