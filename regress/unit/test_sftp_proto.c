/*
 * SFTP v3 codec: request decoding (every request type, truncation at every
 * length, hostile counts), reply encoding and the ls -l long name.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/buf.h"
#include "guest/sftp/sftp_longname.h"
#include "guest/sftp/sftp_proto.h"
#include "guest/sftp/sftp_reply.h"
#include "unit.h"

static bool
str_eq(const struct sftp_str *s, const char *want)
{
	return s->p != NULL && s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

/* A request packet under construction: type, id, then fields. */
static void
begin(struct msb_buf *b, uint8_t type, uint32_t id)
{
	msb_buf_init(b, 1u << 20);
	CHECK(msb_buf_put_u8(b, type) == 0);
	if (type != SFTP_INIT)
		CHECK(msb_buf_put_u32(b, id) == 0);
}

static enum sftp_decode_result
decode(struct msb_buf *b, struct sftp_request *req)
{
	return sftp_decode_request(msb_buf_ptr(b), msb_buf_avail(b), req);
}

/* No proper prefix of a valid request may decode as OK. */
static void
check_prefixes(struct msb_buf *b)
{
	struct sftp_request req;

	for (size_t n = 0; n < msb_buf_avail(b); n++) {
		if (!CHECK(sftp_decode_request(msb_buf_ptr(b), n, &req) == SFTP_DECODE_MALFORMED))
			fprintf(stderr, "a prefix of %zu/%zu bytes was accepted\n",
			    n, msb_buf_avail(b));
	}
}

static void
test_init(void)
{
	struct msb_buf b;
	struct sftp_request req;

	begin(&b, SFTP_INIT, 0);
	msb_buf_put_u32(&b, 3);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.type == SFTP_INIT && req.version == 3 && !req.has_id);
	check_prefixes(&b);
	msb_buf_free(&b);
}

static void
test_open_attrs(void)
{
	struct msb_buf b;
	struct sftp_request req;

	begin(&b, SFTP_OPEN, 7);
	msb_buf_put_cstring(&b, "dir/file name");
	msb_buf_put_u32(&b, SFTP_FXF_WRITE | SFTP_FXF_CREAT | SFTP_FXF_TRUNC);
	msb_buf_put_u32(&b, SFTP_ATTR_SIZE | SFTP_ATTR_UIDGID | SFTP_ATTR_PERMISSIONS |
	    SFTP_ATTR_ACMODTIME | SFTP_ATTR_EXTENDED);
	msb_buf_put_u64(&b, 0x123456789ull);
	msb_buf_put_u32(&b, 1000);
	msb_buf_put_u32(&b, 1001);
	msb_buf_put_u32(&b, 0100644);
	msb_buf_put_u32(&b, 11);
	msb_buf_put_u32(&b, 22);
	msb_buf_put_u32(&b, 2);
	msb_buf_put_cstring(&b, "a@example.com");
	msb_buf_put_cstring(&b, "x");
	msb_buf_put_cstring(&b, "b@example.com");
	msb_buf_put_cstring(&b, "");
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.type == SFTP_OPEN && req.has_id && req.id == 7);
	CHECK(str_eq(&req.path, "dir/file name"));
	CHECK(req.pflags == (SFTP_FXF_WRITE | SFTP_FXF_CREAT | SFTP_FXF_TRUNC));
	CHECK(req.attrs.size == 0x123456789ull);
	CHECK(req.attrs.uid == 1000 && req.attrs.gid == 1001);
	CHECK(req.attrs.perm == 0100644);
	CHECK(req.attrs.atime == 11 && req.attrs.mtime == 22);
	check_prefixes(&b);
	msb_buf_free(&b);
}

static void
test_read_write(void)
{
	struct msb_buf b;
	struct sftp_request req;
	const uint8_t handle[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };

	begin(&b, SFTP_READ, 9);
	msb_buf_put_string(&b, handle, sizeof(handle));
	msb_buf_put_u64(&b, 1ull << 40);
	msb_buf_put_u32(&b, 32768);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.handle.len == 8 && memcmp(req.handle.p, handle, 8) == 0);
	CHECK(req.offset == 1ull << 40 && req.len == 32768);
	check_prefixes(&b);
	msb_buf_free(&b);

	begin(&b, SFTP_WRITE, 10);
	msb_buf_put_string(&b, handle, sizeof(handle));
	msb_buf_put_u64(&b, 5);
	msb_buf_put_string(&b, "da\0ta", 5);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	/* Data is bytes, not a path: NULs are fine. */
	CHECK(req.data.len == 5 && memcmp(req.data.p, "da\0ta", 5) == 0);
	CHECK(req.offset == 5);
	check_prefixes(&b);
	msb_buf_free(&b);
}

static void
test_paths(void)
{
	static const uint8_t one_path[] = {
		SFTP_LSTAT, SFTP_STAT, SFTP_OPENDIR, SFTP_REMOVE, SFTP_RMDIR,
		SFTP_REALPATH, SFTP_READLINK,
	};
	struct msb_buf b;
	struct sftp_request req;

	for (size_t i = 0; i < sizeof(one_path); i++) {
		begin(&b, one_path[i], (uint32_t)i);
		msb_buf_put_cstring(&b, "/x/y");
		CHECK(decode(&b, &req) == SFTP_DECODE_OK);
		CHECK(req.type == one_path[i] && str_eq(&req.path, "/x/y"));
		check_prefixes(&b);
		msb_buf_free(&b);
	}
	/* A NUL inside a path would silently shorten it. */
	begin(&b, SFTP_REMOVE, 3);
	msb_buf_put_string(&b, "a\0b", 3);
	CHECK(decode(&b, &req) == SFTP_DECODE_MALFORMED);
	CHECK(req.has_id && req.id == 3);
	msb_buf_free(&b);

	begin(&b, SFTP_SYMLINK, 4);
	msb_buf_put_cstring(&b, "target");
	msb_buf_put_cstring(&b, "link");
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(str_eq(&req.path, "target") && str_eq(&req.path2, "link"));
	check_prefixes(&b);
	msb_buf_free(&b);

	begin(&b, SFTP_MKDIR, 5);
	msb_buf_put_cstring(&b, "d");
	msb_buf_put_u32(&b, SFTP_ATTR_PERMISSIONS);
	msb_buf_put_u32(&b, 0700);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.attrs.flags == SFTP_ATTR_PERMISSIONS && req.attrs.perm == 0700);
	check_prefixes(&b);
	msb_buf_free(&b);
}

static void
test_unsupported_and_hostile(void)
{
	struct msb_buf b;
	struct sftp_request req;

	begin(&b, 99, 42);
	CHECK(decode(&b, &req) == SFTP_DECODE_UNSUPPORTED);
	CHECK(req.has_id && req.id == 42);
	msb_buf_free(&b);

	/* Replies are not requests. */
	begin(&b, SFTP_STATUS, 43);
	CHECK(decode(&b, &req) == SFTP_DECODE_UNSUPPORTED);
	msb_buf_free(&b);

	CHECK(sftp_decode_request((const uint8_t *)"", 0, &req) == SFTP_DECODE_MALFORMED);

	/* An extension count of 2^32-1 must fail at the end of input, fast. */
	begin(&b, SFTP_SETSTAT, 44);
	msb_buf_put_cstring(&b, "f");
	msb_buf_put_u32(&b, SFTP_ATTR_EXTENDED);
	msb_buf_put_u32(&b, 0xffffffffu);
	msb_buf_put_cstring(&b, "only-one");
	CHECK(decode(&b, &req) == SFTP_DECODE_MALFORMED);
	msb_buf_free(&b);

	/* A string length past the end. */
	begin(&b, SFTP_OPENDIR, 45);
	msb_buf_put_u32(&b, 0x7fffffffu);
	msb_buf_put(&b, "abc", 3);
	CHECK(decode(&b, &req) == SFTP_DECODE_MALFORMED);
	msb_buf_free(&b);
}

static void
test_extended(void)
{
	struct msb_buf b;
	struct sftp_request req;
	const uint8_t h1[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	const uint8_t h2[8] = { 0, 0, 0, 2, 0, 0, 0, 1 };

	begin(&b, SFTP_EXTENDED, 50);
	msb_buf_put_cstring(&b, "posix-rename@openssh.com");
	msb_buf_put_cstring(&b, "old");
	msb_buf_put_cstring(&b, "new");
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.ext == SFTP_EXT_POSIX_RENAME);
	CHECK(str_eq(&req.path, "old") && str_eq(&req.path2, "new"));
	check_prefixes(&b);
	msb_buf_free(&b);

	begin(&b, SFTP_EXTENDED, 51);
	msb_buf_put_cstring(&b, "copy-data");
	msb_buf_put_string(&b, h1, 8);
	msb_buf_put_u64(&b, 100);
	msb_buf_put_u64(&b, 0);
	msb_buf_put_string(&b, h2, 8);
	msb_buf_put_u64(&b, 200);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.ext == SFTP_EXT_COPY_DATA);
	CHECK(req.offset == 100 && req.length == 0 && req.offset2 == 200);
	CHECK(req.handle2.len == 8 && memcmp(req.handle2.p, h2, 8) == 0);
	check_prefixes(&b);
	msb_buf_free(&b);

	begin(&b, SFTP_EXTENDED, 52);
	msb_buf_put_cstring(&b, "users-groups-by-id@openssh.com");
	msb_buf_put_string(&b, "\0\0\0\1\0\0\0\2", 8);
	msb_buf_put_string(&b, "", 0);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.ext == SFTP_EXT_USERS_GROUPS_BY_ID);
	CHECK(req.data.len == 8 && req.data2.len == 0);
	msb_buf_free(&b);

	/* An id list that is not whole u32s. */
	begin(&b, SFTP_EXTENDED, 53);
	msb_buf_put_cstring(&b, "users-groups-by-id@openssh.com");
	msb_buf_put_string(&b, "\0\0\0", 3);
	msb_buf_put_string(&b, "", 0);
	CHECK(decode(&b, &req) == SFTP_DECODE_MALFORMED);
	msb_buf_free(&b);

	begin(&b, SFTP_EXTENDED, 54);
	msb_buf_put_cstring(&b, "no-such@example.com");
	msb_buf_put_cstring(&b, "whatever");
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.ext == SFTP_EXT_UNKNOWN && str_eq(&req.ext_name, "no-such@example.com"));
	msb_buf_free(&b);

	/* A prefix of a known name is not that extension. */
	begin(&b, SFTP_EXTENDED, 55);
	msb_buf_put_cstring(&b, "limits");
	CHECK(decode(&b, &req) == SFTP_DECODE_OK && req.ext == SFTP_EXT_UNKNOWN);
	msb_buf_free(&b);

	begin(&b, SFTP_EXTENDED, 56);
	msb_buf_put_cstring(&b, "lsetstat@openssh.com");
	msb_buf_put_cstring(&b, "l");
	msb_buf_put_u32(&b, SFTP_ATTR_UIDGID);
	msb_buf_put_u32(&b, 1);
	msb_buf_put_u32(&b, 2);
	CHECK(decode(&b, &req) == SFTP_DECODE_OK);
	CHECK(req.ext == SFTP_EXT_LSETSTAT && req.attrs.uid == 1 && req.attrs.gid == 2);
	check_prefixes(&b);
	msb_buf_free(&b);
}

static void
test_status_encoding(void)
{
	struct msb_buf b;
	struct msb_reader r;
	uint32_t len, id, code, n;
	uint8_t type;
	const uint8_t *p;

	msb_buf_init(&b, 4096);
	CHECK(sftp_put_status(&b, 77, SFTP_FX_NO_SUCH_FILE, NULL, true) == 0);
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	msb_get_u32(&r, &len);
	CHECK(len == msb_buf_avail(&b) - 4);
	msb_get_u8(&r, &type);
	msb_get_u32(&r, &id);
	msb_get_u32(&r, &code);
	CHECK(type == SFTP_STATUS && id == 77 && code == SFTP_FX_NO_SUCH_FILE);
	msb_get_string(&r, &p, &n);
	CHECK(n == strlen("No such file") && memcmp(p, "No such file", n) == 0);
	msb_get_string(&r, &p, &n);
	CHECK(n == 0);
	CHECK(msb_reader_done(&r));

	/* Clients older than version 3 get no message. */
	msb_buf_reset(&b);
	CHECK(sftp_put_status(&b, 1, SFTP_FX_OK, "ignored", false) == 0);
	CHECK(msb_buf_avail(&b) == 13);
	msb_buf_free(&b);
}

static void
test_reply_builder(void)
{
	struct msb_buf b;
	struct sftp_reply r;
	struct sftp_attrs a = {
		.flags = SFTP_ATTR_SIZE | SFTP_ATTR_PERMISSIONS | SFTP_ATTR_EXTENDED,
		.size = 5, .perm = 0600,
	}, back;
	struct msb_reader rd;
	uint32_t u;
	uint8_t t;

	msb_buf_init(&b, 200);
	CHECK(msb_buf_put(&b, "queued", 6) == 0);
	msb_buf_consume(&b, 2);

	/* In-place data, as READ produces it. */
	sftp_reply_begin(&r, &b, SFTP_DATA, 5);
	uint8_t *p = sftp_reply_reserve_string(&r, 64);
	CHECK(p != NULL);
	if (p != NULL)
		memcpy(p, "abc", 3);
	sftp_reply_commit_string(&r, 3);
	CHECK(sftp_reply_end(&r) == 0);
	CHECK(msb_buf_avail(&b) == 4 + 4 + 1 + 4 + 4 + 3);
	CHECK(memcmp(msb_buf_ptr(&b), "eued", 4) == 0);
	CHECK(msb_get_be32(msb_buf_ptr(&b) + 4) == 12);
	CHECK(memcmp(msb_buf_ptr(&b) + 4 + 13, "abc", 3) == 0);

	/* A reply that does not fit leaves the queue as it was. */
	size_t before = msb_buf_avail(&b);
	sftp_reply_begin(&r, &b, SFTP_NAME, 6);
	size_t mark = sftp_reply_mark(&r);
	sftp_reply_u32(&r, 0);
	for (int i = 0; i < 50; i++)
		sftp_reply_cstring(&r, "a long enough name");
	sftp_reply_poke_u32(&r, mark, 50);
	CHECK(sftp_reply_end(&r) == -1);
	CHECK(msb_buf_avail(&b) == before);
	CHECK(memcmp(msb_buf_ptr(&b), "eued", 4) == 0);

	/* Attrs survive a round trip, minus vendor extensions. */
	msb_buf_reset(&b);
	CHECK(sftp_put_attrs(&b, &a) == 0);
	msb_reader_init(&rd, msb_buf_ptr(&b), msb_buf_avail(&b));
	CHECK(sftp_get_attrs(&rd, &back) == 0 && msb_reader_done(&rd));
	CHECK(back.flags == (SFTP_ATTR_SIZE | SFTP_ATTR_PERMISSIONS));
	CHECK(back.size == 5 && back.perm == 0600);

	/* VERSION carries no id. */
	msb_buf_reset(&b);
	sftp_reply_begin(&r, &b, SFTP_VERSION_REPLY, 0);
	sftp_reply_u32(&r, 3);
	CHECK(sftp_reply_end(&r) == 0);
	msb_reader_init(&rd, msb_buf_ptr(&b), msb_buf_avail(&b));
	msb_get_u32(&rd, &u);
	msb_get_u8(&rd, &t);
	CHECK(u == 5 && t == SFTP_VERSION_REPLY);
	msb_get_u32(&rd, &u);
	CHECK(u == 3 && msb_reader_done(&rd));
	msb_buf_free(&b);
}

static void
test_longname(void)
{
	char line[SFTP_LONGNAME_MAX], mode[11];
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFDIR | 0755;
	st.st_nlink = 2;
	st.st_size = 4096;
	st.st_mtime = 1577880000;  /* 2020-01-01 12:00 UTC */
	sftp_longname(line, "dir", &st, "root", "root", 1577880000 + 86400);
	CHECK_STR(line, "drwxr-xr-x    2 root     root         4096 Jan  1 12:00 dir");
	sftp_longname(line, "dir", &st, NULL, "averyverylonggroup", 1577880000 + 400 * 86400);
	CHECK_STR(line, "drwxr-xr-x    2 0        averyverylonggroup     4096 Jan  1  2020 dir");

	sftp_mode_string(S_IFREG | 04755, mode);
	CHECK_STR(mode, "-rwsr-xr-x");
	sftp_mode_string(S_IFDIR | 01777, mode);
	CHECK_STR(mode, "drwxrwxrwt");
	sftp_mode_string(S_IFLNK | 02644, mode);
	CHECK_STR(mode, "lrw-r-Sr--");
	sftp_mode_string(S_IFIFO | 01600, mode);
	CHECK_STR(mode, "prw------T");
}

int
main(void)
{
	if (setenv("TZ", "UTC", 1) != 0) {
		perror("setenv");
		return 1;
	}
	tzset();
	test_init();
	test_open_attrs();
	test_read_write();
	test_paths();
	test_unsupported_and_hostile();
	test_extended();
	test_status_encoding();
	test_reply_builder();
	test_longname();
	CHECK_STR(sftp_status_text(SFTP_FX_OP_UNSUPPORTED), "Operation unsupported");
	CHECK_STR(sftp_status_text(1000), "Unknown error");
	return unit_done();
}
