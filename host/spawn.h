/*
 * fork+exec with a fixed descriptor layout: every msb helper finds its
 * channels at fds 3, 4, ... and nothing else open (stdin and stdout are
 * /dev/null, stderr is kept for logs). A fresh exec per connection gives
 * each process its own address space layout.
 */
#ifndef MSB_SPAWN_H
#define MSB_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct msb_spawn_creds {
	uid_t uid;
	gid_t gid;
	/* Also for uid 0: keep no capabilities across exec (securebits NOROOT, empty bounding set). */
	bool no_caps;
};

/* Flags: the program leads a new session (no terminal signals from the caller's). */
#define MSB_SPAWN_SETSID 1u

/*
 * Runs path with argv; fds[i] becomes fd 3 + i. creds, when not NULL,
 * are taken (setgroups/setgid/setuid) before exec. mask is the signal
 * mask the program starts with (the caller's own may block signals for a
 * signalfd). Returns the pid, or -1 after logging why.
 */
pid_t msb_spawn(const char *path, char *const argv[], const int *fds, size_t nfds,
    const struct msb_spawn_creds *creds, const sigset_t *mask, unsigned flags);
#endif
