/*
 * Drives the QMP client for the qmp_* integration tests: connects to a QMP
 * socket, runs the steps given on the command line and prints one line per
 * result so that a script can check what QEMU (or a fake) said.
 *
 *   qmp-probe [-t MS] SOCKET STEP...
 *     exec:NAME[:ARGS]  run a command: "return JSON" or "error CLASS: DESC"
 *     event:NAME        wait for an event (seen now or earlier): "event NAME"
 *     closed            wait for QEMU to close the connection: "closed"
 *
 * Exit: 0 when every step ran, 1 when a step failed (the line says why),
 * 2 when connecting failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "vmctl/qmp/qmp.h"

#define MAX_EVENTS 64

struct seen {
	char names[MAX_EVENTS][64];
	size_t n;
};

static void
on_event(void *arg, const char *name, const struct json_value *data)
{
	struct seen *s = arg;

	if (s->n < MAX_EVENTS)
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
}

/* Removes the first recorded event called name; 1 if there was one. */
static int
take_event(struct seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->names[i], name) != 0)
			continue;
		memmove(s->names[i], s->names[i + 1], (s->n - i - 1) * sizeof(s->names[0]));
		s->n--;
		return 1;
	}
	return 0;
}

static void
print_value(const struct json_value *v)
{
	struct msb_buf b;

	msb_buf_init(&b, QMP_LINE_MAX);
	if (v == NULL || json_append_value(&b, v) != 0)
		printf("return (unprintable)\n");
	else
		printf("return %.*s\n", (int)msb_buf_avail(&b), (const char *)msb_buf_ptr(&b));
	msb_buf_free(&b);
}

static int
report(struct qmp *q, const char *what, int rc)
{
	printf("%s: %s: %s\n", what, qmp_status_str(rc), qmp_error_desc(q));
	return 1;
}

static int
step_exec(struct qmp *q, char *spec, int timeout_ms)
{
	char *args = strchr(spec, ':');
	struct json_value *ret = NULL;
	int rc;

	if (args != NULL)
		*args++ = '\0';
	rc = qmp_execute(q, spec, args, &ret, timeout_ms);
	if (rc == QMP_OK)
		print_value(ret);
	else if (rc == QMP_ECMD)
		printf("error %s: %s\n", qmp_error_class(q), qmp_error_desc(q));
	else
		return report(q, spec, rc);
	json_free(ret);
	return 0;
}

static int
step_wait(struct qmp *q, struct seen *s, const char *event, int timeout_ms)
{
	int64_t start = msb_now_ms();
	int rc = QMP_OK;

	for (;;) {

		if (event != NULL && take_event(s, event)) {
			printf("event %s\n", event);
			return 0;
		}
		if (rc == QMP_ECLOSED && event == NULL) {
			printf("closed\n");
			return 0;
		}
		if (rc != QMP_OK)
			return report(q, event != NULL ? event : "closed", rc);
		int64_t spent = msb_now_ms() - start;
		rc = spent >= timeout_ms ? QMP_ETIMEOUT :
		    qmp_wait(q, timeout_ms - (int)spent);
		if (rc == QMP_ETIMEOUT)
			return report(q, event != NULL ? event : "closed", rc);
	}
}

int
main(int argc, char **argv)
{
	struct seen seen = { .n = 0 };
	struct qmp_callbacks cb = { .event = on_event, .arg = &seen };
	int timeout_ms = 5000, opt, rc = 0, major, minor, micro;
	struct qmp *q;

	msb_log_init("qmp-probe", MSB_LOG_ERROR);
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			fatal("usage: qmp-probe [-t MS] SOCKET STEP...");
		timeout_ms = atoi(optarg);
	}
	if (optind >= argc || timeout_ms <= 0)
		fatal("usage: qmp-probe [-t MS] SOCKET STEP...");
	if ((q = qmp_new(&cb)) == NULL) {
		error("out of memory");
		return 2;
	}
	if ((rc = qmp_connect(q, argv[optind], timeout_ms)) != QMP_OK) {
		report(q, "connect", rc);
		qmp_free(q);
		return 2;
	}
	qmp_version(q, &major, &minor, &micro);
	printf("connected qemu %d.%d.%d\n", major, minor, micro);
	fflush(stdout);
	for (int i = optind + 1; i < argc && rc == 0; i++) {
		if (strncmp(argv[i], "exec:", 5) == 0)
			rc = step_exec(q, argv[i] + 5, timeout_ms);
		else if (strncmp(argv[i], "event:", 6) == 0)
			rc = step_wait(q, &seen, argv[i] + 6, timeout_ms);
		else if (strcmp(argv[i], "closed") == 0)
			rc = step_wait(q, &seen, NULL, timeout_ms);
		else
			fatal("unknown step %s", argv[i]);
		fflush(stdout);
	}
	qmp_free(q);
	return rc;
}
