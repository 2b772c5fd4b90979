#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_int.h"
#include "log.h"

static int
try_dir(char *buf, size_t len, const char *dir, size_t dirlen, const char *name)
{
	int n = snprintf(buf, len, "%.*s/%s", (int)dirlen, dir, name);

	if (n < 0 || (size_t)n >= len)
		return -1;
	return access(buf, X_OK);
}

int
image_find_tool(char *buf, size_t len, const char *name)
{
	const char *path = getenv("PATH");
	const char *p;

	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path; ; ) {
		const char *end = strchr(p, ':');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		/* Relative PATH entries depend on the cwd: skip them. */
		if (n > 0 && p[0] == '/' && try_dir(buf, len, p, n, name) == 0)
			return 0;
		if (end == NULL)
			break;
		p = end + 1;
	}
	if (try_dir(buf, len, "/usr/sbin", 9, name) == 0 ||
	    try_dir(buf, len, "/sbin", 5, name) == 0)
		return 0;
	return -1;
}

int
image_run_fds(char *const argv[], int out_fd, int err_fd)
{
	int status;
	pid_t pid;

	if (fflush(NULL) != 0)
		error_f("fflush: %s", strerror(errno));
	if ((pid = fork()) == -1) {
		error_f("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if ((out_fd != -1 && dup2(out_fd, STDOUT_FILENO) == -1) ||
		    (err_fd != -1 && dup2(err_fd, STDERR_FILENO) == -1)) {
			error_f("dup2: %s", strerror(errno));
			_exit(127);
		}
		execv(argv[0], argv);
		error("cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			error_f("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		error("%s failed (exit status %d)", argv[0], WEXITSTATUS(status));
	else
		error("%s killed by signal %d", argv[0], WTERMSIG(status));
	return -1;
}

int
image_run(char *const argv[])
{
	return image_run_fds(argv, -1, -1);
}
