#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "listener.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "source_group.h"
#include "idle_stop.h"
#include "host/spawn.h"

#define MAX_CONNS   MSB_LISTENER_MAX_CONNS
/* Addresses remembered for penalties; the stalest is forgotten first. */
#define MAX_SOURCES 128
#define MAX_FAILS   16
/* How long monitors get to end after SIGTERM before SIGKILL. */
#define SHUTDOWN_MS 5000
/* Pause after accept() fails for lack of descriptors or memory. */
#define ACCEPT_BACKOFF_MS 100

struct conn {
	pid_t pid;
	int status_fd;   /* -1 once answered */
	bool authed;
	char addr[INET6_ADDRSTRLEN];
	char source[MSB_SOURCE_GROUP_LEN];
	char sandbox[MSB_STATUS_LINE_MAX];  /* once authed */
	char line[MSB_STATUS_LINE_MAX];     /* the status line so far */
	size_t line_len;
};

struct source {
	char addr[MSB_SOURCE_GROUP_LEN];
	int64_t fails[MAX_FAILS];  /* times of the latest failures, ms */
	unsigned nfails;
	int64_t penalty_until;
	int64_t last;
};

struct listener {
	const struct msb_listener_limits *lim;
	const char *monitor;
	char *const *argv;
	sigset_t mask;             /* what monitors start with */
	struct conn conns[MAX_CONNS];
	size_t nconns;
	struct source sources[MAX_SOURCES];
	size_t nsources;
	struct idle_stop idle;
};


static void
addr_text(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t buflen, char *port,
    size_t portlen)
{
	if (getnameinfo((const struct sockaddr *)ss, len, buf, (socklen_t)buflen, port,
	    (socklen_t)portlen, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, buflen, "?");
		if (port != NULL)
			snprintf(port, portlen, "?");
	}
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return sin6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

int
msb_listen(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_ADDRCONFIG };
	struct addrinfo *res, *ai;
	int fd = -1, err = 0;

	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		error("cannot listen on %s:%s: %s", host, port, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		int one = 1;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		error("cannot listen on %s:%s: %s", host, port, strerror(err));
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char h[INET6_ADDRSTRLEN], p[16];
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		error("getsockname: %s", strerror(errno));
		close(fd);
		return -1;
	}
	addr_text(&ss, len, h, sizeof(h), p, sizeof(p));
	if (!is_loopback(&ss))
		error("warning: %s is not a loopback address: anyone who can reach this host "
		    "can try to log in to the sandbox", h);
	info(ss.ss_family == AF_INET6 ? "listening on [%s]:%s" : "listening on %s:%s", h, p);
	return fd;
}

static struct source *
source_find(struct listener *l, const char *addr, bool create)
{
	struct source *stalest = NULL;

	for (size_t i = 0; i < l->nsources; i++) {
		if (strcmp(l->sources[i].addr, addr) == 0)
			return &l->sources[i];
		if (stalest == NULL || l->sources[i].last < stalest->last)
			stalest = &l->sources[i];
	}
	if (!create)
		return NULL;
	struct source *s = l->nsources < MAX_SOURCES ? &l->sources[l->nsources++] : stalest;
	memset(s, 0, sizeof(*s));
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	return s;
}

static void
source_failed(struct listener *l, const char *addr, const char *what)
{
	int64_t now = msb_now_ms(), window = (int64_t)l->lim->penalty_window_s * 1000;
	struct source *s = source_find(l, addr, true);
	unsigned recent = 0;

	s->last = now;
	s->fails[s->nfails++ % MAX_FAILS] = now;
	for (unsigned i = 0; i < MAX_FAILS && i < s->nfails; i++)
		recent += now - s->fails[i] <= window;
	verbose_f("source %s: %s (%u in the last %u s)", addr, what, recent,
	    l->lim->penalty_window_s);
	if (l->lim->penalty_s > 0 && recent >= l->lim->penalty_fails && s->penalty_until <= now) {
		s->penalty_until = now + (int64_t)l->lim->penalty_s * 1000;
		s->nfails = 0;
		info("%s failed to authenticate %u times within %u s: refusing its connections "
		    "for %u s", addr, recent, l->lim->penalty_window_s, l->lim->penalty_s);
	}
}

static bool
penalized(struct listener *l, const char *addr)
{
	struct source *s = source_find(l, addr, false);

	return s != NULL && s->penalty_until > msb_now_ms();
}

/* PerSourceMaxStartups: this source's unauthenticated connections. */
static bool
too_many_from(const struct listener *l, const char *source)
{
	unsigned unauth = 0;

	for (size_t i = 0; i < l->nconns; i++)
		unauth += !l->conns[i].authed && strcmp(l->conns[i].source, source) == 0;
	return unauth >= l->lim->per_source_startups;
}

/* MaxStartups start:rate:full: refuse with a probability rising from rate% to 100%. */
static bool
too_many_startups(const struct listener *l)
{
	const struct msb_listener_limits *lim = l->lim;
	unsigned unauth = 0;

	for (size_t i = 0; i < l->nconns; i++)
		unauth += !l->conns[i].authed;
	if (l->nconns >= MAX_CONNS || unauth >= lim->startups_full)
		return true;
	if (unauth < lim->startups_begin)
		return false;
	unsigned p = lim->startups_rate + (100 - lim->startups_rate) *
	    (unauth - lim->startups_begin) / (lim->startups_full - lim->startups_begin);
	return arc4random_uniform(100) < p;
}

static void
accept_one(struct listener *l, int lfd, int64_t *backoff_until)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN], port[16], source[MSB_SOURCE_GROUP_LEN];
	int p[2];

	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			error("accept: %s", strerror(errno));
			*backoff_until = msb_now_ms() + ACCEPT_BACKOFF_MS;
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			error("accept: %s", strerror(errno));
		}
		return;
	}
	addr_text(&ss, len, addr, sizeof(addr), port, sizeof(port));
	msb_source_group((const struct sockaddr *)&ss, source);
	if (penalized(l, source)) {
		verbose_f("refused %s port %s: penalized for failed authentications", addr, port);
		close(fd);
		return;
	}
	if (too_many_from(l, source)) {
		info("refused %s port %s: too many unauthenticated connections from %s", addr,
		    port, source);
		close(fd);
		return;
	}
	if (too_many_startups(l)) {
		info("refused %s port %s: too many unauthenticated connections", addr, port);
		close(fd);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) {
		error("socketpair: %s", strerror(errno));
		close(fd);
		return;
	}
	int fds[2] = { fd, p[1] };
	pid_t pid = msb_spawn(l->monitor, l->argv, fds, 2, NULL, &l->mask, 0);
	close(fd);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
		error_f("fcntl: %s", strerror(errno));
	struct conn *c = &l->conns[l->nconns++];
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->status_fd = p[0];
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	snprintf(c->source, sizeof(c->source), "%s", source);
	verbose_f("connection from %s port %s: monitor %ld", addr, port, (long)pid);
}

/* Authenticated connections to sandbox. */
static unsigned
connections_to(const struct listener *l, const char *sandbox)
{
	unsigned n = 0;

	for (size_t i = 0; i < l->nconns; i++)
		n += l->conns[i].authed && strcmp(l->conns[i].sandbox, sandbox) == 0;
	return n;
}

/*
 * The monitor's "auth-ok SANDBOX\n": admitted unless SANDBOX is at
 * max_connections. The answer ends the conversation; anything else from
 * the monitor ends it unanswered (the monitor then turns the client away).
 */
static void
read_status(struct listener *l, struct conn *c)
{
	size_t room = sizeof(c->line) - c->line_len;
	ssize_t r = read(c->status_fd, c->line + c->line_len, room);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0)
		c->line_len += (size_t)r;
	char *nl = r > 0 ? memchr(c->line, '\n', c->line_len) : NULL;
	if (r > 0 && nl == NULL && c->line_len < sizeof(c->line))
		return;
	size_t pre = strlen(MSB_STATUS_AUTH_OK);
	if (nl != NULL && (size_t)(nl - c->line) > pre &&
	    memcmp(c->line, MSB_STATUS_AUTH_OK, pre) == 0) {
		*nl = '\0';
		const char *sandbox = c->line + pre;
		unsigned open = connections_to(l, sandbox);
		bool full = open >= l->lim->max_connections;
		const char *ans = full ? MSB_STATUS_FULL : MSB_STATUS_ADMIT;
		if (write(c->status_fd, ans, strlen(ans)) != (ssize_t)strlen(ans))
			error_f("status socket of monitor %ld: %s", (long)c->pid, strerror(errno));
		else if (full)
			info("refused %s: sandbox '%s' has %u connections (--max-connections)",
			    c->addr, sandbox, open);
		else
			c->authed = true;
		snprintf(c->sandbox, sizeof(c->sandbox), "%s", sandbox);
		if (c->authed)
			idle_stop_opened(&l->idle, c->sandbox);
	} else if (r > 0) {
		error_f("monitor %ld: malformed status line", (long)c->pid);
	}
	close(c->status_fd);
	c->status_fd = -1;
}

static void
reap(struct listener *l)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < l->nconns; i++) {
			struct conn *c = &l->conns[i];
			if (c->pid != pid)
				continue;
			verbose_f("monitor %ld for %s ended (status %d)", (long)pid, c->addr,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			if (WIFEXITED(status) && WEXITSTATUS(status) == MSB_MONITOR_EXIT_AUTH_FAIL)
				source_failed(l, c->source, "failed to authenticate");
			else if (WIFEXITED(status) && WEXITSTATUS(status) == MSB_MONITOR_EXIT_NOAUTH)
				source_failed(l, c->source, "left without authenticating");
			if (c->status_fd >= 0)
				close(c->status_fd);
			if (c->authed)
				idle_stop_closed(&l->idle, c->sandbox, msb_now_ms());
			l->conns[i] = l->conns[--l->nconns];
			break;
		}
	}
	if (pid < 0 && errno != ECHILD)
		error_f("waitpid: %s", strerror(errno));
}

static void
signal_all(struct listener *l, int sig)
{
	for (size_t i = 0; i < l->nconns; i++) {
		if (kill(l->conns[i].pid, sig) != 0 && errno != ESRCH)
			error_f("kill %ld: %s", (long)l->conns[i].pid, strerror(errno));
	}
}

int
msb_listener_run(int lfd, const char *monitor, char *const argv[],
    const struct msb_listener_limits *limits)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGCHLD, 0 };
	struct listener *l = calloc(1, sizeof(*l));
	struct pollfd pfds[2 + MAX_CONNS];
	size_t owner[2 + MAX_CONNS];
	int64_t backoff_until = 0, shutdown_deadline = 0;
	bool killed = false;

	if (l == NULL)
		fatal_f("out of memory");
	l->lim = limits;
	l->idle.after_s = limits->idle_stop_s;
	l->monitor = monitor;
	l->argv = argv;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal_f("signal: %s", strerror(errno));
	int sfd = msb_signalfd(sigs, &l->mask);
	for (;;) {
		int64_t now = msb_now_ms();
		size_t n = 0;
		int timeout = -1;

		if (lfd >= 0 && now >= backoff_until) {
			pfds[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		} else if (lfd >= 0) {
			timeout = (int)(backoff_until - now);
		}
		pfds[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (size_t i = 0; i < l->nconns; i++) {
			if (l->conns[i].status_fd < 0)
				continue;
			owner[n] = i;
			pfds[n++] = (struct pollfd){ .fd = l->conns[i].status_fd, .events = POLLIN };
		}
		if (lfd < 0 && l->nconns == 0)
			break;
		int idle = lfd >= 0 ? idle_stop_tick(&l->idle, now, &l->mask) : -1;
		if (idle >= 0 && (timeout < 0 || idle < timeout))
			timeout = idle;
		if (lfd < 0)
			timeout = killed ? 1000 : (int)(shutdown_deadline > now ? shutdown_deadline - now : 0);
		if (poll(pfds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fatal_f("poll: %s", strerror(errno));
		}
		if (lfd < 0 && !killed && msb_now_ms() >= shutdown_deadline) {
			info("monitors still running after %d s: killing them", SHUTDOWN_MS / 1000);
			signal_all(l, SIGKILL);
			killed = true;
		}
		/* Status pipes first: conns may move when the reaper removes one. */
		for (size_t i = 0; i < n; i++) {
			if (pfds[i].fd != lfd && pfds[i].fd != sfd && pfds[i].revents != 0)
				read_status(l, &l->conns[owner[i]]);
		}
		for (size_t i = 0; i < n; i++) {
			if (pfds[i].fd == sfd && pfds[i].revents != 0) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGCHLD || lfd < 0)
						continue;
					info("shutting down (signal %u)", si.ssi_signo);
					close(lfd);
					lfd = -1;
					shutdown_deadline = msb_now_ms() + SHUTDOWN_MS;
					signal_all(l, SIGTERM);
				}
				reap(l);
			} else if (pfds[i].fd == lfd && lfd >= 0 && pfds[i].revents != 0) {
				accept_one(l, lfd, &backoff_until);
			}
		}
	}
	close(sfd);
	free(l);
	return 0;
}
