#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "sftp_handles.h"

void
sftp_handles_init(struct sftp_handles *t)
{
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < SFTP_MAX_HANDLES; i++)
		t->slot[i].fd = -1;
}

int
sftp_handle_add(struct sftp_handles *t, int fd, DIR *dir,
    uint8_t out[SFTP_HANDLE_LEN])
{
	for (int i = 0; i < SFTP_MAX_HANDLES; i++) {
		struct sftp_handle *h = &t->slot[i];

		if (h->in_use)
			continue;
		h->in_use = true;
		/* Generation 0 is never issued, so an all-zero handle is invalid. */
		if (++h->gen == 0)
			h->gen = 1;
		h->fd = fd;
		h->dir = dir;
		msb_put_be32(out, (uint32_t)i);
		msb_put_be32(out + 4, h->gen);
		return 0;
	}
	errno = EMFILE;
	return -1;
}

struct sftp_handle *
sftp_handle_find(struct sftp_handles *t, const struct sftp_str *s)
{
	if (s->len != SFTP_HANDLE_LEN)
		return NULL;
	uint32_t i = msb_get_be32(s->p);
	uint32_t gen = msb_get_be32(s->p + 4);
	if (i >= SFTP_MAX_HANDLES)
		return NULL;
	struct sftp_handle *h = &t->slot[i];
	if (!h->in_use || h->gen != gen)
		return NULL;
	return h;
}

int
sftp_handle_close(struct sftp_handles *t, struct sftp_handle *h)
{
	int rc = h->dir != NULL ? closedir(h->dir) : close(h->fd);

	h->in_use = false;
	h->fd = -1;
	h->dir = NULL;
	return rc;
}

void
sftp_handles_close_all(struct sftp_handles *t)
{
	for (int i = 0; i < SFTP_MAX_HANDLES; i++) {
		struct sftp_handle *h = &t->slot[i];

		if (h->in_use && sftp_handle_close(t, h) != 0)
			debug_f("close handle %d: %s", i, strerror(errno));
	}
}
