#include "config.h"

#include <stddef.h>
#include <string.h>

#include "frame.h"
#include "log.h"
#include "monitor_proto.h"

#define U32(field, lo, hi) \
	{ MSB_FIELD_U32, offsetof(struct msb_mon, field), 0, (lo), (hi) }
#define ANY32(field) U32(field, 0, UINT32_MAX)
#define U64(field) { MSB_FIELD_U64, offsetof(struct msb_mon, field), 0, 0, 0 }
#define TEXT(field) { MSB_FIELD_TEXT, offsetof(struct msb_mon, field), \
	offsetof(struct msb_mon, field##_len), 0, MSB_MON_MAX_STRING }
#define END { MSB_FIELD_END, 0, 0, 0, 0 }
#define LOG_LEVEL U32(log_level, MSB_LOG_QUIET, MSB_LOG_DEBUG)

#define MSB_MON_F_ALL (MSB_MON_F_NO_PTY | MSB_MON_F_NO_PORT_FORWARD | \
	MSB_MON_F_NO_SFTP | MSB_MON_F_FORCED_COMMAND | MSB_MON_F_SFTP_READ_ONLY | \
	MSB_MON_F_SFTP_ALLOW | MSB_MON_F_RECORD | MSB_MON_F_RECORD_INPUT)

static const struct msb_field f_hostkey[] = { TEXT(key), END };
static const struct msb_field f_config[] = {
	ANY32(version), LOG_LEVEL, ANY32(idle_timeout_s), U64(rekey_bytes),
	ANY32(rekey_s), END
};
static const struct msb_field f_auth_answer[] = {
	U32(result, MSB_MON_AUTH_DENY, MSB_MON_AUTH_FULL), ANY32(tries_left), END
};
static const struct msb_field f_auth_request[] = {
	U32(method, MSB_MON_METHOD_NONE, MSB_MON_METHOD_OTHER), TEXT(user),
	TEXT(key), { MSB_FIELD_BOOL, offsetof(struct msb_mon, is_signed), 0, 0, 1 },
	END
};
static const struct msb_field f_session[] = {
	ANY32(version), TEXT(user), TEXT(guest_user), U32(flags, 0, MSB_MON_F_ALL),
	TEXT(command), TEXT(vsock), TEXT(env_allow), LOG_LEVEL,
	ANY32(idle_timeout_s), TEXT(sftp_deny), TEXT(sftp_allow), ANY32(max_sessions),
	U64(record_max), END
};
static const struct msb_field f_record_file[] = {
	ANY32(chan), U32(result, MSB_MON_RECORD_OK, MSB_MON_RECORD_FAILED), U64(record_used), END
};
static const struct msb_field f_record_open[] = {
	ANY32(chan), U32(what, MSB_MON_WHAT_SHELL, MSB_MON_WHAT_SUBSYSTEM), TEXT(detail),
	{ MSB_FIELD_TEXT, offsetof(struct msb_mon, term), offsetof(struct msb_mon, term_len), 0, 256 },
	ANY32(cols), ANY32(rows), END
};
static const struct msb_field f_audit_open[] = {
	ANY32(chan), U32(kind, MSB_MON_KIND_SESSION, MSB_MON_KIND_DIRECT_TCPIP),
	TEXT(detail), END
};
static const struct msb_field f_audit_close[] = {
	ANY32(chan), U64(bytes_in), U64(bytes_out),
	{ MSB_FIELD_I32, offsetof(struct msb_mon, exit), 0, 0, 0 }, END
};

static const struct msb_field *
layout(uint8_t type)
{
	switch (type) {
	case MSB_MON_HOSTKEY: return f_hostkey;
	case MSB_MON_CONFIG: return f_config;
	case MSB_MON_AUTH_ANSWER: return f_auth_answer;
	case MSB_MON_AUTH_REQUEST: return f_auth_request;
	case MSB_MON_SESSION: return f_session;
	case MSB_MON_AUDIT_OPEN: return f_audit_open;
	case MSB_MON_AUDIT_CLOSE: return f_audit_close;
	case MSB_MON_RECORD_FILE: return f_record_file;
	case MSB_MON_RECORD_OPEN: return f_record_open;
	default: return NULL;
	}
}

int
msb_mon_put(struct msb_buf *out, const struct msb_mon *m)
{
	const struct msb_field *f = layout(m->type);

	if (f == NULL)
		return -1;
	return msb_frame_put_fields(out, m->type, MSB_MON_MAX_FRAME, f, m);
}

int
msb_mon_get(const struct msb_buf *in, struct msb_mon *m)
{
	memset(m, 0, sizeof(*m));
	return msb_frame_get_message(in, MSB_MON_MAX_FRAME, layout, m, &m->type, &m->frame);
}

void
msb_mon_consume(struct msb_buf *in, const struct msb_mon *m)
{
	msb_buf_consume(in, m->frame);
}

const char *
msb_mon_msg_name(uint8_t type)
{
	switch (type) {
	case MSB_MON_HOSTKEY: return "HOSTKEY";
	case MSB_MON_CONFIG: return "CONFIG";
	case MSB_MON_AUTH_ANSWER: return "AUTH_ANSWER";
	case MSB_MON_AUTH_REQUEST: return "AUTH_REQUEST";
	case MSB_MON_SESSION: return "SESSION";
	case MSB_MON_AUDIT_OPEN: return "AUDIT_OPEN";
	case MSB_MON_AUDIT_CLOSE: return "AUDIT_CLOSE";
	case MSB_MON_RECORD_FILE: return "RECORD_FILE";
	case MSB_MON_RECORD_OPEN: return "RECORD_OPEN";
	default: return "unknown";
	}
}
