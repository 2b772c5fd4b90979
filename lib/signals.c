#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>

#include "log.h"
#include "signals.h"

int
msb_signalfd(const int *sigs, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (const int *s = sigs; *s != 0; s++)
		sigaddset(&set, *s);
	if (sigprocmask(SIG_BLOCK, &set, old) != 0)
		fatal_f("sigprocmask: %s", strerror(errno));
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		fatal_f("signalfd: %s", strerror(errno));
	return fd;
}
