#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "init.h"

#define TERM_GRACE_MS 3000
#define KILL_GRACE_MS 1000
#define REAP_POLL_MS 20
#define MAX_MOUNTS 256
#define MOUNT_PATH_MAX 256

struct mount_list {
	char path[MAX_MOUNTS][MOUNT_PATH_MAX];
	size_t n;
};

/* Reaps children for up to ms; returns 1 once none are left, else 0. */
static int
reap_for(long ms)
{
	const struct timespec pause = { 0, REAP_POLL_MS * 1000000L };
	int64_t deadline = msb_now_ms() + ms;

	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0)
			continue;
		if (pid == -1 && errno == ECHILD)
			return 1;
		if (pid == -1 && errno != EINTR) {
			error_f("waitpid: %s", strerror(errno));
			return 0;
		}
		if (msb_now_ms() >= deadline)
			return 0;
		if (nanosleep(&pause, NULL) == -1 && errno != EINTR) {
			error_f("nanosleep: %s", strerror(errno));
			return 0;
		}
	}
}

static void
stop_processes(void)
{
	if (kill(-1, SIGTERM) == -1 && errno != ESRCH)
		error_f("kill SIGTERM: %s", strerror(errno));
	if (reap_for(TERM_GRACE_MS))
		return;
	info_f("processes left after %d ms, sending SIGKILL", TERM_GRACE_MS);
	if (kill(-1, SIGKILL) == -1 && errno != ESRCH)
		error_f("kill SIGKILL: %s", strerror(errno));
	if (!reap_for(KILL_GRACE_MS))
		error_f("processes left after SIGKILL");
}

/* Undoes the \ooo escapes mountinfo uses for space, tab, newline, '\'. */
static void
unescape_path(char *s)
{
	char *out = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* Mount points in mount order (field 5 of /proc/self/mountinfo). */
static void
read_mounts(struct mount_list *ml)
{
	char line[4096];
	FILE *f;

	ml->n = 0;
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL) {
		error_f("open /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 0; i < 4 && field != NULL; i++)
			field = strtok_r(NULL, " ", &save);
		if (field == NULL)
			continue;
		unescape_path(field);
		if (strlen(field) >= MOUNT_PATH_MAX) {
			error_f("mount point too long, left mounted: %.64s...",
			    field);
			continue;
		}
		if (ml->n == MAX_MOUNTS) {
			error_f("more than %d mounts, the rest left mounted",
			    MAX_MOUNTS);
			break;
		}
		memcpy(ml->path[ml->n++], field, strlen(field) + 1);
	}
	if (fclose(f) == EOF)
		error_f("close /proc/self/mountinfo: %s", strerror(errno));
}

/* Newest mounts first; what stays busy is at least made read-only. */
static void
unmount_all(void)
{
	struct mount_list *ml;
	size_t unmounted = 0;

	if ((ml = malloc(sizeof(*ml))) == NULL) {
		error_f("malloc: %s", strerror(errno));
	} else {
		read_mounts(ml);
		for (size_t i = ml->n; i-- > 0;) {
			const char *path = ml->path[i];
			if (strcmp(path, "/") == 0)
				continue;
			if (umount2(path, 0) == 0) {
				unmounted++;
				continue;
			}
			debug_f("umount %s: %s", path, strerror(errno));
			if (mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY,
			    NULL) == -1 && errno != EINVAL && errno != ENOENT)
				error_f("remount %s read-only: %s", path,
				    strerror(errno));
		}
		free(ml);
	}
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) == -1)
		error_f("remount / read-only: %s", strerror(errno));
	else
		info_f("unmounted %zu filesystems, / is read-only", unmounted);
}

_Noreturn void
msb_init_shutdown(int reboot_after)
{
	const char *what = reboot_after ? "reboot" : "poweroff";

	info_f("%s: stopping processes", what);
	stop_processes();
	sync();
	unmount_all();
	sync();
	info_f("%s", what);
	if (reboot(reboot_after ? RB_AUTOBOOT : RB_POWER_OFF) == -1)
		error_f("reboot(%s): %s", what, strerror(errno));
	for (;;)
		pause();
}
