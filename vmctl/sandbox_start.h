/*
 * Booting a sandbox on demand: `msb start`, `msb ssh NAME` and every
 * connection of `msb ssh serve` go through here, so a sandbox that was
 * stopped (or crashed) while a server kept running comes back for the next
 * client, and many clients arriving at once boot it once.
 */
#ifndef MSB_SANDBOX_START_H
#define MSB_SANDBOX_START_H

#include <stdbool.h>
#include <stddef.h>

/* Covers a KVM attempt that hangs plus a TCG boot on a slow host. */
#define SANDBOX_START_TIMEOUT_MS (240 * 1000)

struct sandbox_started {
	bool already;      /* it was running (or another caller booted it meanwhile) */
	long ms;           /* boot time, when this call booted it */
	char accel[8];
	char reason[256];  /* why this accelerator, if the vmm said */
};

/*
 * Starts the sandbox's vmm detached unless it runs, and returns once its
 * agent answers. Callers serialize on the sandbox's start.lock, so the
 * second of two waits for the first's boot instead of failing on the vmm
 * lock. Returns 0, or -1 with a message for the user in err.
 */
int sandbox_boot(const char *name, struct sandbox_started *out, char *err, size_t errlen);

#endif
