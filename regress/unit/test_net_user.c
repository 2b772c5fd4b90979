/*
 * The user network's host filter and links, without a VM: the nft script,
 * which nft itself checks (nft -c: the kernel validates the transaction,
 * nothing is changed) when this runs as root with nft installed, and the
 * names and addresses of the sandboxes' links.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmctl/jail/sandbox_link.h"
#include "vmctl/net_filter.h"
#include "vmctl/net_forward.h"
#include "unit.h"

static int
nft_check(const char *script)
{
	if (geteuid() != 0 || access("/usr/sbin/nft", X_OK) != 0)
		return 77;
	FILE *fp = popen("/usr/sbin/nft -c -f -", "w");
	if (fp == NULL)
		return -1;
	fputs(script, fp);
	int ws = pclose(fp);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void
test_filter_script(void)
{
	char out[4096], in[4096], guarded[4096], small[100], range[64], del[128];

	snprintf(range, sizeof(range), "meta skuid %u-%u ", SANDBOX_UID_BASE,
	    SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	snprintf(del, sizeof(del), "delete element inet msb host_access { %u }",
	    SANDBOX_UID_BASE + 9);
	CHECK(net_filter_script(out, sizeof(out), SANDBOX_UID_BASE + 9, false, false) == 0);
	CHECK(net_filter_script(in, sizeof(in), SANDBOX_UID_BASE + 9, true, false) == 0);
	CHECK(net_filter_script(guarded, sizeof(guarded), SANDBOX_UID_BASE + 9, false, true) == 0);
	CHECK(strstr(out, range) != NULL);
	CHECK(strstr(out, "fib daddr type { local, broadcast, multicast }") != NULL);
	CHECK(strstr(out, del) != NULL);
	CHECK(strstr(in, del) == NULL);
	CHECK(strstr(in, "add element inet msb host_access {") != NULL);
	CHECK(net_filter_script(small, sizeof(small), SANDBOX_UID_BASE, false, false) == -1);
	/* The links: nothing of theirs to this host nor to each other, masqueraded out. */
	CHECK(strstr(out, "input iifname \"msbh*\" reject") != NULL);
	CHECK(strstr(out, "forward iifname \"msbh*\" oifname \"msbh*\" reject") != NULL);
	CHECK(strstr(out, "oifname \"msbh*\" reject") != NULL);
	CHECK(strstr(out, "ip saddr 10.254.0.0/16 oifname != \"msbh*\" masquerade") != NULL);
	CHECK(strstr(out, "forward iifname != \"msbh*\" drop") == NULL);
	CHECK(strstr(guarded, "forward iifname != \"msbh*\" drop") != NULL);

	int rc = nft_check(out);
	if (rc == 77) {
		printf("skip: nft -c of the filter (needs root and nft)\n");
		return;
	}
	CHECK(rc == 0);
	CHECK(nft_check(in) == 0);
	CHECK(nft_check(guarded) == 0);
}

/* The forward maps' elements, checked by nft together with the table they go in. */
static void
test_forward_script(void)
{
	struct sandbox_config c = { .nforwards = 2 };
	struct sandbox_link l;
	char add[2048], del[2048], table[4096], both[8192];

	CHECK(sandbox_forward_parse("tcp:127.0.0.1:2222:22", &c.forwards[0]) == 0);
	CHECK(sandbox_forward_parse("tcp:0.0.0.0:8080:80", &c.forwards[1]) == 0);
	CHECK(sandbox_link_plan(SANDBOX_UID_BASE + 0x102, &l) == 0);
	CHECK(net_forward_script(add, sizeof(add), &c, &l, true) == 0);
	CHECK(net_forward_script(del, sizeof(del), &c, &l, false) == 0);
	CHECK(strstr(add, "add element inet msb forwards { 127.0.0.1 . 2222 : 10.254.1.2 . 2222 }") != NULL);
	CHECK(strstr(add, "add element inet msb forwards_any { 8080 : 10.254.1.2 . 8080 }") != NULL);
	CHECK(strstr(add, "delete element inet msb forwards { 127.0.0.1 . 2222 }") != NULL);
	/* Removing ends with the key gone; adding ends with it mapped. */
	CHECK(strcmp(del + strlen(del) - strlen("delete element inet msb forwards_any { 8080 }\n"),
	    "delete element inet msb forwards_any { 8080 }\n") == 0);
	CHECK(strcmp(add + strlen(add) - strlen("add element inet msb forwards_any { 8080 : 10.254.1.2 . 8080 }\n"),
	    "add element inet msb forwards_any { 8080 : 10.254.1.2 . 8080 }\n") == 0);
	char small[40];
	CHECK(net_forward_script(small, sizeof(small), &c, &l, true) == -1);

	CHECK(net_filter_script(table, sizeof(table), SANDBOX_UID_BASE + 0x102, false, false) == 0);
	snprintf(both, sizeof(both), "%s%s%s", table, add, del);
	int rc = nft_check(both);
	if (rc != 77)
		CHECK(rc == 0);
}

static void
test_link_plan(void)
{
	struct sandbox_link l;

	CHECK(sandbox_link_plan(SANDBOX_UID_BASE, &l) == 0);
	CHECK(strcmp(l.host_if, "msbh0000") == 0 && strcmp(l.addr, "10.254.0.0") == 0);
	CHECK(sandbox_link_plan(SANDBOX_UID_BASE + 0x1234, &l) == 0);
	CHECK(strcmp(l.host_if, "msbh1234") == 0 && strcmp(l.addr, "10.254.18.52") == 0);
	CHECK(sandbox_link_plan(SANDBOX_UID_BASE + SANDBOX_UID_COUNT - 1, &l) == 0);
	CHECK(strcmp(l.host_if, "msbhffff") == 0 && strcmp(l.addr, "10.254.255.255") == 0);
	CHECK(sandbox_link_plan(SANDBOX_UID_BASE + SANDBOX_UID_COUNT, &l) == -1);
	CHECK(sandbox_link_plan(SANDBOX_UID_BASE - 1, &l) == -1);
	CHECK(sandbox_link_plan(0, &l) == -1);
}

int
main(void)
{
	test_filter_script();
	test_link_plan();
	test_forward_script();
	return unit_done();
}
