/*
 * The SFTP request policy (lib/sftp_policy.h): OpenSSH sftp-server's
 * request names and write marks, list parsing, and request_permitted()'s
 * order of -R, -P and -p.
 */
#include "config.h"

#include <string.h>

#include "lib/sftp_policy.h"
#include "unit.h"

#define BIT(r) (1u << (r))

/* sftp-server.c's handlers[] and extended_handlers[], in its order. */
static const struct {
	const char *name;
	bool writes;
} openssh[] = {
	{ "open", false }, { "close", false }, { "read", false },
	{ "write", true }, { "lstat", false }, { "fstat", false },
	{ "setstat", true }, { "fsetstat", true }, { "opendir", false },
	{ "readdir", false }, { "remove", true }, { "mkdir", true },
	{ "rmdir", true }, { "realpath", false }, { "stat", false },
	{ "rename", true }, { "readlink", false }, { "symlink", true },
	{ "posix-rename", true }, { "statvfs", false }, { "fstatvfs", false },
	{ "hardlink", true }, { "fsync", true }, { "lsetstat", true },
	{ "limits", false }, { "expand-path", false }, { "copy-data", true },
	{ "home-directory", false }, { "users-groups-by-id", false },
};

static void
test_table(void)
{
	CHECK_EQ_U64(sizeof(openssh) / sizeof(openssh[0]), MSB_SFTP_REQ_COUNT);
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++) {
		CHECK_STR(msb_sftp_requests[i].name, openssh[i].name);
		CHECK(msb_sftp_requests[i].writes == openssh[i].writes);
	}
}

static int
parse(const char *list, uint32_t *mask, char *err, size_t n)
{
	err[0] = '\0';
	return msb_sftp_list_parse("deny", list, mask, err, n);
}

static void
test_lists(void)
{
	char err[256], big[MSB_SFTP_LIST_MAX + 2];
	uint32_t m;

	CHECK(parse("open", &m, err, sizeof(err)) == 0);
	CHECK_EQ_U64(m, BIT(MSB_SFTP_REQ_OPEN));
	CHECK(parse("read,posix-rename,users-groups-by-id,read", &m, err, sizeof(err)) == 0);
	CHECK_EQ_U64(m, BIT(MSB_SFTP_REQ_READ) | BIT(MSB_SFTP_REQ_POSIX_RENAME) |
	    BIT(MSB_SFTP_REQ_USERS_GROUPS_BY_ID));

	/* Whole names only: no patterns, no extension wire names, no case folding. */
	const char *bad[] = { "bogus", "open,bogus", "ope", "opens", "OPEN", "*",
	    "posix-rename@openssh.com", "open ", " open" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i], &m, err, sizeof(err)) == -1);
		CHECK(strstr(err, "unknown SFTP request") != NULL);
		CHECK(strstr(err, "deny") != NULL);
	}
	CHECK(parse("open,bogus", &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "\"bogus\"") != NULL);
	const char *empty[] = { "", ",", "open,", ",open", "open,,read" };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		CHECK(parse(empty[i], &m, err, sizeof(err)) == -1);
		CHECK(strstr(err, "empty request name") != NULL);
	}
	/* Every name once fits; past the bound is refused before parsing. */
	size_t len = 0;
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "%s%s",
		    i ? "," : "", msb_sftp_requests[i].name);
	CHECK(parse(big, &m, err, sizeof(err)) == 0);
	CHECK_EQ_U64(m, (1ull << MSB_SFTP_REQ_COUNT) - 1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(parse(big, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "too long") != NULL);
}

static void
test_permits(void)
{
	struct msb_sftp_policy p;
	char err[256];

	msb_sftp_policy_open(&p);
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++)
		CHECK(msb_sftp_policy_permits(&p, (enum msb_sftp_req)i));
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_COUNT));

	/* -R: the write-marked requests only; OPEN decides by its flags. */
	CHECK(msb_sftp_policy_set(&p, true, NULL, NULL, err, sizeof(err)) == 0);
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++)
		CHECK(msb_sftp_policy_permits(&p, (enum msb_sftp_req)i) ==
		    !msb_sftp_requests[i].writes);
	CHECK(msb_sftp_policy_permits(&p, MSB_SFTP_REQ_OPEN));

	CHECK(msb_sftp_policy_set(&p, false, "write,statvfs", NULL, err, sizeof(err)) == 0);
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_WRITE));
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_STATVFS));
	CHECK(msb_sftp_policy_permits(&p, MSB_SFTP_REQ_FSTATVFS));
	CHECK(msb_sftp_policy_permits(&p, MSB_SFTP_REQ_READ));

	CHECK(msb_sftp_policy_set(&p, false, NULL, "open,read,close", err, sizeof(err)) == 0);
	for (int i = 0; i < MSB_SFTP_REQ_COUNT; i++)
		CHECK(msb_sftp_policy_permits(&p, (enum msb_sftp_req)i) ==
		    (i == MSB_SFTP_REQ_OPEN || i == MSB_SFTP_REQ_READ ||
		    i == MSB_SFTP_REQ_CLOSE));

	/* The deny list wins over the allow list, -R over both. */
	CHECK(msb_sftp_policy_set(&p, true, "read", "read,write,stat", err, sizeof(err)) == 0);
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_READ));
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_WRITE));
	CHECK(msb_sftp_policy_permits(&p, MSB_SFTP_REQ_STAT));
	CHECK(!msb_sftp_policy_permits(&p, MSB_SFTP_REQ_LSTAT));

	CHECK(msb_sftp_policy_set(&p, false, NULL, "stat,nope", err, sizeof(err)) == -1);
	CHECK(strstr(err, "allow") != NULL);
	CHECK(msb_sftp_policy_set(&p, false, "", NULL, err, sizeof(err)) == -1);
}

int
main(void)
{
	test_table();
	test_lists();
	test_permits();
	return unit_done();
}
