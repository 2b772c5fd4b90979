#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_int.h"
#include "lib/log.h"

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
