#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "msb_home.h"
#include "preauth_env.h"

static int
dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		error("cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	int saved = errno;
	closedir(d);
	if (saved != 0) {
		error("cannot read %s: %s", dir, strerror(saved));
		return -1;
	}
	if (n != 0) {
		error("%s must be empty: the preauth child is confined to it", dir);
		return -1;
	}
	return 0;
}

int
msb_preauth_chroot_ensure(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT || msb_mkdirs(dir, 0755) != 0) {
			error("cannot create the preauth chroot %s: %s", dir, strerror(errno));
			return -1;
		}
		if (chmod(dir, 0755) != 0 || lstat(dir, &st) != 0) {
			error("cannot set up %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		error("%s must be a directory owned by root and writable by no one else", dir);
		return -1;
	}
	return dir_is_empty(dir);
}

int
msb_preauth_user(const char *name, uid_t *uid, gid_t *gid)
{
	errno = 0;
	struct passwd *pw = getpwnam(name);

	if (pw == NULL) {
		error("the preauth user '%s' does not exist; create it with "
		    "'useradd --system --no-create-home --home-dir %s --shell /usr/sbin/nologin %s' "
		    "(scripts/install-deps.sh does)", name, MSB_PREAUTH_CHROOT, name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		error("the preauth user '%s' must not be root", name);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

const char *
msb_preauth_user_default(void)
{
	const char *u = getenv("MSB_PREAUTH_USER");

	return u != NULL && u[0] != '\0' ? u : MSB_PREAUTH_USER;
}
