/*
 * A session's start and end: its buffers, the monitor's SESSION message
 * that says what the worker may do, the HELLO that opens the mux, and what
 * is left to tell the monitor once the loop ends.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/agent_io.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/monitor_proto.h"
#include "session.h"

/* SESSION follows the exec at once; waiting longer means the monitor is gone. */
#define SESSION_WAIT_MS 30000

static char *
dup_field(const char *p, size_t n)
{
	char *s = strndup(p != NULL ? p : "", p != NULL ? n : 0);

	if (s == NULL)
		fatal_f("out of memory");
	return s;
}

static void
take_agent_address(struct session *s, const char *addr)
{
	struct sockaddr_un sun;
	const char *path;

	if (strncmp(addr, "vsock:", 6) == 0) {
		s->agent_vsock = true;
		path = addr + 6;
	} else if (strncmp(addr, "unix:", 5) == 0) {
		path = addr + 5;
	} else {
		fatal("SESSION: agent address '%s' is neither vsock:PATH nor unix:PATH", addr);
	}
	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path))
		fatal("SESSION: unusable agent socket path '%s'", path);
	s->agent_path = dup_field(path, strlen(path));
}

void
session_init(struct session *s, int mon_fd, int mux_fd)
{
	s->mon_fd = mon_fd;
	s->mux_fd = mux_fd;
	msb_buf_init(&s->mon_out, 4u * 1024u * 1024u);
	msb_buf_init(&s->mux_in, MSB_MUX_MAX_FRAME + 4);
	msb_buf_init(&s->mux_out, MUX_OUT_MAX);
	msb_buf_init(&s->mon_in, MSB_MON_MAX_FRAME + 4);
	/* One event: the largest data, every byte escaped as \u00XX. */
	msb_buf_init(&s->rec_line, 6u * MSB_MUX_MAX_DATA + 1024u);
}

/* Blocks for the one SESSION message: nothing can happen before it. */
void
session_read_setup(struct session *s)
{
	struct msb_buf in;
	struct msb_mon m;
	int64_t deadline = msb_now_ms() + SESSION_WAIT_MS;
	int rc;

	msb_buf_init(&in, MSB_MON_MAX_FRAME + 4);
	while ((rc = msb_mon_get(&in, &m)) == 0) {
		int64_t left = deadline - msb_now_ms();
		if (left <= 0)
			fatal("no SESSION from the monitor");
		struct pollfd pfd = { .fd = s->mon_fd, .events = POLLIN };
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			fatal_f("poll: %s", strerror(errno));
		if (pr <= 0)
			continue;
		uint8_t *dst = msb_buf_reserve(&in, 4096);
		if (dst == NULL)
			fatal("oversized message from the monitor");
		ssize_t n = read(s->mon_fd, dst, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal("monitor: %s", n == 0 ? "closed before SESSION" : strerror(errno));
		msb_buf_commit(&in, (size_t)n);
	}
	if (rc < 0 || m.type != MSB_MON_SESSION)
		fatal("expected SESSION from the monitor");
	if (m.version != MSB_MON_VERSION)
		fatal("monitor speaks version %u, not %u", m.version, MSB_MON_VERSION);
	if (m.log_level <= MSB_LOG_DEBUG)
		msb_log_set_level((enum msb_log_level)m.log_level);
	s->user = dup_field(m.user, m.user_len);
	s->guest_user = dup_field(m.guest_user, m.guest_user_len);
	s->command = dup_field(m.command, m.command_len);
	s->env_allow = dup_field(m.env_allow, m.env_allow_len);
	s->sftp_deny = dup_field(m.sftp_deny, m.sftp_deny_len);
	s->sftp_allow = dup_field(m.sftp_allow, m.sftp_allow_len);
	char *addr = dup_field(m.vsock, m.vsock_len);
	take_agent_address(s, addr);
	free(addr);
	s->flags = m.flags;
	s->idle_timeout_s = m.idle_timeout_s;
	s->max_sessions = m.max_sessions;
	s->record_max = m.record_max;
	if ((s->flags & MSB_MON_F_RECORD) && s->record_max == 0)
		fatal("SESSION: recording without a size cap");
	if ((s->flags & MSB_MON_F_FORCED_COMMAND) && s->command[0] == '\0')
		fatal("SESSION: forced command flag without a command");
	msb_mon_consume(&in, &m);
	if (msb_buf_avail(&in) != 0)
		fatal("unexpected message from the monitor after SESSION");
	msb_buf_free(&in);
	char user[1024], guest_user[1024];
	verbose_f("session for %s as guest user '%s' via %s%s",
	    msb_log_escape(user, sizeof(user), s->user, strlen(s->user)),
	    msb_log_escape(guest_user, sizeof(guest_user), s->guest_user, strlen(s->guest_user)),
	    s->agent_vsock ? "vsock:" : "unix:", s->agent_path);
}

void
session_begin(struct session *s)
{
	if (msb_set_nonblock(s->mon_fd, 1) != 0 || msb_set_nonblock(s->mux_fd, 1) != 0)
		fatal_f("fcntl: %s", strerror(errno));
	struct msb_mux hello = { .type = MSB_MUX_HELLO, .version = MSB_MUX_VERSION };
	mux_send(s, &hello);
	s->last_activity = msb_now_ms();
}

void
session_end(struct session *s)
{
	for (size_t i = 0; i < s->nchans; i++) {
		record_close(s, s->chans[i]);
		audit_close(s, s->chans[i]);
		chan_free(s->chans[i]);
	}
	s->nchans = 0;
	/* The audit records still open: the monitor gets a moment to take them. */
	if (msb_set_nonblock(s->mon_fd, 0) != 0 || msb_flush_buf(s->mon_fd, &s->mon_out) != 0)
		verbose_f("monitor: %s", strerror(errno));
	msb_buf_free(&s->mon_out);
	msb_buf_free(&s->mux_in);
	msb_buf_free(&s->mux_out);
	msb_buf_free(&s->mon_in);
	msb_buf_free(&s->rec_line);
	for (size_t i = 0; i < s->nmon_fds; i++)
		close(s->mon_fds[i]);
	s->nmon_fds = 0;
	free(s->user);
	free(s->guest_user);
	free(s->command);
	free(s->env_allow);
	free(s->sftp_deny);
	free(s->sftp_allow);
	free(s->agent_path);
}
