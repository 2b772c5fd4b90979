#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lib/log.h"

char *
cli_read_all(int fd, const char *what, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;

	if (buf == NULL)
		fatal("out of memory");
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fatal("cannot read %s: %s", what, strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			fatal("%s is larger than %zu bytes", what, max);
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
