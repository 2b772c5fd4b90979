#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "init/boot_steps.h"

#define DEFAULT_HOSTNAME "sandbox"
/* The kernel's limit (HOST_NAME_MAX) is 64 bytes without the NUL. */
#define HOSTNAME_MAX 64

/* RFC 1123 labels: letters, digits, '-' and '.', not starting with - or . */
static int
valid_hostname(const char *name)
{
	if (name[0] == '\0' || name[0] == '-' || name[0] == '.')
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	}
	return 1;
}

int
msb_init_set_hostname(const struct msb_cmdline *cl)
{
	char name[HOSTNAME_MAX + 1];

	if (msb_cmdline_get(cl, "msb.hostname", name, sizeof(name)) != 1)
		memcpy(name, DEFAULT_HOSTNAME, sizeof(DEFAULT_HOSTNAME));
	if (!valid_hostname(name)) {
		error_f("invalid msb.hostname, using \"%s\"", DEFAULT_HOSTNAME);
		memcpy(name, DEFAULT_HOSTNAME, sizeof(DEFAULT_HOSTNAME));
	}
	if (sethostname(name, strlen(name)) == -1) {
		error_f("sethostname %s: %s", name, strerror(errno));
		return -1;
	}
	info_f("hostname %s", name);
	return 0;
}
