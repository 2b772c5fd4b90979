/*
 * Resource limits for the confined processes (the network child, the
 * session worker): the same two steps, written once.
 */
#ifndef MSB_RLIMIT_H
#define MSB_RLIMIT_H

#include <stdbool.h>
#include <sys/resource.h>

/* Sets both the soft and the hard limit; a failure is fatal, naming name. */
void msb_set_rlimit(int resource, const char *name, rlim_t value);

/*
 * With a file size limit of 0 every append to a log file would kill the
 * process with SIGXFSZ. The limit only guards writes to files, and the
 * seccomp filters forbid opening any, so a log file on stderr is the one
 * file left and keeps its limit: callers set RLIMIT_FSIZE to 0 only when
 * this is false. An fstat failure is fatal.
 */
bool msb_stderr_is_file(void);

#endif
