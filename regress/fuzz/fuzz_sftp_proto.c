/*
 * libFuzzer target for the SFTP request decoder. Besides not crashing, a
 * decoded request must only point inside the packet, and any ATTRS it
 * carried must survive an encode/decode round trip.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "guest/sftp/sftp_proto.h"
#include "guest/sftp/sftp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const struct sftp_str *s, const uint8_t *data, size_t size)
{
	if (s->p == NULL)
		return;
	if (s->p < data || s->len > size || s->p + s->len > data + size)
		abort();
}

static void
check_attrs_round_trip(const struct sftp_attrs *a)
{
	struct msb_buf b;
	struct msb_reader r;
	struct sftp_attrs back;

	msb_buf_init(&b, 64);
	if (sftp_put_attrs(&b, a) != 0)
		abort();
	msb_reader_init(&r, msb_buf_ptr(&b), msb_buf_avail(&b));
	if (sftp_get_attrs(&r, &back) != 0 || !msb_reader_done(&r))
		abort();
	if (back.flags != (a->flags & ~SFTP_ATTR_EXTENDED) ||
	    back.size != a->size || back.uid != a->uid || back.gid != a->gid ||
	    back.perm != a->perm || back.atime != a->atime || back.mtime != a->mtime)
		abort();
	msb_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sftp_request req;

	if (sftp_decode_request(data, size, &req) != SFTP_DECODE_OK)
		return 0;
	check_inside(&req.path, data, size);
	check_inside(&req.path2, data, size);
	check_inside(&req.handle, data, size);
	check_inside(&req.handle2, data, size);
	check_inside(&req.data, data, size);
	check_inside(&req.data2, data, size);
	check_inside(&req.ext_name, data, size);
	if (req.path.p != NULL && memchr(req.path.p, '\0', req.path.len) != NULL)
		abort();
	if (req.ext < SFTP_EXT_UNKNOWN &&
	    strlen(sftp_ext_table[req.ext].name) != req.ext_name.len)
		abort();
	check_attrs_round_trip(&req.attrs);
	return 0;
}
