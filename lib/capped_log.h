/*
 * A log that cannot fill the disk: when an append would take NAME past its
 * cap, NAME becomes NAME.1 (replacing the previous NAME.1) and a new NAME is
 * started, so at most twice the cap is kept and the latest lines are always
 * in NAME. Several processes may append to one log (the audit log's
 * monitors): each append holds a lock on the file and, if another process
 * rotated it meanwhile, follows it to the new one.
 */
#ifndef MSB_CAPPED_LOG_H
#define MSB_CAPPED_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct msb_capped_log {
	int dirfd;
	int fd;
	off_t cap;
	char name[256];
};

/*
 * The cap: the value of the environment variable env if it is set (a
 * number of bytes, at least 4096), else def.
 */
off_t msb_capped_log_cap(const char *env, off_t def);
/*
 * Opens path (0600, through msb_safe_append) for appending; fresh starts it
 * empty and removes NAME.1. 0, or -1 with errno set.
 */
int msb_capped_log_open(struct msb_capped_log *l, const char *path, off_t cap, bool fresh);
/* Appends buf in one write, rotating first if needed. 0, or -1 with errno set. */
int msb_capped_log_write(struct msb_capped_log *l, const void *buf, size_t len);
void msb_capped_log_close(struct msb_capped_log *l);

#endif
