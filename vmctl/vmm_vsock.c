/*
 * The vsock backend gets a thread of its own: QEMU blocks on vhost-user
 * replies while it starts, and the vmm's main thread makes blocking QMP and
 * agent calls, so nothing the main thread does may stall the backend.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "vmctl/jail/vmm_seccomp.h"
#include "lib/log.h"
#include "vmm.h"
#include "vmctl/vsock/vsock_backend.h"

/* How often the thread looks at the stop flag. */
#define VSOCK_TICK_MS 100

static struct msb_vsock_backend *backend;
static pthread_t thread;
static atomic_bool stop_requested;
static bool running;

static void *
vsock_thread(void *arg)
{
	(void)arg;
	/* Before the first vhost-user message: from here on the guest's
	 * rings are parsed in this thread. */
	if (vmm_seccomp_install(VMM_SECCOMP_VSOCK) != 0)
		fatal_f("cannot confine the vsock backend thread");
	while (!atomic_load(&stop_requested)) {
		if (msb_vsock_backend_run_once(backend, VSOCK_TICK_MS) != 0)
			fatal_f("the vsock backend stopped");
	}
	return NULL;
}

int
vmm_vsock_start(struct vmm *v)
{
	backend = msb_vsock_backend_new(v->vhost_socket, v->vsock_socket, VMM_GUEST_CID);
	if (backend == NULL)
		return -1;
	int rc = pthread_create(&thread, NULL, vsock_thread, NULL);
	if (rc != 0) {
		error_f("pthread_create: %s", strerror(rc));
		msb_vsock_backend_free(backend);
		backend = NULL;
		return -1;
	}
	running = true;
	return 0;
}

void
vmm_vsock_stop(void)
{
	if (!running)
		return;
	atomic_store(&stop_requested, true);
	int rc = pthread_join(thread, NULL);
	if (rc != 0)
		error_f("pthread_join: %s", strerror(rc));
	msb_vsock_backend_free(backend);
	backend = NULL;
	running = false;
}
