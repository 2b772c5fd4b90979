#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/kv_file.h"
#include "lib/log.h"
#include "lib/safe_file.h"
#include "sandbox.h"

void
sandbox_config_defaults(struct sandbox_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->image, SANDBOX_DEFAULT_IMAGE);
	c->memory_mib = SANDBOX_DEFAULT_MEMORY;
	c->cpus = SANDBOX_DEFAULT_CPUS;
	c->disk_bytes = SANDBOX_DEFAULT_DISK;
	c->net = SANDBOX_NET_NONE;
	c->accel = SANDBOX_ACCEL_AUTO;
}

int
parse_size(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	/* Accept the "iB"/"B" spellings people type: 4GiB, 4GB. */
	if (shift != 0 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (*end != '\0' || (shift != 0 && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static const char *const net_names[] = { "none", "user", "user,host-loopback" };
static const char *const accel_names[] = { "auto", "kvm", "tcg" };
static const char *const state_names[] = { "stopped", "starting", "running", "crashed" };

const char *sandbox_net_name(enum sandbox_net n) { return net_names[n]; }
const char *sandbox_accel_name(enum sandbox_accel a) { return accel_names[a]; }
const char *sandbox_state_name(enum sandbox_state s) { return state_names[s]; }

static int
lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

int
sandbox_net_parse(const char *s, enum sandbox_net *out)
{
	int i = lookup(s, net_names, sizeof(net_names) / sizeof(net_names[0]));

	if (i < 0)
		return -1;
	*out = (enum sandbox_net)i;
	return 0;
}

bool sandbox_net_user(enum sandbox_net n) { return n != SANDBOX_NET_NONE; }
bool sandbox_net_host_access(enum sandbox_net n) { return n == SANDBOX_NET_USER_HOST; }

const char *
sandbox_net_caveat(enum sandbox_net n)
{
	if (n != SANDBOX_NET_USER || geteuid() == 0)
		return NULL;
	return "not running as root: host isolation is off (no nftables filter): the guest "
	    "reaches this host's own addresses, and its loopback with crafted packets";
}

int
sandbox_accel_parse(const char *s, enum sandbox_accel *out)
{
	int i = lookup(s, accel_names, 3);

	if (i < 0)
		return -1;
	*out = (enum sandbox_accel)i;
	return 0;
}

static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
sandbox_forward_parse(const char *s, struct sandbox_forward *out)
{
	char text[64], *addr, *hport, *gport;
	struct in_addr in;
	unsigned long long h, g;

	if (strncmp(s, "tcp:", 4) != 0 || strlen(s + 4) >= sizeof(text))
		return -1;
	strcpy(text, s + 4);
	addr = text;
	if ((hport = strchr(addr, ':')) == NULL)
		return -1;
	*hport++ = '\0';
	if ((gport = strchr(hport, ':')) == NULL)
		return -1;
	*gport++ = '\0';
	if (strlen(addr) >= sizeof(out->host_addr) || inet_pton(AF_INET, addr, &in) != 1 ||
	    parse_uint(hport, UINT16_MAX, &h) != 0 || h == 0 ||
	    parse_uint(gport, UINT16_MAX, &g) != 0 || g == 0)
		return -1;
	strcpy(out->host_addr, addr);
	out->host_port = (uint16_t)h;
	out->guest_port = (uint16_t)g;
	return 0;
}

static int
config_kv(const char *k, const char *v, void *arg)
{
	struct sandbox_config *c = arg;
	unsigned long long u;
	const char *why;

	if (strcmp(k, "image") == 0) {
		if (msb_name_check(v, &why) != 0)
			return -1;
		strcpy(c->image, v);
	} else if (strcmp(k, "memory_mib") == 0) {
		if (parse_uint(v, SANDBOX_MAX_MEMORY, &u) != 0 || u < 64)
			return -1;
		c->memory_mib = (unsigned)u;
	} else if (strcmp(k, "cpus") == 0) {
		if (parse_uint(v, SANDBOX_MAX_CPUS, &u) != 0 || u == 0)
			return -1;
		c->cpus = (unsigned)u;
	} else if (strcmp(k, "disk_bytes") == 0) {
		if (parse_uint(v, SANDBOX_MAX_DISK, &u) != 0)
			return -1;
		c->disk_bytes = u;
	} else if (strcmp(k, "net") == 0) {
		return sandbox_net_parse(v, &c->net);
	} else if (strcmp(k, "accel") == 0) {
		return sandbox_accel_parse(v, &c->accel);
	} else if (strcmp(k, "uid") == 0) {
		if (parse_uint(v, SANDBOX_UID_BASE + SANDBOX_UID_COUNT - 1, &u) != 0 ||
		    u < SANDBOX_UID_BASE)
			return -1;
		c->uid = (uid_t)u;
	} else if (strcmp(k, "forward") == 0) {
		if (c->nforwards == SANDBOX_MAX_FORWARDS ||
		    sandbox_forward_parse(v, &c->forwards[c->nforwards]) != 0)
			return -1;
		c->nforwards++;
	} else {
		return -1;
	}
	return 0;
}

int
sandbox_config_read(const char *path, struct sandbox_config *c)
{
	sandbox_config_defaults(c);
	return msb_kv_read(path, config_kv, c);
}

int
sandbox_config_write(const char *path, const struct sandbox_config *c)
{
	char text[1024];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text),
	    "image=%s\nmemory_mib=%u\ncpus=%u\ndisk_bytes=%" PRIu64 "\nnet=%s\naccel=%s\n",
	    c->image, c->memory_mib, c->cpus, c->disk_bytes,
	    sandbox_net_name(c->net), sandbox_accel_name(c->accel));
	for (unsigned i = 0; i < c->nforwards && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "forward=tcp:%s:%u:%u\n",
		    c->forwards[i].host_addr, c->forwards[i].host_port, c->forwards[i].guest_port);
	if (c->uid != 0 && n < sizeof(text))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "uid=%lu\n", (unsigned long)c->uid);
	if (n >= sizeof(text)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return msb_safe_publish_path(path, text, n, 0644, true);
}

int
sandbox_path(char *buf, size_t len, const char *name, const char *file)
{
	if (file == NULL)
		return msb_home_path(buf, len, "sandboxes/%s", name);
	return msb_home_path(buf, len, "sandboxes/%s/%s", name, file);
}

bool
sandbox_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return sandbox_path(path, sizeof(path), name, "config") == 0 &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
sandbox_lock(const char *name)
{
	char path[PATH_MAX];

	if (sandbox_path(path, sizeof(path), name, "vmm.lock") != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
sandbox_serve_hold(const char *name)
{
	char path[PATH_MAX];

	if (sandbox_path(path, sizeof(path), name, "serve.lock") != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_SH) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

bool
sandbox_served(const char *name)
{
	char path[PATH_MAX];
	bool held = false;

	if (sandbox_path(path, sizeof(path), name, "serve.lock") != 0)
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	return held;
}

int
sandbox_state_write(const char *name, const struct sandbox_status *st)
{
	char path[PATH_MAX], text[1024];

	if (sandbox_path(path, sizeof(path), name, "state") != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(text, sizeof(text),
	    "state=%s\nvmm_pid=%d\nqemu_pid=%d\naccel=%s\nstarted_at=%" PRId64 "\nreason=%s\n",
	    sandbox_state_name(st->state), (int)st->vmm_pid, (int)st->qemu_pid,
	    st->accel, st->started_at, st->reason);
	return msb_safe_publish_path(path, text, strlen(text), 0644, true);
}

static int
state_kv(const char *k, const char *v, void *arg)
{
	struct sandbox_status *st = arg;
	unsigned long long u;

	if (strcmp(k, "state") == 0) {
		int i = lookup(v, state_names, 4);
		if (i < 0)
			return -1;
		st->state = (enum sandbox_state)i;
	} else if (strcmp(k, "vmm_pid") == 0 || strcmp(k, "qemu_pid") == 0) {
		if (parse_uint(v, INT32_MAX, &u) != 0)
			return -1;
		*(k[0] == 'v' ? &st->vmm_pid : &st->qemu_pid) = (pid_t)u;
	} else if (strcmp(k, "accel") == 0) {
		if (strlen(v) >= sizeof(st->accel))
			return -1;
		strcpy(st->accel, v);
	} else if (strcmp(k, "started_at") == 0) {
		if (parse_uint(v, INT64_MAX, &u) != 0)
			return -1;
		st->started_at = (int64_t)u;
	} else if (strcmp(k, "reason") == 0) {
		snprintf(st->reason, sizeof(st->reason), "%s", v);
	}
	return 0;
}

int
sandbox_status_read(const char *name, struct sandbox_status *st)
{
	char path[PATH_MAX];

	memset(st, 0, sizeof(*st));
	st->state = SANDBOX_STOPPED;
	if (sandbox_path(path, sizeof(path), name, "state") != 0)
		return -1;
	if (access(path, F_OK) == 0 && msb_kv_read(path, state_kv, st) != 0)
		return -1;
	if (sandbox_path(path, sizeof(path), name, "vmm.lock") != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	bool alive = false;
	if (fd >= 0) {
		alive = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
		close(fd);
	}
	if (alive)
		return 0;
	if (st->state == SANDBOX_STARTING || st->state == SANDBOX_RUNNING) {
		st->state = SANDBOX_CRASHED;
		snprintf(st->reason, sizeof(st->reason), "the vmm (pid %d) died without cleaning up",
		    (int)st->vmm_pid);
	}
	st->vmm_pid = 0;
	st->qemu_pid = 0;
	return 0;
}
