#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "lib/cast.h"
#include "lib/log.h"
#include "mon_io.h"
#include "recorder.h"

int
recorder_init(struct recorder *r, const char *dir, bool input, uint64_t max)
{
	memset(r, 0, sizeof(*r));
	r->dirfd = -1;
	if (dir == NULL)
		return 0;
	if ((r->dirfd = msb_record_dir_open(dir)) < 0)
		return -1;
	if ((r->open = calloc(MSB_MUX_MAX_CHANS, sizeof(*r->open))) == NULL)
		fatal_f("out of memory");
	r->input = input;
	r->max = max;
	return 0;
}

uint32_t
recorder_flags(const struct recorder *r)
{
	if (r->dirfd < 0)
		return 0;
	return MSB_MON_F_RECORD | (r->input ? MSB_MON_F_RECORD_INPUT : 0);
}

static struct recording *
find(const struct recorder *r, uint32_t chan)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->open[i].chan == chan)
			return &r->open[i];
	}
	return NULL;
}

static void
drop(struct recorder *r, struct recording *rec)
{
	struct stat st;

	if (fstat(rec->fd, &st) != 0) {
		error_f("fstat %s: %s", rec->name, strerror(errno));
		st.st_size = -1;
	}
	msb_audit("channel %u recording %s closed: %lld bytes%s", rec->chan, rec->name,
	    (long long)st.st_size, (uint64_t)st.st_size + 2 * MSB_CAST_MARKER_MAX > r->max ?
	    " (cut at the size cap)" : "");
	close(rec->fd);
	*rec = r->open[--r->n];
}

static const char *
what_name(uint32_t what)
{
	switch (what) {
	case MSB_MON_WHAT_EXEC: return "exec";
	case MSB_MON_WHAT_SUBSYSTEM: return "subsystem";
	default: return "shell";
	}
}

int
recorder_open(struct recorder *r, int ses_fd, const struct msb_mon *req,
    const char *sandbox, const char *user)
{
	struct msb_mon a = { .type = MSB_MON_RECORD_FILE, .chan = req->chan,
	    .result = MSB_MON_RECORD_FAILED };
	char command[1024], term[257];
	bool append_only = false;
	int fd = -1;

	if (r->dirfd < 0)
		return -1;
	struct recording *old = find(r, req->chan);
	if (old != NULL)
		drop(r, old);  /* a channel that closed before it ran: its id is free again */
	snprintf(command, sizeof(command), "%.*s", (int)req->detail_len, req->detail);
	snprintf(term, sizeof(term), "%.*s", (int)req->term_len, req->term);
	struct msb_record_req rq = {
		.now = (uint64_t)time(NULL), .sandbox = sandbox, .key_fp = r->key_fp, .user = user,
		.chan = req->chan, .what = what_name(req->what),
		.command = req->what != MSB_MON_WHAT_SHELL ? command : NULL,
		.term = term[0] != '\0' ? term : NULL, .cols = req->cols, .rows = req->rows,
	};
	struct recording *rec = r->n < MSB_MUX_MAX_CHANS ? &r->open[r->n] : NULL;
	if (rec != NULL)
		fd = msb_record_create(r->dirfd, &rq, rec->name, sizeof(rec->name), &a.record_used,
		    &append_only);
	if (fd < 0) {
		msb_audit("channel %u: cannot record it; refusing to run it", req->chan);
		return mon_send(ses_fd, &a);
	}
	if (!r->told_append) {
		r->told_append = true;
		if (!append_only)
			info("recordings are not append-only on this filesystem (no FS_APPEND_FL): "
			    "the session worker still gets them opened O_APPEND only");
	}
	rec->chan = req->chan;
	rec->fd = fd;
	r->n++;
	msb_audit("channel %u recording to %s", req->chan, rec->name);
	a.result = MSB_MON_RECORD_OK;
	return mon_send_fd(ses_fd, &a, fd);
}

bool
recorder_has(const struct recorder *r, uint32_t chan)
{
	return r->dirfd < 0 || find(r, chan) != NULL;
}

void
recorder_closed(struct recorder *r, uint32_t chan)
{
	struct recording *rec = find(r, chan);

	if (rec != NULL)
		drop(r, rec);
}

void
recorder_free(struct recorder *r)
{
	while (r->n > 0)
		drop(r, &r->open[r->n - 1]);
	free(r->open);
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
}
