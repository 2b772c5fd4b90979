/*
 * Open file and directory handles of one session. A handle on the wire is
 * a slot index and a generation, so a stale or forged handle never reaches
 * a descriptor it was not issued for.
 */
#ifndef MSB_SFTP_HANDLES_H
#define MSB_SFTP_HANDLES_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>

#include "sftp_proto.h"

#define SFTP_MAX_HANDLES 256

struct sftp_handle {
	bool in_use;
	uint32_t gen;
	int fd;      /* the file, or the directory stream's descriptor */
	DIR *dir;    /* NULL for a file */
};

struct sftp_handles {
	struct sftp_handle slot[SFTP_MAX_HANDLES];
};

void sftp_handles_init(struct sftp_handles *t);
/* Takes ownership of fd or dir; -1 (errno EMFILE) when the table is full. */
int sftp_handle_add(struct sftp_handles *t, int fd, DIR *dir,
    uint8_t out[SFTP_HANDLE_LEN]);
/* NULL when the bytes do not name an open handle. */
struct sftp_handle *sftp_handle_find(struct sftp_handles *t, const struct sftp_str *h);
/* Frees the slot; returns close's result. */
int sftp_handle_close(struct sftp_handles *t, struct sftp_handle *h);
void sftp_handles_close_all(struct sftp_handles *t);

#endif
