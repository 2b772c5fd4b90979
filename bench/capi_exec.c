/*
 * msb-bench-capi NAME COUNT COMMAND: the C API figures of bench/run.
 *
 * COUNT times: connect a native client to sandbox NAME, exec COMMAND, close;
 * each prints "cycle MS". Then one client execs COMMAND COUNT times; each
 * prints "exec MS". Times are measured here, so the figures leave out this
 * program's own start-up, as a long-lived program using libmsb would.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msb/msb.h"

static double
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		fprintf(stderr, "msb-bench-capi: clock_gettime: %s\n", strerror(errno));
		exit(1);
	}
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static msb_ssh_client *
connect_or_die(msb_sandbox *sb)
{
	msb_ssh_client *c = NULL;
	msb_status st = msb_ssh_connect(sb, NULL, &c);

	if (st != MSB_OK) {
		fprintf(stderr, "msb-bench-capi: connect: %s: %s\n", msb_status_name(st),
		    msb_sandbox_errmsg(sb));
		exit(1);
	}
	return c;
}

static void
exec_or_die(msb_ssh_client *c, const char *command)
{
	msb_ssh_output out;
	msb_status st = msb_ssh_client_exec(c, command, &out);

	if (st != MSB_OK) {
		fprintf(stderr, "msb-bench-capi: exec: %s: %s\n", msb_status_name(st),
		    msb_ssh_client_errmsg(c));
		exit(1);
	}
	int ok = msb_ssh_output_success(&out);
	int status = out.status;
	msb_ssh_output_free(&out);
	if (!ok) {
		fprintf(stderr, "msb-bench-capi: '%s' exited with %d\n", command, status);
		exit(1);
	}
}

static void
close_or_die(msb_ssh_client *c)
{
	msb_status st = msb_ssh_client_close(c);

	if (st != MSB_OK) {
		fprintf(stderr, "msb-bench-capi: close: %s\n", msb_status_name(st));
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	msb_sandbox *sb = NULL;
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: msb-bench-capi NAME COUNT COMMAND\n");
		return 2;
	}
	errno = 0;
	long count = strtol(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || count < 1 || count > 100000) {
		fprintf(stderr, "msb-bench-capi: COUNT must be 1..100000\n");
		return 2;
	}
	msb_status st = msb_sandbox_open(argv[1], &sb);
	if (st != MSB_OK) {
		fprintf(stderr, "msb-bench-capi: %s: %s\n", argv[1],
		    sb != NULL ? msb_sandbox_errmsg(sb) : msb_status_name(st));
		msb_sandbox_close(sb);
		return 1;
	}
	for (long i = 0; i < count; i++) {
		double t0 = now_ms();
		msb_ssh_client *c = connect_or_die(sb);
		exec_or_die(c, argv[3]);
		close_or_die(c);
		printf("cycle %.3f\n", now_ms() - t0);
	}
	msb_ssh_client *c = connect_or_die(sb);
	for (long i = 0; i < count; i++) {
		double t0 = now_ms();
		exec_or_die(c, argv[3]);
		printf("exec %.3f\n", now_ms() - t0);
	}
	close_or_die(c);
	msb_sandbox_close(sb);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "msb-bench-capi: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
