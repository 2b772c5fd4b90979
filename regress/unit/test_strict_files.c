/*
 * StrictModes (strict_modes.c), safe file creation (safe_file.c) and capped
 * logs (capped_log.c) on real files in a scratch directory under /tmp.
 * The ownership cases need root (chown); without it they are skipped.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/capped_log.h"
#include "lib/log.h"
#include "lib/safe_file.h"
#include "lib/strict_modes.h"
#include "unit.h"

static char top[] = "/tmp/strict-files.XXXXXX";
static char msg[512];

static void
path(char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", top, rel);
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];

	path(p, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0) {
		perror(p);
		exit(1);
	}
	chmod(p, mode);
}

static void
dir(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	path(p, rel);
	if (mkdir(p, mode) != 0 || chmod(p, mode) != 0) {
		perror(p);
		exit(1);
	}
}

/* Opens rel as kind; true if accepted. The refusal, if any, is left in msg. */
static bool
accepted(const char *rel, enum msb_strict_kind kind)
{
	char p[PATH_MAX];

	path(p, rel);
	msg[0] = '\0';
	msb_log_capture(msg, sizeof(msg));
	int fd = msb_strict_open(p, kind);
	msb_log_capture(NULL, 0);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static bool
msg_has(const char *s)
{
	if (strstr(msg, s) != NULL)
		return true;
	fprintf(stderr, "message '%s' lacks '%s'\n", msg, s);
	return false;
}

static void
test_strict(void)
{
	char p[PATH_MAX], want[2 * PATH_MAX + 64];

	dir("home", 0700);
	dir("home/ssh", 0700);
	put("home/ssh/authorized_keys", "", 0600);
	put("home/ssh/host_key", "", 0600);
	CHECK(accepted("home", MSB_STRICT_HOME));
	CHECK(accepted("home/ssh", MSB_STRICT_SSH_DIR));
	CHECK(accepted("home/ssh/authorized_keys", MSB_STRICT_AUTH_KEYS));
	CHECK(accepted("home/ssh/host_key", MSB_STRICT_HOST_KEY));
	/* 0644 is fine for the key list, not for a private key. */
	path(p, "home/ssh/authorized_keys");
	chmod(p, 0644);
	CHECK(accepted("home/ssh/authorized_keys", MSB_STRICT_AUTH_KEYS));
	path(p, "home/ssh/host_key");
	chmod(p, 0640);
	CHECK(!accepted("home/ssh/host_key", MSB_STRICT_HOST_KEY));
	snprintf(want, sizeof(want), "refusing %s: accessible by others (chmod 600 %s)", p, p);
	CHECK(msg_has(want));
	chmod(p, 0600);

	path(p, "home");
	chmod(p, 0777);
	CHECK(!accepted("home", MSB_STRICT_HOME));
	snprintf(want, sizeof(want), "refusing %s: writable by others (chmod go-w %s)", p, p);
	CHECK(msg_has(want));
	chmod(p, 0720);
	CHECK(!accepted("home", MSB_STRICT_HOME));
	chmod(p, 0700);

	path(p, "home/ssh");
	chmod(p, 0770);
	CHECK(!accepted("home/ssh", MSB_STRICT_SSH_DIR));
	CHECK(msg_has("writable by others"));
	chmod(p, 0700);

	path(p, "home/ssh/authorized_keys");
	chmod(p, 0662);
	CHECK(!accepted("home/ssh/authorized_keys", MSB_STRICT_AUTH_KEYS));
	chmod(p, 0600);

	/* A symbolic link to a good file is refused for key files, not for MSB_HOME. */
	char link[PATH_MAX];
	put("real_keys", "", 0600);
	path(link, "home/ssh/linked_keys");
	path(p, "real_keys");
	CHECK(symlink(p, link) == 0);
	CHECK(!accepted("home/ssh/linked_keys", MSB_STRICT_AUTH_KEYS));
	snprintf(want, sizeof(want), "refusing %s: a symbolic link", link);
	CHECK(msg_has(want));
	path(link, "homelink");
	path(p, "home");
	CHECK(symlink(p, link) == 0);
	CHECK(accepted("homelink", MSB_STRICT_HOME));
	path(link, "home/ssh/keydir");
	CHECK(mkdir(link, 0700) == 0);
	CHECK(!accepted("home/ssh/keydir", MSB_STRICT_AUTH_KEYS));
	CHECK(msg_has("not a regular file"));

	/* Parents: a group-writable one is refused, a root-owned sticky one is not. */
	dir("shared", 0777);
	dir("shared/home", 0700);
	CHECK(!accepted("shared/home", MSB_STRICT_HOME));
	path(p, "shared");
	snprintf(want, sizeof(want), "its parent %s is writable by others (chmod go-w %s)", p, p);
	CHECK(msg_has(want));
	chmod(p, 01777);
	CHECK(accepted("shared/home", MSB_STRICT_HOME) == (getuid() == 0));
	chmod(p, 0755);
	CHECK(accepted("shared/home", MSB_STRICT_HOME));

	CHECK(!accepted("home/ssh/missing", MSB_STRICT_AUTH_KEYS) && errno == ENOENT && msg[0] == '\0');

	if (geteuid() != 0) {
		printf("skip: ownership cases need root\n");
		return;
	}
	path(p, "home/ssh/host_key");
	CHECK(chown(p, 65534, 65534) == 0);
	CHECK(!accepted("home/ssh/host_key", MSB_STRICT_HOST_KEY));
	snprintf(want, sizeof(want), "refusing %s: owned by another user (chown 0 %s)", p, p);
	CHECK(msg_has(want));
	path(p, "shared");
	CHECK(chown(p, 65534, 65534) == 0);
	CHECK(!accepted("shared/home", MSB_STRICT_HOME));
	CHECK(msg_has("its parent"));
	CHECK(msg_has("owned by another user"));
	/* Sticky but not root's: anyone owning it could still rename our entry. */
	chmod(p, 01777);
	CHECK(!accepted("shared/home", MSB_STRICT_HOME));
}

static size_t
count_dir(const char *rel)
{
	char p[PATH_MAX];
	size_t n = 0;
	struct dirent *e;

	path(p, rel);
	DIR *d = opendir(p);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || (e->d_name[1] != '\0' && strcmp(e->d_name, "..") != 0);
	closedir(d);
	return n;
}

static void
read_file(const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];

	path(p, rel);
	buf[0] = '\0';
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return;
	ssize_t r = read(fd, buf, len - 1);
	buf[r > 0 ? r : 0] = '\0';
	close(fd);
}

static void
test_safe_file(void)
{
	char p[PATH_MAX], target[PATH_MAX], buf[256];

	dir("w", 0700);
	path(p, "w/config");
	CHECK(msb_safe_publish_path(p, "one\n", 4, 0644, true) == 0);
	CHECK(msb_safe_publish_path(p, "two\n", 4, 0644, true) == 0);
	read_file("w/config", buf, sizeof(buf));
	CHECK_STR(buf, "two\n");
	/* Without replace, the first file wins. */
	CHECK(msb_safe_publish_path(p, "three\n", 6, 0600, false) == 0);
	read_file("w/config", buf, sizeof(buf));
	CHECK_STR(buf, "two\n");
	CHECK_EQ_U64(count_dir("w"), 1);
	/* A publish that fails (a directory at the name) leaves no temporary behind. */
	dir("w/sub", 0700);
	path(p, "w/sub");
	errno = 0;
	CHECK(msb_safe_publish_path(p, "four\n", 5, 0644, true) == -1 && errno == EISDIR);
	CHECK_EQ_U64(count_dir("w"), 2);
	CHECK(rmdir(p) == 0);

	/* A symbolic link planted at the name is replaced, its target untouched. */
	put("victim", "keep\n", 0600);
	path(target, "victim");
	path(p, "w/state");
	CHECK(symlink(target, p) == 0);
	CHECK(msb_safe_publish_path(p, "state\n", 6, 0644, true) == 0);
	read_file("victim", buf, sizeof(buf));
	CHECK_STR(buf, "keep\n");
	struct stat st;
	CHECK(lstat(p, &st) == 0 && S_ISREG(st.st_mode));

	/* Logs: a link (symbolic or hard) is never appended to. */
	path(p, "w/log");
	CHECK(symlink(target, p) == 0);
	CHECK(msb_safe_append_path(p, 0600, false) < 0 && errno == ELOOP);
	CHECK(unlink(p) == 0);
	CHECK(link(target, p) == 0);
	CHECK(msb_safe_append_path(p, 0600, false) < 0 && errno == EPERM);
	CHECK(unlink(p) == 0);
	int fd = msb_safe_append_path(p, 0600, false);
	CHECK(fd >= 0 && write(fd, "a", 1) == 1);
	close(fd);
	fd = msb_safe_append_path(p, 0600, true);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
	close(fd);
	read_file("victim", buf, sizeof(buf));
	CHECK_STR(buf, "keep\n");
}

static off_t
size_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path(p, rel);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

static void
test_capped_log(void)
{
	struct msb_capped_log a, b;
	char p[PATH_MAX], line[128], buf[8192];

	dir("logs", 0700);
	path(p, "logs/audit.log");
	setenv("TEST_CAP", "4096", 1);
	off_t cap = msb_capped_log_cap("TEST_CAP", 1 << 20);
	CHECK_EQ_U64(cap, 4096);
	setenv("TEST_CAP", "12", 1);
	CHECK_EQ_U64(msb_capped_log_cap("TEST_CAP", 1 << 20), 1 << 20);
	CHECK(msb_capped_log_open(&a, p, cap, false, true) == 0);
	/* A second writer, as a second monitor would be. */
	CHECK(msb_capped_log_open(&b, p, cap, false, true) == 0);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "%s line %04d %-60s\n", i % 2 ? "a" : "b", i, "x");
		CHECK(msb_capped_log_write(i % 2 ? &a : &b, line, (size_t)n) == 0);
		if (size_of("logs/audit.log") > cap || size_of("logs/audit.log.1") > cap) {
			CHECK(!"a log passed its cap");
			break;
		}
	}
	read_file("logs/audit.log", buf, sizeof(buf));
	CHECK(strstr(buf, "a line 0999") != NULL);
	CHECK(strstr(buf, "b line 0998") != NULL);
	CHECK(size_of("logs/audit.log.1") > cap / 2);
	CHECK_EQ_U64(count_dir("logs"), 2);
	msb_capped_log_close(&a);
	msb_capped_log_close(&b);
	/* A fresh log starts empty and drops the old rotation. */
	CHECK(msb_capped_log_open(&a, p, cap, true, false) == 0);
	CHECK_EQ_U64(size_of("logs/audit.log"), 0);
	CHECK(size_of("logs/audit.log.1") < 0);
	/* One writer, as the console: its size is kept in memory. */
	for (int i = 0; i < 500; i++) {
		int n = snprintf(line, sizeof(line), "console %04d %-60s\n", i, "y");
		CHECK(msb_capped_log_write(&a, line, (size_t)n) == 0);
	}
	CHECK(size_of("logs/audit.log") <= cap && size_of("logs/audit.log.1") <= cap);
	CHECK(size_of("logs/audit.log") + size_of("logs/audit.log.1") > cap);
	read_file("logs/audit.log", buf, sizeof(buf));
	size_t blen = strlen(buf);
	CHECK(blen > 13 && strncmp(buf + blen - 13 - 61, "console 0499 ", 13) == 0);
	msb_capped_log_close(&a);
}

int
main(void)
{
	msb_log_init("test", MSB_LOG_ERROR);
	umask(022);
	if (mkdtemp(top) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_strict();
	test_safe_file();
	test_capped_log();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", top);
	return unit_done();
}
