/*
 * A log that cannot fill the disk: when an append would take NAME past its
 * cap, NAME becomes NAME.1 (replacing the previous NAME.1) and a new NAME is
 * started, so at most twice the cap is kept and the latest lines are always
 * in NAME. A shared log may have several writers (the audit log's
 * monitors): each append holds a lock on the file and, if another process
 * rotated it meanwhile, follows it to the new one. A log with one writer
 * (the console) keeps its size in memory and costs one write per append.
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
	off_t size;        /* unshared: the file's size */
	bool shared;
	char name[256];
};

/*
 * The cap: the value of the environment variable env if it is set (a
 * number of bytes, at least 4096), else def.
 */
off_t msb_capped_log_cap(const char *env, off_t def);
/*
 * Opens path (0600, through msb_safe_append) for appending; fresh starts it
 * empty and removes NAME.1; shared when other processes append too. 0, or
 * -1 with errno set.
 */
int msb_capped_log_open(struct msb_capped_log *l, const char *path, off_t cap, bool fresh,
    bool shared);
/* Appends buf in one write, rotating first if needed. 0, or -1 with errno set. */
int msb_capped_log_write(struct msb_capped_log *l, const void *buf, size_t len);
void msb_capped_log_close(struct msb_capped_log *l);

#endif
