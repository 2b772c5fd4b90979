#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "auth.h"
#include "channels.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/mem_trim.h"
#include "serve.h"

/*
 * After this long without traffic, the connection gives back the heap and
 * code pages it touched while busy (kex, authentication, channel setup);
 * the idle loop needs few of them, and a busy one faults them back in.
 */
#define QUIET_TRIM_MS 2000

enum phase { PHASE_KEX, PHASE_AUTH, PHASE_RELAY };

struct conn {
	const struct serve_params *p;
	ssh_event event;
	enum phase phase;
	struct chan_relay relay;
	short mux_events;
	bool monitor_gone;
	bool wake;       /* something happened in a nested poll: look again at once */
};

static int
on_monitor(socket_t fd, int revents, void *userdata)
{
	struct conn *c = userdata;
	char byte;

	/* The monitor speaks only when asked (answers are read synchronously),
	 * so anything readable here is its end closing, or a protocol error. */
	ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || n > 0) {
		if (n > 0)
			error_f("unsolicited message from the monitor");
		c->monitor_gone = true;
	}
	c->wake = true;
	return 0;
}

static int
on_mux(socket_t fd, int revents, void *userdata)
{
	struct conn *c = userdata;

	if ((revents & POLLOUT) && mux_link_flush(&c->relay.mux) != 0)
		c->relay.failed = true;
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && mux_link_fill(&c->relay.mux) != 0)
		c->relay.failed = true;
	c->wake = true;
	return 0;
}

static int
watch_mux(struct conn *c, short events)
{
	if (events == c->mux_events)
		return 0;
	if (c->mux_events != 0 && ssh_event_remove_fd(c->event, c->p->mux_fd) != SSH_OK)
		return -1;
	c->mux_events = events;
	return ssh_event_add_fd(c->event, c->p->mux_fd, events, on_mux, c) == SSH_OK ? 0 : -1;
}


static bool
step_kex(struct conn *c)
{
	int rc = ssh_handle_key_exchange(c->p->session);

	if (rc == SSH_AGAIN)
		return true;
	if (rc != SSH_OK) {
		const char *e = ssh_get_error(c->p->session);
		char esc[1024];
		verbose_f("key exchange failed: %s", msb_log_escape(esc, sizeof(esc), e, strlen(e)));
		return false;
	}
	debug_f("key exchange done");
	c->phase = PHASE_AUTH;
	c->wake = true;
	return true;
}

static bool
step_messages(struct conn *c)
{
	ssh_message msg;

	while (c->phase != PHASE_KEX && (msg = ssh_message_get(c->p->session)) != NULL) {
		if (c->phase == PHASE_RELAY) {
			chan_relay_message(&c->relay, msg);
			continue;
		}
		switch (preauth_auth_message(c->p->mon_fd, c->p->mon_in, msg)) {
		case AUTH_CONTINUE:
			break;
		case AUTH_DONE:
			info("authenticated");
			c->phase = PHASE_RELAY;
			chan_relay_start(&c->relay);
			break;
		case AUTH_DISCONNECT:
			return false;
		case AUTH_FULL:
			/* Said in the DISCONNECT, which OpenSSH's client prints. */
			if (ssh_session_set_disconnect_message(c->p->session,
			    "too many connections to this sandbox") != SSH_OK)
				error_f("cannot set the disconnect message");
			info("authenticated, but the sandbox has all the connections it may");
			return false;
		}
	}
	return true;
}

static bool
connected(const struct conn *c)
{
	int st = ssh_get_status(c->p->session);

	return (st & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

int
preauth_serve(const struct serve_params *p)
{
	struct conn c = { .p = p, .phase = PHASE_KEX };
	int64_t last_activity = msb_now_ms();
	int64_t idle_ms = (int64_t)p->idle_timeout_s * 1000;
	int status = 1;
	bool trimmed = false;

	chan_relay_init(&c.relay, p->mux_fd);
	/* The first step sends our banner and gives the session the poll
	 * context that ssh_event_add_session moves into the event. */
	if (!step_kex(&c))
		goto out;
	c.event = ssh_event_new();
	if (c.event == NULL || ssh_event_add_session(c.event, p->session) != SSH_OK ||
	    ssh_event_add_fd(c.event, p->mon_fd, POLLIN, on_monitor, &c) != SSH_OK ||
	    watch_mux(&c, POLLIN) != 0) {
		error_f("cannot set up the event loop");
		goto out;
	}
	c.wake = true;
	for (;;) {
		int timeout = -1;

		if (c.wake) {
			timeout = 0;
		} else if (c.phase == PHASE_RELAY) {
			int64_t idle = msb_now_ms() - last_activity;
			int64_t next = trimmed ? idle_ms : QUIET_TRIM_MS;

			if (!trimmed && idle_ms > 0 && idle_ms < next)
				next = idle_ms;
			if (next > 0)
				timeout = idle >= next ? 0 : (int)(next - idle);
		}
		c.wake = false;
		if (ssh_event_dopoll(c.event, timeout) == SSH_ERROR && !connected(&c))
			break;
		if (c.monitor_gone) {
			verbose_f("the monitor is gone");
			break;
		}
		if (c.phase == PHASE_KEX && !step_kex(&c))
			break;
		if (!step_messages(&c))
			break;
		if (c.phase == PHASE_RELAY) {
			chan_relay_mux_input(&c.relay);
			c.wake |= chan_relay_pump(&c.relay);
			if (mux_link_flush(&c.relay.mux) != 0)
				c.relay.failed = true;
			if (c.relay.failed)
				break;
			if (c.relay.activity) {
				c.relay.activity = false;
				last_activity = msb_now_ms();
				trimmed = false;
			} else if (idle_ms > 0 && msb_now_ms() - last_activity >= idle_ms) {
				info("idle for %u s: closing the connection", p->idle_timeout_s);
				status = 0;
				break;
			} else if (!trimmed && msb_now_ms() - last_activity >= QUIET_TRIM_MS) {
				msb_mem_trim();
				trimmed = true;
			}
			if (watch_mux(&c, mux_link_want_write(&c.relay.mux) ?
			    POLLIN | POLLOUT : POLLIN) != 0)
				break;
		}
		if (!connected(&c)) {
			verbose_f("the client disconnected");
			status = c.phase == PHASE_RELAY ? 0 : 1;
			break;
		}
	}
	if (connected(&c))
		ssh_disconnect(p->session);
out:
	if (c.event != NULL) {
		if (c.mux_events != 0 && ssh_event_remove_fd(c.event, p->mux_fd) != SSH_OK)
			verbose_f("removing the mux from the event failed");
		if (ssh_event_remove_fd(c.event, p->mon_fd) != SSH_OK)
			verbose_f("removing the monitor from the event failed");
		if (ssh_event_remove_session(c.event, p->session) != SSH_OK)
			debug_f("the session had left the event already");
		ssh_event_free(c.event);
	}
	chan_relay_free(&c.relay);
	return status;
}
