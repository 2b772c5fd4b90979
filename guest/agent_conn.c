/*
 * One connection: hello, one request, then the request's own handler.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "lib/agent_io.h"
#include "lib/clock.h"
#include "guest_user.h"
#include "lib/log.h"
#include "guest/sftp/sftp_server.h"

int
agent_reply_error(int fd, struct msb_buf *out, uint32_t code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char esc[sizeof(msg) + 64];
	/* msg quotes the request: a user name, a path, a command. */
	verbose_f("%s: %s", msb_agent_err_name(code),
	    msb_log_escape(esc, sizeof(esc), msg, strlen(msg)));
	if (msb_agent_put_error(out, code, msg) != 0 || msb_flush_buf(fd, out) != 0)
		debug_f("cannot send error reply: %s", strerror(errno));
	return 1;
}

static int
reply_ok(int fd, struct msb_buf *out)
{
	if (msb_agent_put_ok(out) != 0 || msb_flush_buf(fd, out) != 0) {
		verbose_f("cannot send OK: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
serve_sftp(int fd, struct msb_buf *out, const struct msb_agent_sftp *req)
{
	const char *name = req->user[0] != '\0' ? req->user : "root";
	const char *deny = req->deny != NULL && req->deny[0] != '\0' ? req->deny : NULL;
	const char *allow = (req->flags & MSB_SFTP_F_ALLOW) != 0 ?
	    (req->allow != NULL ? req->allow : "") : NULL;
	struct msb_sftp_policy policy;
	struct guest_user u;
	char err[256];

	/* The host checked the lists too; an agent never serves a policy it
	 * does not understand in full. */
	if (msb_sftp_policy_set(&policy, (req->flags & MSB_SFTP_F_READ_ONLY) != 0,
	    deny, allow, err, sizeof(err)) != 0)
		return agent_reply_error(fd, out, MSB_AGENT_E_PROTOCOL, "%s", err);
	if (guest_user_lookup(name, &u) != 0)
		return agent_reply_error(fd, out, MSB_AGENT_E_NO_USER,
		    "unknown user '%s'", name);
	if (guest_user_become(&u) != 0)
		return agent_reply_error(fd, out, MSB_AGENT_E_PERMISSION,
		    "cannot switch to user '%s': %s", name, strerror(errno));
	/* Relative paths in SFTP are relative to the login directory. */
	if (chdir(u.home) != 0 && chdir("/") != 0)
		return agent_reply_error(fd, out, MSB_AGENT_E_CWD,
		    "no usable directory for '%s'", name);
	if (setenv("HOME", u.home, 1) != 0)
		return agent_reply_error(fd, out, MSB_AGENT_E_INTERNAL, "setenv failed");
	if (reply_ok(fd, out) != 0)
		return 1;
	struct msb_sftp_opts opts = { .home = u.home, .policy = &policy };
	return msb_sftp_serve(fd, fd, &opts) == 0 ? 0 : 1;
}

static int
serve_info(const struct agent_ctx *ctx, int fd, struct msb_buf *out)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "");
	host[sizeof(host) - 1] = '\0';
	struct msb_agent_info info = {
		.software = AGENT_SOFTWARE,
		.protocol = MSB_AGENT_VERSION,
		.uptime_ms = (uint64_t)(msb_now_ms() - ctx->start_ms),
		.hostname = host,
	};
	if (msb_agent_put_info(out, &info) != 0 || msb_flush_buf(fd, out) != 0)
		return 1;
	return 0;
}

static int
serve_shutdown(int fd, struct msb_buf *out, uint32_t mode)
{
	if (mode != MSB_SHUTDOWN_POWEROFF && mode != MSB_SHUTDOWN_REBOOT)
		return agent_reply_error(fd, out, MSB_AGENT_E_PROTOCOL,
		    "unknown shutdown mode %u", mode);
	/* The accept loop owns shutdown (as PID 1 it powers the VM off; on
	 * the host it exits): ask it by signal, as init(8) is asked. */
	int sig = mode == MSB_SHUTDOWN_REBOOT ? SIGUSR2 : SIGTERM;
	if (reply_ok(fd, out) != 0)
		return 1;
	if (kill(getppid(), sig) != 0)
		fatal_f("kill: %s", strerror(errno));
	return 0;
}

static int
dispatch(const struct agent_ctx *ctx, int fd, struct msb_buf *out, uint8_t type,
    const uint8_t *body, size_t len)
{
	int rc;

	switch (type) {
	case MSB_AGENT_EXEC: {
		struct msb_agent_exec req;
		if (msb_agent_get_exec(body, len, &req) != 0)
			break;
		rc = agent_exec(fd, out, &req);
		msb_agent_exec_free(&req);
		return rc;
	}
	case MSB_AGENT_SFTP: {
		struct msb_agent_sftp req;
		if (msb_agent_get_sftp(body, len, &req) != 0)
			break;
		rc = serve_sftp(fd, out, &req);
		msb_agent_sftp_free(&req);
		return rc;
	}
	case MSB_AGENT_CONNECT: {
		struct msb_agent_connect req;
		if (msb_agent_get_connect(body, len, &req) != 0)
			break;
		rc = agent_connect(fd, out, &req);
		msb_agent_connect_free(&req);
		return rc;
	}
	case MSB_AGENT_INFO:
		if (len != 0)
			break;
		return serve_info(ctx, fd, out);
	case MSB_AGENT_SHUTDOWN: {
		uint32_t mode;
		if (msb_agent_get_u32_msg(body, len, &mode) != 0)
			break;
		return serve_shutdown(fd, out, mode);
	}
	default:
		return agent_reply_error(fd, out, MSB_AGENT_E_PROTOCOL,
		    "unexpected request %s (%u)", msb_agent_msg_name(type), type);
	}
	return agent_reply_error(fd, out, MSB_AGENT_E_PROTOCOL,
	    "malformed %s request", msb_agent_msg_name(type));
}

int
agent_serve_conn(const struct agent_ctx *ctx, int fd)
{
	struct msb_buf in, out;
	struct msb_agent_hello hello;
	const uint8_t *body;
	size_t len;
	uint8_t type;
	int rc;

	msb_buf_init(&in, MSB_AGENT_MAX_FRAME + 4);
	msb_buf_init(&out, MSB_AGENT_MAX_FRAME + 4);
	rc = msb_read_frame(fd, &in, AGENT_HANDSHAKE_MS, &type, &body, &len);
	if (rc <= 0) {
		verbose_f("no hello: %s", rc == 0 ? "connection closed" : strerror(errno));
		return 1;
	}
	if (type != MSB_AGENT_HELLO || msb_agent_get_hello(body, len, &hello) != 0 ||
	    hello.magic != MSB_AGENT_MAGIC)
		return agent_reply_error(fd, &out, MSB_AGENT_E_PROTOCOL, "expected hello");
	uint32_t version = hello.version;
	msb_agent_hello_free(&hello);
	msb_agent_frame_consume(&in, len);

	struct msb_agent_hello mine = {
		.magic = MSB_AGENT_MAGIC,
		.version = MSB_AGENT_VERSION,
		.software = AGENT_SOFTWARE,
	};
	if (msb_agent_put_hello(&out, &mine) != 0 || msb_flush_buf(fd, &out) != 0)
		return 1;
	if (version != MSB_AGENT_VERSION)
		return agent_reply_error(fd, &out, MSB_AGENT_E_VERSION,
		    "protocol version %u is not supported (agent speaks %u)",
		    version, MSB_AGENT_VERSION);

	rc = msb_read_frame(fd, &in, AGENT_HANDSHAKE_MS, &type, &body, &len);
	if (rc <= 0) {
		verbose_f("no request: %s", rc == 0 ? "connection closed" : strerror(errno));
		return 1;
	}
	debug_f("request %s", msb_agent_msg_name(type));
	rc = dispatch(ctx, fd, &out, type, body, len);
	msb_buf_free(&in);
	msb_buf_free(&out);
	return rc;
}
