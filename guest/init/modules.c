#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "boot_steps.h"

/* Returns 1 if loaded, 0 if it already was, -1 (logged) on failure. */
static int
load_module(const char *path)
{
	int fd, ret = 1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		error_f("module %s: open: %s", path, strerror(errno));
		return -1;
	}
	/* glibc has no wrapper; finit_module lets the kernel read the file. */
	if (syscall(SYS_finit_module, fd, "", 0) == -1) {
		if (errno == EEXIST) {
			ret = 0;
		} else {
			error_f("module %s: finit_module: %s", path,
			    strerror(errno));
			ret = -1;
		}
	}
	if (close(fd) == -1)
		error_f("module %s: close: %s", path, strerror(errno));
	return ret;
}

int
msb_init_load_modules(void)
{
	char line[PATH_MAX + 2];
	int loaded = 0, present = 0, failed = 0;
	FILE *f;

	if ((f = fopen(MSB_INIT_MODULE_LIST, "re")) == NULL) {
		if (errno == ENOENT) {
			info_f("no %s: no modules to load", MSB_INIT_MODULE_LIST);
			return 0;
		}
		error_f("open %s: %s", MSB_INIT_MODULE_LIST, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(f)) {
			error_f("%s: line longer than %zu bytes",
			    MSB_INIT_MODULE_LIST, sizeof(line) - 2);
			failed++;
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (len == 0 || line[0] == '#')
			continue;
		switch (load_module(line)) {
		case 1:
			loaded++;
			debug_f("loaded %s", line);
			break;
		case 0:
			present++;
			break;
		default:
			failed++;
			break;
		}
	}
	if (ferror(f)) {
		error_f("read %s failed", MSB_INIT_MODULE_LIST);
		failed++;
	}
	if (fclose(f) == EOF)
		error_f("close %s: %s", MSB_INIT_MODULE_LIST, strerror(errno));
	info_f("modules: %d loaded, %d already present, %d failed",
	    loaded, present, failed);
	return failed;
}
