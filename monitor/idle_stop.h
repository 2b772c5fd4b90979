/*
 * The listener's --idle-stop: a sandbox it served that has had no
 * connection open for that long is stopped (msb stop NAME, run as a child
 * of the listener), as hosted sandboxes stop machines nobody uses; its
 * tenant's next connection boots it again. Only sandboxes this listener
 * served count: one started by hand and never connected to stays up.
 */
#ifndef MSB_IDLE_STOP_H
#define MSB_IDLE_STOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define IDLE_STOP_MAX 256

struct idle_sandbox {
	char name[128];
	unsigned open;          /* authenticated connections now */
	int64_t idle_since;     /* ms, when open fell to 0 */
};

struct idle_stop {
	unsigned after_s;       /* 0: off */
	struct idle_sandbox s[IDLE_STOP_MAX];
	size_t n;
};

void idle_stop_opened(struct idle_stop *t, const char *name);
void idle_stop_closed(struct idle_stop *t, const char *name, int64_t now);
/*
 * Stops (msb stop, with the signal mask mask) each sandbox idle for
 * after_s by now; returns the ms until the next one will be, or -1.
 */
int idle_stop_tick(struct idle_stop *t, int64_t now, const sigset_t *mask);

#endif
