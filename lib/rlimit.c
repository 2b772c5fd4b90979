#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rlimit.h"

void
msb_set_rlimit(int resource, const char *name, rlim_t value)
{
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(resource, &rl) != 0)
		fatal_f("setrlimit %s: %s", name, strerror(errno));
}

bool
msb_stderr_is_file(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) != 0)
		fatal_f("fstat stderr: %s", strerror(errno));
	return S_ISREG(st.st_mode);
}
