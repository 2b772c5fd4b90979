/*
 * msb-agent: the guest side of msb. As PID 1 in the microVM it boots the
 * guest (guest/init/) and listens on AF_VSOCK; on the host, for tests, it
 * listens on a Unix socket. Everything after accept() is the same.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "agent.h"
#include "lib/agent_io.h"
#include "agent_peer.h"
#include "lib/clock.h"
#include "guest/init/init.h"
#include "lib/log.h"
#include "lib/signals.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: msb-agent [--listen unix:PATH | --listen vsock:PORT] [--log-level LEVEL]\n"
	    "As PID 1 the default is vsock:%u.\n", MSB_AGENT_VSOCK_PORT);
	exit(2);
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(sun.sun_path))
		fatal("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	/* Replace a stale socket from an earlier run, never any other file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatal("%s exists and is not a socket", path);
		if (unlink(path) != 0)
			fatal("unlink %s: %s", path, strerror(errno));
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal_f("socket: %s", strerror(errno));
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0)
		fatal("bind %s: %s", path, strerror(errno));
	if (listen(fd, 128) != 0)
		fatal_f("listen: %s", strerror(errno));
	return fd;
}

static int
listen_vsock(unsigned port)
{
	struct sockaddr_vm svm = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = port,
	};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fatal("vsock socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&svm, sizeof(svm)) != 0)
		fatal("bind vsock port %u: %s", port, strerror(errno));
	if (listen(fd, 128) != 0)
		fatal_f("listen: %s", strerror(errno));
	return fd;
}

static int
open_listener(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0 && spec[5] != '\0')
		return listen_unix(spec + 5);
	if (strncmp(spec, "vsock:", 6) == 0) {
		char *end;
		errno = 0;
		unsigned long port = strtoul(spec + 6, &end, 10);
		if (errno != 0 || *end != '\0' || end == spec + 6 || port > UINT32_MAX - 1)
			fatal("bad vsock port in '%s'", spec);
		return listen_vsock((unsigned)port);
	}
	fatal("bad --listen '%s': expected unix:PATH or vsock:PORT", spec);
}

static void
spawn_handler(const struct agent_ctx *ctx, int lfd, int sfd, int conn,
    const sigset_t *saved_mask)
{
	pid_t pid = fork();

	if (pid < 0) {
		error_f("fork: %s", strerror(errno));
		close(conn);
		return;
	}
	if (pid == 0) {
		close(lfd);
		close(sfd);
		signal(SIGPIPE, SIG_IGN);
		sigprocmask(SIG_SETMASK, saved_mask, NULL);
		_exit(agent_serve_conn(ctx, conn));
	}
	close(conn);
}

static void
reap_all(void)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_ctx ctx = { .pid1 = getpid() == 1, .start_ms = msb_now_ms() };
	const char *listen_spec = NULL;
	enum msb_log_level level = MSB_LOG_INFO;
	char vsock_spec[32];
	int c;

	msb_log_init("msb-agent", level);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'L':
			msb_log_level_option(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (ctx.pid1) {
		if (msb_init_boot() != 0) {
			error("guest boot failed; powering off");
			msb_init_shutdown(0);
		}
		if (listen_spec == NULL) {
			snprintf(vsock_spec, sizeof(vsock_spec), "vsock:%u", MSB_AGENT_VSOCK_PORT);
			listen_spec = vsock_spec;
		}
	}
	if (listen_spec == NULL)
		usage();

	static const int handled[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR2, 0 };
	sigset_t saved_mask;
	int sfd = msb_signalfd(handled, &saved_mask);
	signal(SIGPIPE, SIG_IGN);
	int lfd = open_listener(listen_spec);
	info("ready: listening on %s", listen_spec);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal_f("poll: %s", strerror(errno));
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					continue;
				info("signal %u: %s", si.ssi_signo, ctx.pid1 ? "shutting down" : "exiting");
				if (ctx.pid1)
					msb_init_shutdown(si.ssi_signo == SIGUSR2);
				if (listen_spec[0] == 'u')
					unlink(listen_spec + 5);
				exit(0);
			}
			reap_all();
		}
		if (pfd[0].revents & POLLIN) {
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);
			char why[128];
			int conn = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
			if (conn < 0) {
				/* EMFILE and friends are transient: keep serving. */
				if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
					error_f("accept: %s", strerror(errno));
				continue;
			}
			if (!agent_peer_allowed(&peer, plen, why, sizeof(why))) {
				error("refused a connection from %s", why);
				if (close(conn) != 0)
					error_f("close: %s", strerror(errno));
				continue;
			}
			spawn_handler(&ctx, lfd, sfd, conn, &saved_mask);
		}
	}
}
