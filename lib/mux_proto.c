#include "config.h"

#include <stddef.h>
#include <string.h>

#include "frame.h"
#include "mux_proto.h"

#define U32(field, lo, hi) \
	{ MSB_FIELD_U32, offsetof(struct msb_mux, field), 0, (lo), (hi) }
#define BOOL(field, hi) \
	{ MSB_FIELD_BOOL, offsetof(struct msb_mux, field), 0, 0, (hi) }
#define TEXT(field, limit) { MSB_FIELD_TEXT, offsetof(struct msb_mux, field), \
	offsetof(struct msb_mux, field##_len), 0, (limit) }
#define BYTES(limit) { MSB_FIELD_BYTES, offsetof(struct msb_mux, data), \
	offsetof(struct msb_mux, len), 0, (limit) }
#define END { MSB_FIELD_END, 0, 0, 0, 0 }

#define CHAN       U32(chan, 0, UINT32_MAX)
#define WANT_REPLY BOOL(want_reply, 1)
/* window-change and signal requests never get a reply (RFC 4254 6.7, 6.9) */
#define NO_REPLY   BOOL(want_reply, 0)
/* struct winsize holds unsigned short */
#define SIZE(field) U32(field, 0, 0xffff)

static const struct msb_field f_hello[] = { U32(version, 0, UINT32_MAX), END };
static const struct msb_field f_chan[] = { CHAN, END };
static const struct msb_field f_direct_tcpip[] = {
	CHAN, TEXT(str, MSB_MUX_MAX_STRING), U32(port, 1, 65535),
	TEXT(str2, MSB_MUX_MAX_STRING), U32(orig_port, 0, 65535), END
};
static const struct msb_field f_pty[] = {
	CHAN, WANT_REPLY, TEXT(str, MSB_MUX_MAX_STRING), SIZE(cols), SIZE(rows),
	BYTES(MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_env[] = {
	CHAN, WANT_REPLY, TEXT(str, MSB_MUX_MAX_STRING),
	TEXT(str2, MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_exec[] = {
	CHAN, WANT_REPLY, TEXT(str, MSB_MUX_MAX_COMMAND), END
};
static const struct msb_field f_shell[] = { CHAN, WANT_REPLY, END };
static const struct msb_field f_subsystem[] = {
	CHAN, WANT_REPLY, TEXT(str, MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_window_change[] = {
	CHAN, NO_REPLY, SIZE(cols), SIZE(rows), END
};
static const struct msb_field f_signal[] = {
	CHAN, NO_REPLY, TEXT(str, MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_open_failure[] = {
	CHAN, U32(n, 0, UINT32_MAX), TEXT(str, MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_reply[] = { CHAN, BOOL(ok, 1), END };
static const struct msb_field f_data[] = { CHAN, BYTES(MSB_MUX_MAX_DATA), END };
static const struct msb_field f_exit_status[] = {
	CHAN, U32(n, 0, UINT32_MAX), END
};
static const struct msb_field f_exit_signal[] = {
	CHAN, TEXT(str, MSB_MUX_MAX_STRING), BOOL(core, 1),
	TEXT(str2, MSB_MUX_MAX_STRING), END
};
static const struct msb_field f_window[] = { CHAN, U32(n, 1, UINT32_MAX), END };

static const struct msb_field *
layout(uint8_t type)
{
	switch (type) {
	case MSB_MUX_HELLO: return f_hello;
	case MSB_MUX_OPEN_SESSION: return f_chan;
	case MSB_MUX_OPEN_DIRECT_TCPIP: return f_direct_tcpip;
	case MSB_MUX_REQ_PTY: return f_pty;
	case MSB_MUX_REQ_ENV: return f_env;
	case MSB_MUX_REQ_EXEC: return f_exec;
	case MSB_MUX_REQ_SHELL: return f_shell;
	case MSB_MUX_REQ_SUBSYSTEM: return f_subsystem;
	case MSB_MUX_REQ_WINDOW_CHANGE: return f_window_change;
	case MSB_MUX_REQ_SIGNAL: return f_signal;
	case MSB_MUX_OPEN_CONFIRM: return f_chan;
	case MSB_MUX_OPEN_FAILURE: return f_open_failure;
	case MSB_MUX_REQ_REPLY: return f_reply;
	case MSB_MUX_EXT_DATA: return f_data;
	case MSB_MUX_EXIT_STATUS: return f_exit_status;
	case MSB_MUX_EXIT_SIGNAL: return f_exit_signal;
	case MSB_MUX_DATA: return f_data;
	case MSB_MUX_EOF: return f_chan;
	case MSB_MUX_CLOSE: return f_chan;
	case MSB_MUX_WINDOW: return f_window;
	default: return NULL;
	}
}

int
msb_mux_put(struct msb_buf *out, const struct msb_mux *m)
{
	const struct msb_field *f = layout(m->type);

	if (f == NULL)
		return -1;
	return msb_frame_put_fields(out, m->type, MSB_MUX_MAX_FRAME, f, m);
}

int
msb_mux_get(const struct msb_buf *in, struct msb_mux *m)
{
	memset(m, 0, sizeof(*m));
	return msb_frame_get_message(in, MSB_MUX_MAX_FRAME, layout, m, &m->type, &m->frame);
}

void
msb_mux_consume(struct msb_buf *in, const struct msb_mux *m)
{
	msb_buf_consume(in, m->frame);
}

const char *
msb_mux_msg_name(uint8_t type)
{
	switch (type) {
	case MSB_MUX_HELLO: return "HELLO";
	case MSB_MUX_OPEN_SESSION: return "OPEN_SESSION";
	case MSB_MUX_OPEN_DIRECT_TCPIP: return "OPEN_DIRECT_TCPIP";
	case MSB_MUX_REQ_PTY: return "REQ_PTY";
	case MSB_MUX_REQ_ENV: return "REQ_ENV";
	case MSB_MUX_REQ_EXEC: return "REQ_EXEC";
	case MSB_MUX_REQ_SHELL: return "REQ_SHELL";
	case MSB_MUX_REQ_SUBSYSTEM: return "REQ_SUBSYSTEM";
	case MSB_MUX_REQ_WINDOW_CHANGE: return "REQ_WINDOW_CHANGE";
	case MSB_MUX_REQ_SIGNAL: return "REQ_SIGNAL";
	case MSB_MUX_OPEN_CONFIRM: return "OPEN_CONFIRM";
	case MSB_MUX_OPEN_FAILURE: return "OPEN_FAILURE";
	case MSB_MUX_REQ_REPLY: return "REQ_REPLY";
	case MSB_MUX_EXT_DATA: return "EXT_DATA";
	case MSB_MUX_EXIT_STATUS: return "EXIT_STATUS";
	case MSB_MUX_EXIT_SIGNAL: return "EXIT_SIGNAL";
	case MSB_MUX_DATA: return "DATA";
	case MSB_MUX_EOF: return "EOF";
	case MSB_MUX_CLOSE: return "CLOSE";
	case MSB_MUX_WINDOW: return "WINDOW";
	default: return "unknown";
	}
}
