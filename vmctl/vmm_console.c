/*
 * The guest's serial console reaches the host through a pipe, not a file
 * QEMU opens itself: a thread of the vmm reads it into console.log,
 * capped (capped_log.h), so a guest that prints forever cannot fill the
 * host's disk. QEMU's writes wait while the thread is behind (the serial
 * port retries), so nothing is lost to a slow disk, and the thread stays
 * inside the vmm: it writes only the sandbox directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/capped_log.h"
#include "vmctl/jail/vmm_seccomp.h"
#include "lib/log.h"
#include "vmm.h"

static struct {
	struct msb_capped_log log;
	int fd;              /* the pipe's read end */
	pthread_t thread;
	bool running;
} con = { .fd = -1 };

/*
 * QEMU's serial port sends a byte per write: after a short read the thread
 * lets the pipe fill for a moment (a pipe packs single bytes into its 64 KiB,
 * where a socket would hold a few hundred), so that a flood costs a few
 * hundred reads a second instead of one per byte.
 */
#define CONSOLE_BATCH_NS (5 * 1000 * 1000)

static void *
console_thread(void *arg)
{
	static const struct timespec batch = { 0, CONSOLE_BATCH_NS };
	char buf[16384];
	bool failed = false;

	(void)arg;
	/* Before the first byte the guest wrote. */
	if (vmm_seccomp_install(VMM_SECCOMP_CONSOLE) != 0)
		fatal_f("cannot confine the console thread");
	for (;;) {
		ssize_t r = read(con.fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		/* Keep draining when the log cannot be written: QEMU must not stall. */
		if (!failed && msb_capped_log_write(&con.log, buf, (size_t)r) != 0) {
			error_f("cannot write the console log: %s", strerror(errno));
			failed = true;
		}
		if ((size_t)r < sizeof(buf) / 2)
			nanosleep(&batch, NULL);
	}
	return NULL;
}

int
vmm_console_start(struct vmm *v)
{
	int pp[2];

	vmm_console_stop();
	off_t cap = msb_capped_log_cap("MSB_CONSOLE_LOG_MAX", VMM_CONSOLE_LOG_MAX_DEFAULT);
	if (msb_capped_log_open(&con.log, v->console_log, cap, true, false) != 0) {
		error("cannot open %s: %s", v->console_log, strerror(errno));
		return -1;
	}
	if (pipe2(pp, O_CLOEXEC) != 0) {
		error_f("pipe: %s", strerror(errno));
		msb_capped_log_close(&con.log);
		return -1;
	}
	con.fd = pp[0];
	int rc = pthread_create(&con.thread, NULL, console_thread, NULL);
	if (rc != 0) {
		error_f("pthread_create: %s", strerror(rc));
		close(pp[0]);
		close(pp[1]);
		con.fd = -1;
		msb_capped_log_close(&con.log);
		return -1;
	}
	con.running = true;
	return pp[1];
}

void
vmm_console_stop(void)
{
	if (!con.running)
		return;
	/* QEMU has exited (or is being reaped): its end is closed, so the thread sees EOF. */
	pthread_join(con.thread, NULL);
	con.running = false;
	close(con.fd);
	con.fd = -1;
	msb_capped_log_close(&con.log);
}
