/*
 * /etc/hostname as the guest init writes it: the sandbox's name, rewritten
 * only when it differs, and a clear errno where it cannot be written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "guest/init/boot_steps.h"

static char *
slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

int
main(void)
{
	char dir[] = "/tmp/msb-hostname-XXXXXX";
	char path[64], sub[64];
	struct stat st1, st2;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hostname", dir);
	snprintf(sub, sizeof(sub), "%s/missing/hostname", dir);

	CHECK(msb_init_write_hostname_file(path, "devbox") == 0);
	CHECK(strcmp(slurp(path), "devbox\n") == 0);

	/* An image's conflicting name is replaced. */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0 && write(fd, "msb\n", 4) == 4 && close(fd) == 0);
	CHECK(msb_init_write_hostname_file(path, "devbox") == 0);
	CHECK(strcmp(slurp(path), "devbox\n") == 0);

	/* A file that already agrees is not written (so a read-only root that
	 * agrees is no error): its mtime stays, though the clock moved on. */
	CHECK(stat(path, &st1) == 0);
	usleep(50 * 1000);
	CHECK(msb_init_write_hostname_file(path, "devbox") == 0);
	CHECK(stat(path, &st2) == 0 && st1.st_mtim.tv_nsec == st2.st_mtim.tv_nsec &&
	    st1.st_mtim.tv_sec == st2.st_mtim.tv_sec);
	CHECK(msb_init_write_hostname_file(path, "other-name") == 0);
	CHECK(strcmp(slurp(path), "other-name\n") == 0);

	/* The longest name the kernel takes fits; errors say why. */
	char longest[65];
	memset(longest, 'a', 64);
	longest[64] = '\0';
	CHECK(msb_init_write_hostname_file(path, longest) == 0);
	CHECK(strlen(slurp(path)) == 65);
	errno = 0;
	CHECK(msb_init_write_hostname_file(sub, "devbox") == -1 && errno == ENOENT);

	CHECK(unlink(path) == 0 && rmdir(dir) == 0);
	return unit_done();
}
