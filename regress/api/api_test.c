/*
 * Drives every call of include/msb/msb.h against a running sandbox, for
 * regress/integration/ssh_native.sh. Modes:
 *   api-test check RUNNING STOPPED      every client call and error path
 *   api-test serve-stdio NAME PUBKEYFILE  server endpoint on stdin/stdout
 *   api-test serve-tcp NAME PUBKEYFILE PORT N  N connections, one by one
 *   api-test latency NAME RUNS          median exec("true") on one client
 *   api-test attach NAME                attach_with (xterm-256color, ctrl-x,y)
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "msb/msb.h"
#include "regress/unit/unit.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static msb_ssh_client *
connect_or_die(const char *name, const msb_ssh_client_opts *o)
{
	msb_sandbox *sb;
	msb_ssh_client *c = NULL;

	if (msb_sandbox_open(name, &sb) != MSB_OK || msb_ssh_connect(sb, o, &c) != MSB_OK) {
		printf("FAIL: connect to %s: %s\n", name, msb_sandbox_errmsg(sb));
		exit(1);
	}
	msb_sandbox_close(sb);
	return c;
}

static void
check_errors(const char *running, const char *stopped)
{
	msb_sandbox *sb;
	msb_ssh_client *c = (msb_ssh_client *)&c;

	CHECK_MSG(msb_sandbox_open("no-such-box", &sb) == MSB_ERR_NO_SANDBOX &&
	    strstr(msb_sandbox_errmsg(sb), "no-such-box") != NULL,
	    "unknown sandbox: MSB_ERR_NO_SANDBOX (%s)", msb_sandbox_errmsg(sb));
	msb_sandbox_close(sb);
	CHECK_MSG(msb_sandbox_open("../etc", &sb) == MSB_ERR_INVALID, "bad name: MSB_ERR_INVALID (%s)",
	    msb_sandbox_errmsg(sb));
	msb_sandbox_close(sb);
	CHECK_MSG(msb_sandbox_open(stopped, &sb) == MSB_OK && msb_ssh_connect(sb, NULL, &c) ==
	    MSB_ERR_NOT_RUNNING && c == NULL && strstr(msb_sandbox_errmsg(sb), "stopped") != NULL,
	    "stopped sandbox: MSB_ERR_NOT_RUNNING (%s)", msb_sandbox_errmsg(sb));
	msb_sandbox_close(sb);
	CHECK_MSG(strcmp(msb_sandbox_name(NULL), "") == 0 && msb_ssh_connect(NULL, NULL, &c) ==
	    MSB_ERR_INVALID, "NULL handles are refused, not dereferenced");
	CHECK_MSG(strcmp(msb_status_name(MSB_ERR_SFTP_UNAVAILABLE), "MSB_ERR_SFTP_UNAVAILABLE") == 0 &&
	    strcmp(msb_status_name((msb_status)999), "MSB_ERR_UNKNOWN") == 0, "status names");
	(void)running;
}

static void
check_exec(msb_ssh_client *c)
{
	msb_ssh_output o;
	msb_ssh_exec_opts eo;

	CHECK_MSG(msb_ssh_client_exec(c, "echo out; echo err >&2; exit 3", &o) == MSB_OK &&
	    o.status == 3 && o.signal == 0 && !msb_ssh_output_success(&o) &&
	    strcmp((char *)o.stdout_data, "out\n") == 0 && strcmp((char *)o.stderr_data, "err\n") == 0,
	    "exec: streams apart and exit 3");
	msb_ssh_output_free(&o);
	CHECK_MSG(msb_ssh_client_exec(c, "true", &o) == MSB_OK && msb_ssh_output_success(&o) &&
	    o.stdout_len == 0 && o.stdout_data != NULL, "exec true: success, empty stdout");
	msb_ssh_output_free(&o);
	CHECK_MSG(msb_ssh_client_exec(c, "kill -KILL $$", &o) == MSB_OK && o.signal == 9 &&
	    o.status == 137, "exec: death by SIGKILL is signal 9, status 137");
	msb_ssh_output_free(&o);
	CHECK_MSG(msb_ssh_client_exec(c, "head -c 3000000 /dev/zero; printf x", &o) == MSB_OK &&
	    o.stdout_len == 3000001 && o.stdout_data[3000000] == 'x', "exec: 3 MB of output");
	msb_ssh_output_free(&o);
	msb_ssh_exec_opts_init(&eo);
	eo.tty = 1;
	CHECK_MSG(msb_ssh_client_exec_with(c, "tty; echo err >&2", &eo, &o) == MSB_OK &&
	    strstr((char *)o.stdout_data, "/dev/pts/") != NULL &&
	    strstr((char *)o.stdout_data, "err") != NULL && o.stderr_len == 0,
	    "exec tty: a PTY, stderr folded into stdout");
	msb_ssh_output_free(&o);
	CHECK_MSG(msb_ssh_client_exec(c, NULL, &o) == MSB_ERR_INVALID &&
	    strlen(msb_ssh_client_errmsg(c)) > 0, "exec NULL: MSB_ERR_INVALID with a message");
}

static void
check_run(msb_ssh_client *c)
{
	char in[] = "/tmp/msb-api-in-XXXXXX", out[] = "/tmp/msb-api-out-XXXXXX";
	int ifd = mkstemp(in), ofd = mkstemp(out), status = -1, sig = -1;
	char buf[64] = "";

	if (ifd < 0 || ofd < 0 || write(ifd, "hello\n", 6) != 6 || lseek(ifd, 0, SEEK_SET) != 0)
		exit(1);
	CHECK_MSG(msb_ssh_client_run(c, "tr a-z A-Z; exit 5", NULL, ifd, ofd, ofd, &status, &sig) ==
	    MSB_OK && status == 5 && sig == 0 && pread(ofd, buf, sizeof(buf) - 1, 0) == 6 &&
	    strcmp(buf, "HELLO\n") == 0, "run: stdin forwarded, output on the fd, exit 5");
	unlink(in);
	unlink(out);
	close(ifd);
	close(ofd);
}

static void
check_attach(msb_ssh_client *c)
{
	msb_ssh_attach_opts ao;
	int code = -1;

	msb_ssh_attach_opts_init(&ao);
	ao.detach_keys = "ctrl-";
	CHECK_MSG(msb_ssh_client_attach_with(c, &ao, &code) == MSB_ERR_INVALID,
	    "attach: bad detach keys refused (%s)", msb_ssh_client_errmsg(c));
	ao.detach_keys = "ctrl-x,y";
	CHECK_MSG(msb_ssh_client_attach_with(c, &ao, &code) == MSB_ERR_NOT_A_TTY,
	    "attach without a terminal: MSB_ERR_NOT_A_TTY (%s)", msb_ssh_client_errmsg(c));
	CHECK_MSG(msb_ssh_client_attach(c, &code) == MSB_ERR_NOT_A_TTY, "attach defaults, same");
	int status = -1, sig = -1;
	CHECK_MSG(msb_ssh_client_attach_run(c, &ao, NULL, &sig) == MSB_ERR_INVALID,
	    "attach_run without a status: MSB_ERR_INVALID (%s)", msb_ssh_client_errmsg(c));
	CHECK_MSG(msb_ssh_client_attach_run(c, &ao, &status, NULL) == MSB_ERR_NOT_A_TTY &&
	    status == -1, "attach_run without a terminal: MSB_ERR_NOT_A_TTY, status untouched");
	CHECK_MSG(msb_ssh_client_attach_run(NULL, &ao, &status, &sig) == MSB_ERR_INVALID,
	    "attach_run on NULL: MSB_ERR_INVALID");
}

static void
check_sftp(msb_ssh_client *c)
{
	msb_sftp *s;
	unsigned char *data = NULL;
	size_t len = 0, n = 0;
	char *str = NULL;
	msb_sftp_attrs a;
	msb_sftp_entry *e = NULL;
	static unsigned char big[1 << 20];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 251);
	CHECK_MSG(msb_ssh_client_sftp(c, &s) == MSB_OK, "sftp opens");
	if (s == NULL)
		return;
	msb_sftp_remove_file(s, "/tmp/api/f2");
	msb_sftp_remove_file(s, "/tmp/api/ln");
	msb_sftp_remove_dir(s, "/tmp/api");
	CHECK_MSG(msb_sftp_mkdir(s, "/tmp/api") == MSB_OK, "mkdir");
	CHECK_MSG(msb_sftp_write(s, "/tmp/api/f", big, sizeof(big)) == MSB_OK, "write 1 MiB");
	CHECK_MSG(msb_sftp_read(s, "/tmp/api/f", &data, &len) == MSB_OK && len == sizeof(big) &&
	    memcmp(data, big, len) == 0, "read it back, same bytes");
	msb_free(data);
	CHECK_MSG(msb_sftp_stat(s, "/tmp/api/f", &a) == MSB_OK && a.size == sizeof(big) &&
	    S_ISREG(a.mode) && (a.mode & 0777) == 0644, "stat: size, regular, 0644");
	CHECK_MSG(msb_sftp_rename(s, "/tmp/api/f", "/tmp/api/f2") == MSB_OK &&
	    msb_sftp_stat(s, "/tmp/api/f", &a) == MSB_ERR_NOT_FOUND, "rename");
	CHECK_MSG(msb_sftp_symlink(s, "f2", "/tmp/api/ln") == MSB_OK &&
	    msb_sftp_read_link(s, "/tmp/api/ln", &str) == MSB_OK && strcmp(str, "f2") == 0,
	    "symlink(target, link) and read_link give the target (%s)", str != NULL ? str : "?");
	msb_free(str);
	str = NULL;
	CHECK_MSG(msb_sftp_real_path(s, "/tmp/api/../api/./f2", &str) == MSB_OK &&
	    strcmp(str, "/tmp/api/f2") == 0, "real_path (%s)", str != NULL ? str : "?");
	msb_free(str);
	CHECK_MSG(msb_sftp_list_dir(s, "/tmp/api", &e, &n) == MSB_OK && n == 2 &&
	    ((strcmp(e[0].name, "f2") == 0 && S_ISLNK(e[1].attrs.mode)) ||
	     (strcmp(e[1].name, "f2") == 0 && S_ISLNK(e[0].attrs.mode))), "list_dir: f2 and ln");
	msb_sftp_entries_free(e, n);
	CHECK_MSG(msb_sftp_remove_dir(s, "/tmp/api") != MSB_OK, "remove_dir of a full directory fails");
	CHECK_MSG(msb_sftp_remove_file(s, "/tmp/api/ln") == MSB_OK &&
	    msb_sftp_remove_file(s, "/tmp/api/f2") == MSB_OK &&
	    msb_sftp_remove_dir(s, "/tmp/api") == MSB_OK, "remove_file and remove_dir");
	CHECK_MSG(msb_sftp_read(s, "/tmp/api/f2", &data, &len) == MSB_ERR_NOT_FOUND &&
	    strstr(msb_sftp_errmsg(s), "/tmp/api/f2") != NULL, "read of a missing file: "
	    "MSB_ERR_NOT_FOUND (%s)", msb_sftp_errmsg(s));
	CHECK_MSG(msb_sftp_write(s, "/no/such/dir/x", "x", 1) == MSB_ERR_NOT_FOUND,
	    "write under a missing directory: MSB_ERR_NOT_FOUND");
	CHECK_MSG(msb_sftp_mkdir(s, NULL) == MSB_ERR_INVALID, "NULL path: MSB_ERR_INVALID");
	CHECK_MSG(msb_sftp_close(s) == MSB_OK, "sftp closes");
}

struct worker {
	const char *name;
	msb_ssh_client *shared;
	int id, ok;
};

/* Its own client, several commands: two of these run at once. */
static void *
own_client(void *arg)
{
	struct worker *w = arg;
	msb_ssh_client *c = connect_or_die(w->name, NULL);
	char cmd[64], want[32];

	for (int i = 0; i < 10; i++) {
		msb_ssh_output o;
		snprintf(cmd, sizeof(cmd), "echo %d-%d", w->id, i);
		snprintf(want, sizeof(want), "%d-%d\n", w->id, i);
		if (msb_ssh_client_exec(c, cmd, &o) == MSB_OK &&
		    strcmp((char *)o.stdout_data, want) == 0)
			w->ok++;
		msb_ssh_output_free(&o);
	}
	msb_ssh_client_close(c);
	return NULL;
}

/* One command on a client shared with other threads. */
static void *
shared_exec(void *arg)
{
	struct worker *w = arg;
	msb_ssh_output o;
	char cmd[64], want[32];

	snprintf(cmd, sizeof(cmd), "sleep 1; echo %d", w->id);
	snprintf(want, sizeof(want), "%d\n", w->id);
	w->ok = msb_ssh_client_exec(w->shared, cmd, &o) == MSB_OK &&
	    strcmp((char *)o.stdout_data, want) == 0;
	msb_ssh_output_free(&o);
	return NULL;
}

static void
check_threads(const char *name, msb_ssh_client *shared)
{
	pthread_t t[4];
	struct worker w[4];

	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .name = name, .id = i };
		pthread_create(&t[i], NULL, own_client, &w[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_MSG(w[0].ok == 10 && w[1].ok == 10, "two clients in two threads: 20 of 20 execs right");
	double start = now_ms();
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .shared = shared, .id = i };
		pthread_create(&t[i], NULL, shared_exec, &w[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	double took = now_ms() - start;
	CHECK_MSG(w[0].ok && w[1].ok && w[2].ok && w[3].ok && took < 3000,
	    "4 threads on one client: 4 x 'sleep 1' concurrently in %.0f ms", took);
}

/* A long exec on a client that another thread interrupts. */
static void *
interrupted_exec(void *arg)
{
	struct worker *w = arg;
	msb_ssh_output o;

	w->ok = msb_ssh_client_exec(w->shared, "sleep 30", &o) == MSB_ERR_SSH;
	msb_ssh_output_free(&o);
	return NULL;
}

static void
check_interrupt(const char *name)
{
	msb_ssh_client *c = connect_or_die(name, NULL);
	struct worker w = { .shared = c };
	msb_ssh_output o;
	pthread_t t;

	pthread_create(&t, NULL, interrupted_exec, &w);
	poll(NULL, 0, 500);
	double start = now_ms();
	msb_ssh_client_interrupt(c);
	pthread_join(t, NULL);
	double took = now_ms() - start;
	CHECK_MSG(w.ok && took < 3000, "interrupt ends a running exec with MSB_ERR_SSH in %.0f ms", took);
	CHECK_MSG(msb_ssh_client_exec(c, "true", &o) != MSB_OK, "an interrupted client runs nothing more");
	msb_ssh_output_free(&o);
	msb_ssh_client_interrupt(c);
	msb_ssh_client_interrupt(NULL);
	CHECK_MSG(msb_ssh_client_close(c) == MSB_OK, "an interrupted client closes");
}

static void
check_options(const char *name)
{
	msb_ssh_client_opts co;
	msb_ssh_output o;
	msb_sftp *s = NULL;

	msb_ssh_client_opts_init(&co);
	co.sftp = 0;
	co.term = "vt100";
	msb_ssh_client *c = connect_or_die(name, &co);
	CHECK_MSG(msb_ssh_client_sftp(c, &s) == MSB_ERR_SFTP_UNAVAILABLE && s == NULL,
	    "sftp off: MSB_ERR_SFTP_UNAVAILABLE (%s)", msb_ssh_client_errmsg(c));
	msb_ssh_exec_opts eo = { .tty = 1 };
	CHECK_MSG(msb_ssh_client_exec_with(c, "echo $TERM", &eo, &o) == MSB_OK &&
	    strncmp((char *)o.stdout_data, "vt100", 5) == 0, "term option reaches the PTY");
	msb_ssh_output_free(&o);
	CHECK_MSG(msb_ssh_client_exec(c, "id -un", &o) == MSB_OK &&
	    strcmp((char *)o.stdout_data, "root\n") == 0, "default user root");
	msb_ssh_output_free(&o);
	msb_ssh_client_close(c);
	co.user = "no-such-user";
	c = connect_or_die(name, &co);
	CHECK_MSG(msb_ssh_client_exec(c, "true", &o) != MSB_OK || o.status != 0,
	    "an unknown guest user cannot run commands (%s)", msb_ssh_client_errmsg(c));
	msb_ssh_output_free(&o);
	msb_ssh_client_close(c);
	CHECK_MSG(msb_ssh_client_close(NULL) == MSB_OK && msb_sftp_close(NULL) == MSB_OK,
	    "close(NULL) is fine");
}

static msb_ssh_server *
server_or_die(const char *name, const char *keyfile)
{
	static char line[4096];
	const char *keys[1] = { line };
	msb_ssh_server_opts so;
	msb_ssh_server *srv = NULL;
	msb_sandbox *sb;
	FILE *f = fopen(keyfile, "r");

	if (f == NULL || fgets(line, sizeof(line), f) == NULL)
		exit(1);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	msb_ssh_server_opts_init(&so);
	so.authorized_keys = keys;
	so.n_authorized_keys = 1;
	if (msb_sandbox_open(name, &sb) != MSB_OK || msb_ssh_server_new(sb, &so, &srv) != MSB_OK) {
		fprintf(stderr, "server: %s\n", msb_sandbox_errmsg(sb));
		exit(1);
	}
	msb_sandbox_close(sb);
	return srv;
}

static void
check_server_errors(const char *name)
{
	msb_ssh_server_opts so;
	msb_ssh_server *srv = NULL;
	msb_sandbox *sb;
	const char *bad[1] = { "ssh-ed25519 not-base64" };
	char empty[] = "/tmp/msb-api-keys-XXXXXX";
	int fd = mkstemp(empty);

	msb_sandbox_open(name, &sb);
	msb_ssh_server_opts_init(&so);
	so.authorized_keys_path = empty;
	CHECK_MSG(fd >= 0 && msb_ssh_server_new(sb, &so, &srv) == MSB_ERR_KEYS && srv == NULL,
	    "server with an empty key file: MSB_ERR_KEYS (%s)", msb_sandbox_errmsg(sb));
	msb_ssh_server_opts_init(&so);
	so.authorized_keys = bad;
	so.n_authorized_keys = 1;
	CHECK_MSG(msb_ssh_server_new(sb, &so, &srv) == MSB_ERR_KEYS, "server with no usable key: "
	    "MSB_ERR_KEYS (%s)", msb_sandbox_errmsg(sb));
	so.host_key = "not a key";
	CHECK_MSG(msb_ssh_server_new(sb, &so, &srv) == MSB_ERR_KEYS, "bad in-memory host key: "
	    "MSB_ERR_KEYS");
	msb_sandbox_close(sb);
	unlink(empty);
	close(fd);
}

static int
serve_tcp(const char *name, const char *keyfile, int port, int n)
{
	msb_ssh_server *srv = server_or_die(name, keyfile);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l, 4) != 0) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		msb_status st = fd >= 0 ? msb_ssh_server_serve_fd(srv, fd) : MSB_ERR_IO;
		printf("connection %d: %s %s\n", i + 1, msb_status_name(st), msb_ssh_server_errmsg(srv));
		fflush(stdout);
		rc |= st != MSB_OK;
		close(fd);
	}
	msb_ssh_server_close(srv);
	return rc;
}

static int
latency(const char *name, int runs)
{
	msb_ssh_client *c = connect_or_die(name, NULL);
	double *t = calloc((size_t)runs, sizeof(*t));

	for (int i = 0; i < runs && t != NULL; i++) {
		msb_ssh_output o;
		double start = now_ms();
		if (msb_ssh_client_exec(c, "true", &o) != MSB_OK)
			return 1;
		t[i] = now_ms() - start;
		msb_ssh_output_free(&o);
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	}
	printf("exec(\"true\") on an open client: median %.2f ms over %d runs\n", t[runs / 2], runs);
	free(t);
	msb_ssh_client_close(c);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "check") == 0) {
		check_errors(argv[2], argv[3]);
		msb_ssh_client *c = connect_or_die(argv[2], NULL);
		check_exec(c);
		check_run(c);
		check_attach(c);
		check_sftp(c);
		check_threads(argv[2], c);
		CHECK_MSG(msb_ssh_client_close(c) == MSB_OK, "client closes");
		check_options(argv[2]);
		check_interrupt(argv[2]);
		check_server_errors(argv[2]);
		return unit_done();
	}
	if (argc == 4 && strcmp(argv[1], "serve-stdio") == 0) {
		msb_ssh_server *srv = server_or_die(argv[2], argv[3]);
		msb_status st = msb_ssh_server_serve_stdio(srv);
		if (st != MSB_OK)
			fprintf(stderr, "serve_stdio: %s\n", msb_ssh_server_errmsg(srv));
		msb_ssh_server_close(srv);
		return st != MSB_OK;
	}
	if (argc == 6 && strcmp(argv[1], "serve-tcp") == 0)
		return serve_tcp(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 3 && strcmp(argv[1], "attach") == 0) {
		msb_ssh_client *c = connect_or_die(argv[2], NULL);
		msb_ssh_attach_opts ao;
		int code = -1;
		msb_ssh_attach_opts_init(&ao);
		ao.term = "xterm-256color";
		ao.detach_keys = "ctrl-x,y";
		msb_status st = msb_ssh_client_attach_with(c, &ao, &code);
		printf("attach: %s exit %d\n", msb_status_name(st), code);
		msb_ssh_client_close(c);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "latency") == 0)
		return latency(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
