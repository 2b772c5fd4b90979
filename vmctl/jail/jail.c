#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "lib/log.h"
#include "host/msb_home.h"

/* Where the host's tree and the jail's root are while the root is built. */
#define OLD_ROOT "/oldroot"
#define NEW_ROOT "/newroot"

/* Host paths every jail gets read-only (symlinks, as on merged-/usr
 * systems, are recreated as symlinks): what QEMU, its libraries and
 * firmware, and the dynamic loader need. */
static const char *const system_paths[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
	"/etc/ld.so.cache",
};

/* Device nodes bound into the jail's /dev. */
static const char *const devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
};

pid_t
jail_clone(struct jail_spec *j)
{
	unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;

	if (j->net)
		flags |= CLONE_NEWNET;
	if (j->userns)
		flags |= CLONE_NEWUSER;
	j->outer_uid = getuid();
	j->outer_gid = getgid();
	/* A fork with namespaces: no stack given, the child goes on from here. */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0UL);
}

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int saved = errno;
	close(fd);
	errno = saved;
	return w == (ssize_t)n ? 0 : -1;
}

static int
map_ids(const struct jail_spec *j, char *err, size_t errlen)
{
	char map[64];

	if (write_file("/proc/self/setgroups", "deny") != 0)
		return msb_errf_errno(err, errlen, "user namespace: setgroups");
	snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)j->outer_uid,
	    (unsigned long)j->outer_uid);
	if (write_file("/proc/self/uid_map", map) != 0)
		return msb_errf_errno(err, errlen, "user namespace: uid_map");
	snprintf(map, sizeof(map), "%lu %lu 1\n", (unsigned long)j->outer_gid,
	    (unsigned long)j->outer_gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		return msb_errf_errno(err, errlen, "user namespace: gid_map");
	return 0;
}

/* The mount flags a read-only remount must keep (a user namespace may not drop them). */
static unsigned long
locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) != 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Creates root+path as an empty directory or file to mount on. */
static int
make_target(const char *target, bool dir)
{
	if (dir)
		return msb_mkdirs(target, 0755);
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", target);
	char *slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent) {
		*slash = '\0';
		if (msb_mkdirs(parent, 0755) != 0)
			return -1;
	}
	int fd = open(target, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	return close(fd);
}

/*
 * Binds host path path (seen at OLD_ROOT) at the same path under NEW_ROOT;
 * extra are flags for the remount.
 */
static int
bind(const char *path, bool ro, unsigned long extra, char *err, size_t errlen)
{
	char src[PATH_MAX], target[PATH_MAX];
	struct stat st;

	if (snprintf(src, sizeof(src), OLD_ROOT "%s", path) >= (int)sizeof(src) ||
	    snprintf(target, sizeof(target), NEW_ROOT "%s", path) >= (int)sizeof(target)) {
		errno = ENAMETOOLONG;
		return msb_errf_errno(err, errlen, "jail: %s", path);
	}
	if (lstat(src, &st) != 0)
		return msb_errf_errno(err, errlen, "jail: %s", path);
	if (S_ISLNK(st.st_mode)) {
		char to[PATH_MAX];
		ssize_t n = readlink(src, to, sizeof(to) - 1);
		if (n < 0)
			return msb_errf_errno(err, errlen, "jail: readlink %s", path);
		to[n] = '\0';
		if (symlink(to, target) != 0 && errno != EEXIST)
			return msb_errf_errno(err, errlen, "jail: symlink %s", target);
		return 0;
	}
	if (make_target(target, S_ISDIR(st.st_mode)) != 0)
		return msb_errf_errno(err, errlen, "jail: cannot create %s", target);
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) != 0)
		return msb_errf_errno(err, errlen, "jail: bind %s", path);
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | extra | locked_flags(src);
	if (ro)
		flags |= MS_RDONLY;
	if (mount(NULL, target, NULL, flags, NULL) != 0)
		return msb_errf_errno(err, errlen, "jail: remount %s", path);
	return 0;
}

static int
build_dev(bool kvm, char *err, size_t errlen)
{
	if (msb_mkdirs(NEW_ROOT "/dev", 0755) != 0 ||
	    mount("tmpfs", NEW_ROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") != 0)
		return msb_errf_errno(err, errlen, "jail: /dev");
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		if (bind(devices[i], false, MS_NOEXEC, err, errlen) != 0)
			return -1;
	}
	if (kvm && access(OLD_ROOT "/dev/kvm", F_OK) == 0 &&
	    bind("/dev/kvm", false, MS_NOEXEC, err, errlen) != 0)
		return -1;
	return 0;
}

/*
 * As bubblewrap does it: a tmpfs over /tmp becomes a scratch root with the
 * host's tree at OLD_ROOT, so that every host path, /tmp's included, can
 * be bound into NEW_ROOT; then NEW_ROOT becomes the root and the host's
 * tree is detached.
 */
static int
build_root(const struct jail_spec *j, char *err, size_t errlen)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return msb_errf_errno(err, errlen, "jail: make mounts private");
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") != 0 ||
	    mkdir("/tmp/newroot", 0755) != 0 || mkdir("/tmp/oldroot", 0755) != 0 ||
	    mount("tmpfs", "/tmp/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0)
		return msb_errf_errno(err, errlen, "jail: scratch root");
	if (syscall(SYS_pivot_root, "/tmp", "/tmp/oldroot") != 0 || chdir("/") != 0)
		return msb_errf_errno(err, errlen, "jail: pivot_root to the scratch root");
	for (size_t i = 0; i < sizeof(system_paths) / sizeof(system_paths[0]); i++) {
		char host[PATH_MAX];
		snprintf(host, sizeof(host), OLD_ROOT "%s", system_paths[i]);
		if (access(host, F_OK) != 0)
			continue;
		if (bind(system_paths[i], true, MS_NODEV, err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < JAIL_MAX_PATHS && j->ro[i] != NULL; i++) {
		if (bind(j->ro[i], true, MS_NODEV, err, errlen) != 0)
			return -1;
	}
	for (size_t i = 0; i < JAIL_MAX_PATHS && j->rw[i] != NULL; i++) {
		if (bind(j->rw[i], false, MS_NODEV | MS_NOEXEC, err, errlen) != 0)
			return -1;
	}
	if (build_dev(j->kvm, err, errlen) != 0)
		return -1;
	if (msb_mkdirs(NEW_ROOT "/proc", 0555) != 0 ||
	    mount("proc", NEW_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		return msb_errf_errno(err, errlen, "jail: /proc");
	if (umount2(OLD_ROOT, MNT_DETACH) != 0)
		return msb_errf_errno(err, errlen, "jail: detach the host's tree");
	if (mkdir(NEW_ROOT "/.old", 0700) != 0 ||
	    syscall(SYS_pivot_root, NEW_ROOT, NEW_ROOT "/.old") != 0 || chdir("/") != 0 ||
	    umount2("/.old", MNT_DETACH) != 0 || rmdir("/.old") != 0)
		return msb_errf_errno(err, errlen, "jail: pivot_root");
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
		return msb_errf_errno(err, errlen, "jail: read-only root");
	return 0;
}

static int
set_limits(char *err, size_t errlen)
{
	static const struct { int res; rlim_t max; const char *name; } limits[] = {
		{ RLIMIT_CORE, 0, "core" },
		{ RLIMIT_NOFILE, JAIL_NOFILE, "nofile" },
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl = { limits[i].max, limits[i].max };
		if (setrlimit(limits[i].res, &rl) != 0)
			return msb_errf_errno(err, errlen, "jail: rlimit %s", limits[i].name);
	}
	return 0;
}

static int
drop_privileges(const struct jail_spec *j, char *err, size_t errlen)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
			return msb_errf_errno(err, errlen, "jail: capability bounding set");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		return msb_errf_errno(err, errlen, "jail: ambient capabilities");
	if (!j->userns) {
		gid_t gid = (gid_t)j->uid, groups[2] = { gid, gid };
		struct stat kvm;
		/* /dev/kvm is its group's (Debian: kvm), and that group has
		 * nothing else in the jail. */
		size_t ngroups = j->kvm && stat("/dev/kvm", &kvm) == 0 ? 2 : 1;
		if (ngroups == 2)
			groups[1] = kvm.st_gid;
		if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
		    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0) != 0 ||
		    setgroups(ngroups, groups) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(j->uid, j->uid, j->uid) != 0)
			return msb_errf_errno(err, errlen, "jail: become uid %lu",
			    (unsigned long)j->uid);
	}
	/* In a user namespace the uid stays ours: clear the capabilities it gave. */
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[2];
	memset(none, 0, sizeof(none));
	if (syscall(SYS_capset, &hdr, none) != 0)
		return msb_errf_errno(err, errlen, "jail: clear capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return msb_errf_errno(err, errlen, "jail: no_new_privs");
#ifndef MSB_SANITIZERS
	/* A sanitizer (test) build stays dumpable: LeakSanitizer stops the
	 * world with ptrace at exit. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return msb_errf_errno(err, errlen, "jail: not dumpable");
#endif
	uid_t want = j->userns ? j->outer_uid : j->uid;
	if (getuid() != want || geteuid() != want)
		return msb_errf_errno(err, errlen, "jail: uid is %lu, not %lu",
		    (unsigned long)getuid(), (unsigned long)want);
	return 0;
}

int
jail_enter(const struct jail_spec *j, char *err, size_t errlen)
{
	errno = 0;
	if (j->userns && map_ids(j, err, errlen) != 0)
		return -1;
	if (build_root(j, err, errlen) != 0)
		return -1;
	if (sethostname(j->hostname, strlen(j->hostname)) != 0)
		return msb_errf_errno(err, errlen, "jail: hostname");
	if (set_limits(err, errlen) != 0)
		return -1;
	return drop_privileges(j, err, errlen);
}
