/*
 * msb-bench-cert [COUNT]: what the monitor's certificate check costs.
 *
 * Signs one certificate with an Ed25519 CA and one with an RSA-3072 CA
 * (rsa-sha2-512) with ssh-keygen in a scratch directory, then runs each
 * stage COUNT times (default 2000) on each: decode (msb_ssh_cert_parse),
 * CA signature (msb_cert_verify), policy (msb_cert_policy), and the whole
 * check the monitor calls (msb_cert_authorize: decode, CA lookup, verify,
 * policy). Prints the median and 90th percentile of each, in microseconds.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "monitor/cert_auth.h"
#include "monitor/cert_policy.h"
#include "monitor/cert_verify.h"
#include "lib/ssh_cert.h"
#include "regress/cert_blob.h"

static char dir[] = "/tmp/bench-cert.XXXXXX";

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "msb-bench-cert: %s\n", what);
	exit(1);
}

static double
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die(strerror(errno));
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
run(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(cmd);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum stage { DECODE, VERIFY, POLICY, WHOLE };
static const char *const stage_names[] = { "decode", "verify", "policy", "whole check" };

static void
measure(const char *label, const struct cert_blob *cert, const struct cert_blob *ca, size_t count)
{
	static const struct msb_cert_request req = {
		.login = "devbox", .sandbox = "devbox", .addr = "192.0.2.1",
	};
	struct msb_cert_request r = req;
	const struct msb_cert_ca cas[] = { { ca->b, ca->n, NULL } };
	struct msb_ssh_cert *c = malloc(sizeof(*c));
	double *t = malloc(count * sizeof(*t));
	const char *why = NULL;

	if (c == NULL || t == NULL)
		die("out of memory");
	r.now = (uint64_t)time(NULL);
	if (msb_ssh_cert_parse(cert->b, cert->n, c, &why) != 0)
		die(why);
	for (enum stage s = DECODE; s <= WHOLE; s++) {
		for (size_t i = 0; i < count; i++) {
			struct msb_cert_verdict v = { .serial = 0 };
			int rc = 0;
			double t0 = now_us();
			switch (s) {
			case DECODE: rc = msb_ssh_cert_parse(cert->b, cert->n, c, &why); break;
			case VERIFY: rc = msb_cert_verify(c, &why); break;
			case POLICY: rc = msb_cert_policy(c, &r, NULL, &v); break;
			case WHOLE: rc = msb_cert_authorize(cert->b, cert->n, cas, 1, &r, &v); break;
			}
			t[i] = now_us() - t0;
			if (s == POLICY || s == WHOLE)
				msb_cert_verdict_free(&v);
			if (rc != 0)
				die(s >= POLICY ? v.reason : why);
		}
		qsort(t, count, sizeof(*t), cmp_double);
		printf("%-8s %-12s median %8.1f us   p90 %8.1f us   (%zu runs)\n", label,
		    stage_names[s], t[count / 2], t[count * 9 / 10], count);
	}
	free(t);
	free(c);
}

int
main(int argc, char **argv)
{
	char cmd[1024];
	struct cert_blob ca_ed, ca_rsa, cert_ed, cert_rsa;
	size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;

	if (count == 0)
		die("usage: msb-bench-cert [COUNT]");
	if (mkdtemp(dir) == NULL)
		die(strerror(errno));
	snprintf(cmd, sizeof(cmd),
	    "cd %s && ssh-keygen -q -N '' -t ed25519 -f ca_ed && "
	    "ssh-keygen -q -N '' -t rsa -b 3072 -f ca_rsa && "
	    "ssh-keygen -q -N '' -t ed25519 -f user && cp user.pub u_rsa.pub && "
	    "ssh-keygen -q -s ca_ed -I bench -n devbox -V -1h:+1h -O source-address=192.0.2.0/24 user.pub && "
	    "ssh-keygen -q -s ca_rsa -I bench -n devbox -V -1h:+1h -O source-address=192.0.2.0/24 u_rsa.pub",
	    dir);
	run(cmd);
	cert_blob_load(dir, "ca_ed.pub", &ca_ed);
	cert_blob_load(dir, "ca_rsa.pub", &ca_rsa);
	cert_blob_load(dir, "user-cert.pub", &cert_ed);
	cert_blob_load(dir, "u_rsa-cert.pub", &cert_rsa);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
	measure("ed25519", &cert_ed, &ca_ed, count);
	measure("rsa-3072", &cert_rsa, &ca_rsa, count);
	return 0;
}
