#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "hostkey.h"
#include "lib/log.h"
#include "lib/safe_file.h"
#include "lib/strict_modes.h"

long
msb_hostkey_read(const char *path, char *buf, size_t len)
{
	int fd = msb_strict_open(path, MSB_STRICT_HOST_KEY);

	if (fd < 0) {
		if (errno == ENOENT)
			error("cannot read host key %s: %s", path, strerror(errno));
		return -1;
	}
	long n = msb_hostkey_read_fd(fd, path, buf, len);
	close(fd);
	return n;
}

long
msb_hostkey_read_fd(int fd, const char *path, char *buf, size_t len)
{
	struct stat st;
	size_t n = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		error("host key %s is not a regular file", path);
		goto bad;
	}
	if ((st.st_mode & 077) != 0) {
		error("host key %s is accessible by group or others (mode %04o): "
		    "refusing to use it; run 'chmod 600 %s'", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto bad;
	}
	for (;;) {
		ssize_t r = pread(fd, buf + n, len - 1 - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error("cannot read host key %s: %s", path, strerror(errno));
			goto bad;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == len - 1) {
			error("host key %s is larger than %zu bytes", path, len - 1);
			goto bad;
		}
	}
	buf[n] = '\0';
	ssh_key key = NULL;
	if (ssh_pki_import_privkey_base64(buf, NULL, NULL, NULL, &key) != SSH_OK) {
		error("host key %s is not a readable unencrypted private key", path);
		explicit_bzero(buf, len);
		return -1;
	}
	ssh_key_free(key);
	return (long)n;
bad:
	explicit_bzero(buf, len);
	return -1;
}

/* Written under a random name and linked into place, so a concurrent
 * server never sees a half-written key and never replaces one. */
static int
create_key(const char *path)
{
	ssh_key key = NULL;
	char *text = NULL;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		error("cannot generate an Ed25519 host key");
		return -1;
	}
	int rc = ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &text);
	ssh_key_free(key);
	if (rc != SSH_OK) {
		error("cannot encode the new host key");
		return -1;
	}
	size_t len = strlen(text);
	rc = msb_safe_publish_path(path, text, len, 0600, false);
	int e = errno;
	explicit_bzero(text, len);
	ssh_string_free_char(text);
	if (rc != 0) {
		error("cannot create host key %s: %s", path, strerror(e));
		return -1;
	}
	info("created host key %s", path);
	return 0;
}

int
msb_hostkey_ensure(const char *path)
{
	struct stat st;
	char buf[MSB_HOSTKEY_MAX];

	if (lstat(path, &st) != 0) {
		if (errno != ENOENT) {
			error("cannot read host key %s: %s", path, strerror(errno));
			return -1;
		}
		if (create_key(path) != 0)
			return -1;
	}
	long n = msb_hostkey_read(path, buf, sizeof(buf));
	explicit_bzero(buf, sizeof(buf));
	return n < 0 ? -1 : 0;
}
