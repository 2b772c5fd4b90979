/*
 * The user network's host filter, without a VM: its nft script, which nft
 * itself checks (nft -c: the kernel validates the transaction, nothing is
 * changed) when this runs as root with nft installed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net_filter.h"
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
	char out[2048], in[2048], small[100], range[64], del[128];

	snprintf(range, sizeof(range), "meta skuid %u-%u ", SANDBOX_UID_BASE,
	    SANDBOX_UID_BASE + SANDBOX_UID_COUNT);
	snprintf(del, sizeof(del), "delete element inet msb host_access { %u }",
	    SANDBOX_UID_BASE + 9);
	CHECK(net_filter_script(out, sizeof(out), SANDBOX_UID_BASE + 9, false) == 0);
	CHECK(net_filter_script(in, sizeof(in), SANDBOX_UID_BASE + 9, true) == 0);
	CHECK(strstr(out, range) != NULL);
	CHECK(strstr(out, "fib daddr type { local, broadcast, multicast }") != NULL);
	CHECK(strstr(out, del) != NULL);
	CHECK(strstr(in, del) == NULL);
	CHECK(strstr(in, "add element inet msb host_access {") != NULL);
	CHECK(net_filter_script(small, sizeof(small), SANDBOX_UID_BASE, false) == -1);

	int rc = nft_check(out);
	if (rc == 77) {
		printf("skip: nft -c of the filter (needs root and nft)\n");
		return;
	}
	CHECK(rc == 0);
	CHECK(nft_check(in) == 0);
}

int
main(void)
{
	test_filter_script();
	return unit_done();
}
