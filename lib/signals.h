/*
 * Signals as file descriptors: every msb process with a poll loop takes
 * its signals this way, so no handler ever runs in the middle of its work.
 */
#ifndef MSB_SIGNALS_H
#define MSB_SIGNALS_H

#include <signal.h>

/*
 * Blocks the signals in sigs (terminated by 0) and returns a non-blocking,
 * close-on-exec signalfd that reports them; *old, when not NULL, receives
 * the previous mask. Failing here leaves a process that cannot be stopped
 * cleanly, so it is fatal.
 */
int msb_signalfd(const int *sigs, sigset_t *old);

#endif
