/* The session loop: frames packets off the input, dispatches them, and
 * keeps both directions moving without blocking on either. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "sftp_server.h"
#include "sftp_session.h"

/* Input: several maximal packets, so reads stay large while we work. */
#define SFTP_IN_MAX      (2u * 1024u * 1024u)
#define SFTP_READ_CHUNK  (1024u * 1024u)
/* Below this much tail room, compact the buffer rather than read a dribble. */
#define SFTP_READ_MIN    (64u * 1024u)
/* Output: a few maximal replies, so READ pipelining keeps the pipe full. */
#define SFTP_OUT_MAX     (4u * SFTP_MAX_REPLY)
/* What we ask for on pipes (Linux's default unprivileged maximum). */
#define SFTP_PIPE_SIZE   (1024 * 1024)

struct sftp_io {
	int in_fd, out_fd;
	bool out_is_socket;
	int in_flags, out_flags;  /* to restore on return */
};

/* Each request's policy name is in lib/sftp_policy.c; EXTENDED is checked per extension. */
static const struct {
	sftp_handler_fn *fn;
	enum msb_sftp_req req;
} handlers[] = {
	[SFTP_OPEN] = { sftp_do_open, MSB_SFTP_REQ_OPEN },
	[SFTP_CLOSE] = { sftp_do_close, MSB_SFTP_REQ_CLOSE },
	[SFTP_READ] = { sftp_do_read, MSB_SFTP_REQ_READ },
	[SFTP_WRITE] = { sftp_do_write, MSB_SFTP_REQ_WRITE },
	[SFTP_LSTAT] = { sftp_do_lstat, MSB_SFTP_REQ_LSTAT },
	[SFTP_FSTAT] = { sftp_do_fstat, MSB_SFTP_REQ_FSTAT },
	[SFTP_SETSTAT] = { sftp_do_setstat, MSB_SFTP_REQ_SETSTAT },
	[SFTP_FSETSTAT] = { sftp_do_fsetstat, MSB_SFTP_REQ_FSETSTAT },
	[SFTP_OPENDIR] = { sftp_do_opendir, MSB_SFTP_REQ_OPENDIR },
	[SFTP_READDIR] = { sftp_do_readdir, MSB_SFTP_REQ_READDIR },
	[SFTP_REMOVE] = { sftp_do_remove, MSB_SFTP_REQ_REMOVE },
	[SFTP_MKDIR] = { sftp_do_mkdir, MSB_SFTP_REQ_MKDIR },
	[SFTP_RMDIR] = { sftp_do_rmdir, MSB_SFTP_REQ_RMDIR },
	[SFTP_REALPATH] = { sftp_do_realpath, MSB_SFTP_REQ_REALPATH },
	[SFTP_STAT] = { sftp_do_stat, MSB_SFTP_REQ_STAT },
	[SFTP_RENAME] = { sftp_do_rename, MSB_SFTP_REQ_RENAME },
	[SFTP_READLINK] = { sftp_do_readlink, MSB_SFTP_REQ_READLINK },
	[SFTP_SYMLINK] = { sftp_do_symlink, MSB_SFTP_REQ_SYMLINK },
	[SFTP_EXTENDED] = { sftp_do_extended, MSB_SFTP_REQ_COUNT },
};

static void
send_version(struct sftp_session *s)
{
	struct sftp_reply r;

	sftp_reply_begin(&r, &s->out, SFTP_VERSION_REPLY, 0);
	sftp_reply_u32(&r, SFTP_VERSION);
	for (int i = 0; i < SFTP_EXT_COUNT; i++) {
		/* As sftp-server: a client is not told of what it may not use. */
		if (!msb_sftp_policy_permits(&s->policy, sftp_ext_table[i].req))
			continue;
		sftp_reply_cstring(&r, sftp_ext_table[i].name);
		sftp_reply_cstring(&r, sftp_ext_table[i].version);
	}
	if (sftp_reply_end(&r) != 0) {
		error_f("cannot queue VERSION");
		s->broken = true;
	}
}

/* One packet, type byte onward; -1 ends the session. */
static int
handle_packet(struct sftp_session *s, const uint8_t *p, size_t len)
{
	struct sftp_request req;
	enum sftp_decode_result res = sftp_decode_request(p, len, &req);

	if (req.type == SFTP_INIT && res == SFTP_DECODE_OK) {
		debug_f("client version %u", req.version);
		s->client_version = req.version;
		s->initialized = true;
		send_version(s);
		return 0;
	}
	if (!s->initialized) {
		error_f("request type %u before INIT", req.type);
		return -1;
	}
	if (!req.has_id) {
		error_f("malformed packet without a request id");
		return -1;
	}
	if (res == SFTP_DECODE_UNSUPPORTED) {
		verbose_f("unsupported request type %u", req.type);
		sftp_send_status(s, req.id, SFTP_FX_OP_UNSUPPORTED, NULL);
		return 0;
	}
	if (res == SFTP_DECODE_MALFORMED) {
		verbose_f("malformed request type %u", req.type);
		sftp_send_status(s, req.id, SFTP_FX_BAD_MESSAGE, "malformed request");
		return 0;
	}
	debug_f("request %u type %u", req.id, req.type);
	if (req.type >= sizeof(handlers) / sizeof(handlers[0]) ||
	    handlers[req.type].fn == NULL) {
		sftp_send_status(s, req.id, SFTP_FX_OP_UNSUPPORTED, NULL);
		return 0;
	}
	if (req.type != SFTP_EXTENDED &&
	    !sftp_permitted(s, req.id, handlers[req.type].req))
		return 0;
	handlers[req.type].fn(s, &req);
	return 0;
}

/* Length of the complete packet at the front of in, 0 if incomplete, -1 if bad. */
static ssize_t
complete_packet(const struct msb_buf *in)
{
	size_t avail = msb_buf_avail(in);

	if (avail < 4)
		return 0;
	uint32_t len = msb_get_be32(msb_buf_ptr(in));
	if (len == 0 || len > SFTP_MAX_MSG) {
		error_f("bad packet length %u", len);
		return -1;
	}
	return avail - 4 >= len ? (ssize_t)len : 0;
}

/* Runs every complete packet for which a full reply fits. */
static int
process_input(struct sftp_session *s, struct msb_buf *in)
{
	while (msb_buf_room(&s->out) >= SFTP_MAX_REPLY) {
		ssize_t len = complete_packet(in);

		if (len < 0)
			return -1;
		if (len == 0)
			return 0;
		if (handle_packet(s, msb_buf_ptr(in) + 4, (size_t)len) != 0 ||
		    s->broken)
			return -1;
		msb_buf_consume(in, 4 + (size_t)len);
	}
	return 0;
}

/* Space to read into, or NULL when the input buffer is full. */
static uint8_t *
input_space(struct msb_buf *in, size_t *len)
{
	size_t want = in->cap - in->len;

	if (want < SFTP_READ_MIN) {
		want = msb_buf_room(in);
		if (want > SFTP_READ_CHUNK)
			want = SFTP_READ_CHUNK;
		if (want == 0)
			return NULL;
	}
	*len = want;
	return msb_buf_reserve(in, want);
}

static ssize_t
io_write(const struct sftp_io *io, const void *p, size_t n)
{
	/* A socket peer that went away must not kill us with SIGPIPE. */
	if (io->out_is_socket)
		return send(io->out_fd, p, n, MSG_NOSIGNAL);
	return write(io->out_fd, p, n);
}

static int
serve_loop(struct sftp_session *s, const struct sftp_io *io, struct msb_buf *in)
{
	bool eof = false;

	for (;;) {
		bool progress = false, want_in = false, want_out = false;

		if (process_input(s, in) != 0)
			return -1;
		if (msb_buf_avail(&s->out) > 0) {
			ssize_t n = io_write(io, msb_buf_ptr(&s->out),
			    msb_buf_avail(&s->out));

			if (n > 0) {
				msb_buf_consume(&s->out, (size_t)n);
				progress = true;
			} else if (n < 0 && errno == EAGAIN) {
				want_out = true;
			} else if (n < 0 && errno != EINTR) {
				verbose_f("write: %s", strerror(errno));
				return -1;
			}
		}
		if (!eof) {
			size_t want = 0;
			uint8_t *p = input_space(in, &want);
			ssize_t n = p == NULL ? -2 : read(io->in_fd, p, want);

			if (n > 0) {
				msb_buf_commit(in, (size_t)n);
				progress = true;
			} else if (n == 0) {
				eof = true;
				progress = true;
			} else if (n == -1 && errno == EAGAIN) {
				want_in = true;
			} else if (n == -1 && errno != EINTR) {
				error_f("read: %s", strerror(errno));
				return -1;
			}
		}
		if (eof && msb_buf_avail(&s->out) == 0) {
			ssize_t len = complete_packet(in);

			if (len < 0)
				return -1;
			if (len == 0) {
				if (msb_buf_avail(in) == 0)
					return 0;
				verbose_f("input ended inside a packet");
				return -1;
			}
			continue;
		}
		if (progress || (!want_in && !want_out))
			continue;
		struct pollfd pfd[2] = {
			{ .fd = want_in ? io->in_fd : -1, .events = POLLIN },
			{ .fd = want_out ? io->out_fd : -1, .events = POLLOUT },
		};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			error_f("poll: %s", strerror(errno));
			return -1;
		}
	}
}

static int
set_nonblocking(int fd, int *saved)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	*saved = fl;
	if ((fl & O_NONBLOCK) == 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -1;
	return 0;
}

static void
restore_flags(int fd, int flags)
{
	if (fcntl(fd, F_SETFL, flags) != 0)
		debug_f("fcntl fd %d: %s", fd, strerror(errno));
}

/* Larger pipes mean fewer wakeups per maximal packet; optional. */
static void
grow_pipe(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return;
	if (fcntl(fd, F_GETPIPE_SZ) >= SFTP_PIPE_SIZE)
		return;
	if (fcntl(fd, F_SETPIPE_SZ, SFTP_PIPE_SIZE) < 0)
		debug_f("F_SETPIPE_SZ fd %d: %s", fd, strerror(errno));
}

static int
io_setup(struct sftp_io *io, int in_fd, int out_fd)
{
	struct stat st;

	io->in_fd = in_fd;
	io->out_fd = out_fd;
	if (fstat(out_fd, &st) != 0) {
		error_f("fstat: %s", strerror(errno));
		return -1;
	}
	io->out_is_socket = S_ISSOCK(st.st_mode);
	if (set_nonblocking(in_fd, &io->in_flags) != 0 ||
	    set_nonblocking(out_fd, &io->out_flags) != 0) {
		error_f("fcntl: %s", strerror(errno));
		return -1;
	}
	grow_pipe(in_fd);
	grow_pipe(out_fd);
	return 0;
}

int
msb_sftp_serve(int in_fd, int out_fd, const struct msb_sftp_opts *opts)
{
	struct sftp_session *s = calloc(1, sizeof(*s));
	struct msb_buf in;
	struct sftp_io io;
	int rc;

	if (s == NULL) {
		error_f("out of memory");
		return -1;
	}
	s->home = opts != NULL && opts->home != NULL ? opts->home : getenv("HOME");
	if (s->home == NULL || s->home[0] != '/')
		s->home = "/";
	if (opts != NULL && opts->policy != NULL)
		s->policy = *opts->policy;
	else
		msb_sftp_policy_open(&s->policy);
	msb_buf_init(&s->out, SFTP_OUT_MAX);
	msb_buf_init(&in, SFTP_IN_MAX);
	sftp_handles_init(&s->handles);
	sftp_names_init(&s->names);

	rc = io_setup(&io, in_fd, out_fd);
	if (rc == 0) {
		rc = serve_loop(s, &io, &in);
		/* The output side first: in_fd and out_fd may be one socket. */
		restore_flags(out_fd, io.out_flags);
		restore_flags(in_fd, io.in_flags);
	}
	sftp_handles_close_all(&s->handles);
	msb_buf_free(&in);
	msb_buf_free(&s->out);
	free(s);
	return rc;
}
