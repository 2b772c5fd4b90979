/*
 * The monitor's side of session recording (lib/monitor_proto.h,
 * RECORD_OPEN/RECORD_FILE): one file per session channel, created here
 * (monitor/record_file.h) and handed to the session worker append-only;
 * the monitor keeps its own descriptor until the channel's AUDIT_CLOSE,
 * then logs what the file holds.
 */
#ifndef MSB_RECORDER_H
#define MSB_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/monitor_proto.h"
#include "lib/mux_proto.h"
#include "record_file.h"

struct recording {
	uint32_t chan;
	int fd;
	char name[MSB_RECORD_NAME_MAX];
};

struct recorder {
	int dirfd;               /* -1: not recording */
	bool input;
	uint64_t max;
	char key_fp[128];        /* set when the client authenticated */
	bool told_append;        /* whether the FS_APPEND_FL outcome was logged */
	struct recording *open;  /* MSB_MUX_MAX_CHANS of them */
	size_t n;
};

/* dir NULL: no recording. 0, or -1 after logging why. */
int recorder_init(struct recorder *r, const char *dir, bool input, uint64_t max);
/* The SESSION flags and cap that tell the worker to ask. */
uint32_t recorder_flags(const struct recorder *r);
/*
 * Answers one RECORD_OPEN on ses_fd. 0, or -1 for a protocol violation
 * (recording is off) or a worker that no longer reads.
 */
int recorder_open(struct recorder *r, int ses_fd, const struct msb_mon *req,
    const char *sandbox, const char *user);
/* Whether a session channel about to run has its recording. */
bool recorder_has(const struct recorder *r, uint32_t chan);
/* The channel ended (AUDIT_CLOSE): logs the file's size and lets it go. */
void recorder_closed(struct recorder *r, uint32_t chan);
void recorder_free(struct recorder *r);

#endif
