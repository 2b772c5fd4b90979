#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "idle_stop.h"
#include "lib/log.h"
#include "host/spawn.h"

static struct idle_sandbox *
find(struct idle_stop *t, const char *name, bool create)
{
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->s[i].name, name) == 0)
			return &t->s[i];
	}
	if (!create || t->n == IDLE_STOP_MAX || strlen(name) >= sizeof(t->s[0].name))
		return NULL;
	struct idle_sandbox *s = &t->s[t->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

void
idle_stop_opened(struct idle_stop *t, const char *name)
{
	struct idle_sandbox *s = t->after_s > 0 ? find(t, name, true) : NULL;

	if (s != NULL)
		s->open++;
	else if (t->after_s > 0)
		error_f("too many sandboxes to watch; '%s' will not be stopped when idle", name);
}

void
idle_stop_closed(struct idle_stop *t, const char *name, int64_t now)
{
	struct idle_sandbox *s = t->after_s > 0 ? find(t, name, false) : NULL;

	if (s != NULL && s->open > 0 && --s->open == 0)
		s->idle_since = now;
}

/* msb stop NAME: this very binary, which is msb. */
static void
stop(const char *name, const sigset_t *mask)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		error_f("cannot find msb to stop '%s': %s", name, strerror(errno));
		return;
	}
	self[n] = '\0';
	char *argv[] = { "msb", "stop", (char *)name, NULL };
	if (msb_spawn(self, argv, NULL, 0, NULL, mask, 0) < 0)
		error_f("cannot run msb stop %s", name);
}

int
idle_stop_tick(struct idle_stop *t, int64_t now, const sigset_t *mask)
{
	int64_t after = (int64_t)t->after_s * 1000, next = -1;

	for (size_t i = 0; i < t->n;) {
		struct idle_sandbox *s = &t->s[i];
		if (s->open > 0) {
			i++;
			continue;
		}
		if (now - s->idle_since >= after) {
			info("sandbox '%s' had no connection for %u s: stopping it (--idle-stop)",
			    s->name, t->after_s);
			stop(s->name, mask);
			t->s[i] = t->s[--t->n];
			continue;
		}
		int64_t left = s->idle_since + after - now;
		if (next < 0 || left < next)
			next = left;
		i++;
	}
	return next < 0 ? -1 : next > INT_MAX ? INT_MAX : (int)next;
}
