/*
 * guest_user reads /etc/passwd and /etc/group at fixed paths, so the checks
 * run in a child chrooted into a scratch directory holding crafted files;
 * guest_user_become runs in grandchildren since it cannot be undone.
 * Needs root (chroot, setuid); exits 77 without it.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/guest_user.h"
#include "unit.h"

#define NOBODY 65534

static const char passwd_text[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# alice:x:7:7::/commented:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "\n"
    "short:x:1100:1100\n"
    "alice:x:1000:1000:Alice,,,:/home/alice:\n"
    "bob:x:1001:100::/home/bob:/bin/zsh\n"
    "carol:x:1002:1002::/home/carol:/bin/sh\n"
    "badnum:x:12a:1003::/home/badnum:/bin/sh\n"
    "neg:x:-1:1003::/:/bin/sh\n"
    "plus:x:+5:1003::/:/bin/sh\n"
    "huge:x:4294967296:1003::/:/bin/sh\n"
    "overint:x:2147483648:1003::/:/bin/sh\n"
    "badgid:x:1004: 7::/:/bin/sh\n"
    "alice:x:4000:4000::/second:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "maxint:x:2147483647:2147483647::/:/bin/sh\n";

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* Appends a line with one field of n copies of c. */
static void
append_long_line(const char *path, const char *before, char c, size_t n,
    const char *after)
{
	FILE *fp = fopen(path, "ae");

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	fputs(before, fp);
	for (size_t i = 0; i < n; i++)
		fputc(c, fp);
	fputs(after, fp);
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void
write_group(void)
{
	write_file("/etc/group",
	    "root:x:0:\n"
	    "users:x:100:alice,bob\n"
	    "wheel:x:10:alice\n"
	    "broken line\n"
	    "alice:x:1000:\n"
	    "badgid:x:abc:alice\n"
	    "prefix:x:3:alicex,xalice,ALICE\n"
	    "dev:x:2000:bob,alice,carol\n"
	    "nogroup:x:65534:\n"
	    "empty:x:2001:\n");
	/* More groups than a user may carry: the list is cut at the limit. */
	FILE *fp = fopen("/etc/group", "ae");
	if (fp == NULL) {
		perror("/etc/group");
		exit(1);
	}
	for (int i = 0; i < GUEST_USER_MAX_GROUPS + 10; i++)
		fprintf(fp, "g%d:x:%d:carol\n", i, 3000 + i);
	if (fclose(fp) != 0) {
		perror("/etc/group");
		exit(1);
	}
}

static int
cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static void
check_groups(const struct guest_user *u, const gid_t *want, int n)
{
	if (!CHECK_EQ_U64(u->ngroups, n))
		return;
	for (int i = 0; i < n; i++)
		CHECK_EQ_U64(u->groups[i], want[i]);
}

static void
test_lookup(void)
{
	struct guest_user u;
	static const gid_t alice_groups[] = { 1000, 100, 10, 2000 };
	static const gid_t bob_groups[] = { 100, 2000 };

	if (CHECK(guest_user_lookup("alice", &u) == 0)) {
		CHECK_STR(u.name, "alice");
		CHECK_EQ_U64(u.uid, 1000);
		CHECK_EQ_U64(u.gid, 1000);
		CHECK_STR(u.home, "/home/alice");
		/* An empty shell field means /bin/sh. */
		CHECK_STR(u.shell, "/bin/sh");
		/* Primary first, then file order; alice's own group not twice. */
		check_groups(&u, alice_groups, 4);
	}
	if (CHECK(guest_user_lookup("bob", &u) == 0)) {
		CHECK_EQ_U64(u.uid, 1001);
		CHECK_EQ_U64(u.gid, 100);
		CHECK_STR(u.shell, "/bin/zsh");
		check_groups(&u, bob_groups, 2);
	}
	if (CHECK(guest_user_lookup("root", &u) == 0)) {
		CHECK_EQ_U64(u.uid, 0);
		CHECK_EQ_U64(u.gid, 0);
		CHECK_STR(u.home, "/root");
		CHECK_STR(u.shell, "/bin/bash");
		CHECK_EQ_U64(u.ngroups, 1);
	}
	if (CHECK(guest_user_lookup("carol", &u) == 0)) {
		CHECK_EQ_U64(u.ngroups, GUEST_USER_MAX_GROUPS);
		CHECK_EQ_U64(u.groups[0], 1002);
		CHECK_EQ_U64(u.groups[1], 2000);
		CHECK_EQ_U64(u.groups[2], 3000);
		CHECK_EQ_U64(u.groups[GUEST_USER_MAX_GROUPS - 1],
		    3000 + GUEST_USER_MAX_GROUPS - 3);
	}
	if (CHECK(guest_user_lookup("maxint", &u) == 0))
		CHECK_EQ_U64(u.uid, 2147483647);
	if (CHECK(guest_user_lookup("nobody", &u) == 0)) {
		CHECK_EQ_U64(u.uid, NOBODY);
		CHECK_EQ_U64(u.gid, NOBODY);
	}

	/* Unknown, malformed, commented out or overlong: all ENOENT. */
	static const char *const absent[] = { "nosuch", "", "alic", "alice2",
	    "Alice", "short", "badnum", "neg", "plus", "huge", "overint",
	    "badgid", "# alice", "longhome", "longshell" };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		errno = 0;
		if (!CHECK(guest_user_lookup(absent[i], &u) == -1) ||
		    !CHECK_EQ_U64(errno, ENOENT))
			fprintf(stderr, "  for \"%s\"\n", absent[i]);
	}
	/* The longest name that fits is found. */
	char name[sizeof(u.name)];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	if (CHECK(guest_user_lookup(name, &u) == 0))
		CHECK_EQ_U64(u.uid, 1300);
	char longer[sizeof(u.name) + 1];
	memset(longer, 'l', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	errno = 0;
	CHECK(guest_user_lookup(longer, &u) == -1);
	CHECK_EQ_U64(errno, ENOENT);
	/* And the longest home. */
	if (CHECK(guest_user_lookup("okhome", &u) == 0))
		CHECK_EQ_U64(strlen(u.home), sizeof(u.home) - 1);
}

static void
test_names(void)
{
	char buf[64];

	CHECK(guest_user_name_by_uid(1000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "alice");
	CHECK(guest_user_name_by_uid(0, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "root");
	CHECK(guest_user_name_by_uid(NOBODY, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "nobody");
	CHECK(guest_user_name_by_uid(4242, buf, sizeof(buf)) == -1);
	/* A later duplicate of a name still names its own uid. */
	CHECK(guest_user_name_by_uid(4000, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "alice");
	CHECK(guest_user_name_by_uid(1000, buf, 6) == 0);
	CHECK_STR(buf, "alice");
	CHECK(guest_user_name_by_uid(1000, buf, 5) == -1);

	CHECK(guest_group_name_by_gid(100, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "users");
	CHECK(guest_group_name_by_gid(NOBODY, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "nogroup");
	CHECK(guest_group_name_by_gid(3005, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "g5");
	CHECK(guest_group_name_by_gid(9999, buf, sizeof(buf)) == -1);
	CHECK(guest_group_name_by_gid(100, buf, 6) == 0);
	CHECK(guest_group_name_by_gid(100, buf, 5) == -1);
}

static void
test_missing_files(void)
{
	struct guest_user u;
	char buf[64];

	/* Without /etc/group only the supplementary groups go. */
	if (!CHECK(rename("/etc/group", "/etc/group.away") == 0))
		return;
	if (CHECK(guest_user_lookup("alice", &u) == 0)) {
		CHECK_EQ_U64(u.ngroups, 1);
		CHECK_EQ_U64(u.groups[0], 1000);
	}
	CHECK(guest_group_name_by_gid(100, buf, sizeof(buf)) == -1);
	CHECK(rename("/etc/group.away", "/etc/group") == 0);

	/* An unreadable group file is an error, not an empty list. */
	if (CHECK(rename("/etc/group", "/etc/group.away") == 0 &&
	    mkdir("/etc/group", 0755) == 0)) {
		errno = 0;
		CHECK(guest_user_lookup("alice", &u) == -1);
		CHECK(errno != 0 && errno != ENOENT);
		CHECK(rmdir("/etc/group") == 0);
		CHECK(rename("/etc/group.away", "/etc/group") == 0);
	}

	if (!CHECK(rename("/etc/passwd", "/etc/passwd.away") == 0))
		return;
	errno = 0;
	CHECK(guest_user_lookup("alice", &u) == -1);
	CHECK_EQ_U64(errno, ENOENT);
	CHECK(guest_user_name_by_uid(1000, buf, sizeof(buf)) == -1);
	if (CHECK(mkdir("/etc/passwd", 0755) == 0)) {
		errno = 0;
		CHECK(guest_user_lookup("alice", &u) == -1);
		CHECK(errno != 0 && errno != ENOENT);
		CHECK(rmdir("/etc/passwd") == 0);
	}
	CHECK(rename("/etc/passwd.away", "/etc/passwd") == 0);
}

/* Runs fn in a child and checks it exited 0: for changes that stick. */
static void
in_child(void (*fn)(void), const char *what)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		unit_checks = unit_failed = 0;
		fn();
		fflush(stderr);
		_exit(unit_failed == 0 && unit_checks > 0 ? 0 : 1);
	}
	int status;
	if (!CHECK(pid > 0) || !CHECK(waitpid(pid, &status, 0) == pid))
		return;
	if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fprintf(stderr, "  in %s\n", what);
}

static void
check_ids(uid_t uid, gid_t gid, const gid_t *groups, int n)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t got[GUEST_USER_MAX_GROUPS + 1];

	if (CHECK(getresuid(&r, &e, &s) == 0)) {
		CHECK_EQ_U64(r, uid);
		CHECK_EQ_U64(e, uid);
		CHECK_EQ_U64(s, uid);
	}
	if (CHECK(getresgid(&rg, &eg, &sg) == 0)) {
		CHECK_EQ_U64(rg, gid);
		CHECK_EQ_U64(eg, gid);
		CHECK_EQ_U64(sg, gid);
	}
	gid_t sorted[GUEST_USER_MAX_GROUPS];
	int ng = getgroups(GUEST_USER_MAX_GROUPS + 1, got);
	/* The kernel keeps the list sorted: compare as sets. */
	if (CHECK_EQ_U64(ng, n) && CHECK(n <= GUEST_USER_MAX_GROUPS)) {
		memcpy(sorted, groups, (size_t)n * sizeof(*groups));
		qsort(sorted, (size_t)n, sizeof(*sorted), cmp_gid);
		qsort(got, (size_t)ng, sizeof(*got), cmp_gid);
		for (int i = 0; i < n; i++)
			CHECK_EQ_U64(got[i], sorted[i]);
	}
}

static void
become_nobody(void)
{
	static const gid_t want[] = { NOBODY };
	struct guest_user u, other;

	if (!CHECK(guest_user_lookup("nobody", &u) == 0))
		return;
	CHECK(guest_user_become(&u) == 0);
	check_ids(NOBODY, NOBODY, want, 1);
	/* No way back, and no way sideways. */
	CHECK(setuid(0) == -1);
	CHECK(guest_user_lookup("alice", &other) == 0);
	errno = 0;
	CHECK(guest_user_become(&other) == -1);
	CHECK_EQ_U64(errno, EPERM);
	check_ids(NOBODY, NOBODY, want, 1);
	/* Already that user: nothing to do. */
	CHECK(guest_user_become(&u) == 0);
}

static void
become_alice(void)
{
	static const gid_t want[] = { 1000, 100, 10, 2000 };
	struct guest_user u;

	if (!CHECK(guest_user_lookup("alice", &u) == 0))
		return;
	CHECK(guest_user_become(&u) == 0);
	check_ids(1000, 1000, want, 4);
}

static void
become_root(void)
{
	static const gid_t want[] = { 0 };
	struct guest_user u;

	if (!CHECK(guest_user_lookup("root", &u) == 0))
		return;
	CHECK(guest_user_become(&u) == 0);
	check_ids(0, 0, want, 1);
}

static void
run_chrooted(const char *dir)
{
	if (chroot(dir) != 0 || chdir("/") != 0) {
		perror("chroot");
		exit(1);
	}
	write_file("/etc/passwd", passwd_text);
	append_long_line("/etc/passwd", "", 'n', 255, ":x:1300:1300::/:/bin/sh\n");
	append_long_line("/etc/passwd", "", 'l', 256, ":x:1301:1301::/:/bin/sh\n");
	append_long_line("/etc/passwd", "okhome:x:1302:1302::/", 'h', 4094,
	    ":/bin/sh\n");
	append_long_line("/etc/passwd", "longhome:x:1303:1303::/", 'h', 4095,
	    ":/bin/sh\n");
	append_long_line("/etc/passwd", "longshell:x:1304:1304::/:/", 's', 4095,
	    "\n");
	write_group();

	test_lookup();
	test_names();
	test_missing_files();
	in_child(become_nobody, "become nobody");
	in_child(become_alice, "become alice");
	in_child(become_root, "become root");
	/* _exit: LeakSanitizer's exit-time check needs /proc, absent here. */
	int rc = unit_done();
	fflush(stdout);
	_exit(rc);
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("skipped: needs root for chroot and setuid\n");
		return 77;
	}
	char dir[] = "/tmp/msb-test-guest-user.XXXXXX";
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	/* Readable by the users the checks become, like a real root. */
	if (chmod(dir, 0755) != 0) {
		perror(dir);
		rmdir(dir);
		return 1;
	}
	umask(022);
	char etc[sizeof(dir) + 8];
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	if (mkdir(etc, 0755) != 0) {
		perror(etc);
		rmdir(dir);
		return 1;
	}

	fflush(stdout);
	pid_t pid = fork();
	if (pid == -1) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		run_chrooted(dir);
	int status = 0;
	int rc = waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
	    WEXITSTATUS(status) : 1;

	static const char *const files[] = { "passwd", "group", "passwd.away",
	    "group.away" };
	char path[sizeof(etc) + 16];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", etc, files[i]);
		if (unlink(path) != 0 && errno != ENOENT &&
		    (errno != EISDIR || rmdir(path) != 0))
			perror(path);
	}
	if (rmdir(etc) != 0 || rmdir(dir) != 0) {
		perror("rmdir");
		rc = 1;
	}
	return rc;
}
