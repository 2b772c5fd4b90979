/*
 * msb ls: the sandboxes under MSB_HOME, as a table for people or, with
 * --json, as an array of objects for scripts.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lib/log.h"
#include "host/sandbox.h"
#include "usage.h"

struct row {
	const char *name;
	struct sandbox_status st;
	struct sandbox_config cfg;
	bool have_cfg;
	bool alive;
	int64_t uptime_s;
};

static int
ls_usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: msb ls [--json]\n"
	    "\n"
	    "Lists the sandboxes under MSB_HOME: name, state, vmm pid, accelerator,\n"
	    "uptime and network (and why, for a crashed one).\n"
	    "  --json   a JSON array of objects with name, state, pid, accel, uptime\n"
	    "           (seconds), net, image, memory_mib, cpus and reason; null where\n"
	    "           there is no value\n");
	return status;
}

static void
format_uptime(char *buf, size_t len, int64_t s)
{
	if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%dd%02dh", (int)(s / 86400), (int)(s % 86400 / 3600));
}

static void
print_row(const struct row *r)
{
	char pid[16] = "-", up[32] = "-";

	if (r->alive) {
		snprintf(pid, sizeof(pid), "%d", (int)r->st.vmm_pid);
		format_uptime(up, sizeof(up), r->uptime_s);
	}
	printf("%-24s %-9s %-8s %-6s %-9s %s\n", r->name, sandbox_state_name(r->st.state), pid,
	    r->alive && r->st.accel[0] ? r->st.accel : "-", up,
	    r->have_cfg ? sandbox_net_name(r->cfg.net) : "?");
	if (r->st.state == SANDBOX_CRASHED && r->st.reason[0] != '\0')
		printf("  %s\n", r->st.reason);
}

/* A JSON string, or null for an empty one. Bytes from 0x80 up pass as they are (UTF-8). */
static void
json_string(const char *s)
{
	if (s == NULL || s[0] == '\0') {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void
json_row(const struct row *r, bool first)
{
	printf("%s\n  {\"name\": ", first ? "" : ",");
	json_string(r->name);
	printf(", \"state\": \"%s\", \"pid\": ", sandbox_state_name(r->st.state));
	if (r->alive)
		printf("%d, \"accel\": ", (int)r->st.vmm_pid);
	else
		fputs("null, \"accel\": ", stdout);
	json_string(r->alive ? r->st.accel : NULL);
	if (r->alive)
		printf(", \"uptime\": %lld", (long long)r->uptime_s);
	else
		fputs(", \"uptime\": null", stdout);
	if (r->have_cfg) {
		printf(", \"net\": \"%s\", \"image\": ", sandbox_net_name(r->cfg.net));
		json_string(r->cfg.image);
		printf(", \"memory_mib\": %u, \"cpus\": %u", r->cfg.memory_mib, r->cfg.cpus);
	} else {
		fputs(", \"net\": null, \"image\": null, \"memory_mib\": null, \"cpus\": null", stdout);
	}
	fputs(", \"reason\": ", stdout);
	json_string(r->st.reason);
	putchar('}');
}

/* False for an entry that is not a sandbox, or one whose state cannot be read. */
static bool
read_row(const char *name, struct row *r)
{
	const char *why;
	char path[PATH_MAX];

	if (msb_name_check(name, &why) != 0 || !sandbox_exists(name) ||
	    sandbox_status_read(name, &r->st) != 0)
		return false;
	r->name = name;
	r->alive = r->st.vmm_pid > 0;
	r->uptime_s = (int64_t)time(NULL) - r->st.started_at;
	if (r->uptime_s < 0)
		r->uptime_s = 0;
	/* sandbox_config_read names what is wrong with a config; ls shows the rest. */
	r->have_cfg = sandbox_path(path, sizeof(path), name, "config") == 0 &&
	    sandbox_config_read(path, &r->cfg) == 0;
	return true;
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX];
	bool json = false, first = true;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'h': return ls_usage(stdout, 0);
		default: return usage_bad_option(ls_usage, "ls", ch, argv);
		}
	}
	if (optind != argc)
		return usage_error(ls_usage, "ls", "unexpected '%s'", argv[optind]);
	if (msb_home_path(dir, sizeof(dir), "sandboxes") != 0)
		fatal("MSB_HOME path too long");
	if (json)
		putchar('[');
	else
		printf("%-24s %-9s %-8s %-6s %-9s %s\n", "NAME", "STATE", "PID", "ACCEL", "UPTIME",
		    "NET");
	DIR *d = opendir(dir);
	if (d == NULL && errno != ENOENT)
		fatal("cannot read %s: %s", dir, strerror(errno));
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		struct row r;
		if (!read_row(e->d_name, &r))
			continue;
		if (json)
			json_row(&r, first);
		else
			print_row(&r);
		first = false;
	}
	if (d != NULL)
		closedir(d);
	if (json)
		printf("%s]\n", first ? "" : "\n");
	if (fflush(stdout) != 0)
		fatal("cannot write the list: %s", strerror(errno));
	return 0;
}
