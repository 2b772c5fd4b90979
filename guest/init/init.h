/*
 * PID 1 duties of the guest agent inside the microVM.
 */
#ifndef MSB_GUEST_INIT_H
#define MSB_GUEST_INIT_H

/*
 * Called once, first thing, when the agent runs as PID 1 from the initramfs:
 * mounts the early filesystems, loads the image's kernel modules, mounts the
 * root disk and switches into it, then mounts /proc /sys /dev /dev/pts
 * /dev/shm /tmp /run in the new root, sets the hostname (and /etc/hostname
 * on a writable root) and configures eth0
 * if present. Kernel command line options: msb.root=DEV (default /dev/vda),
 * msb.rootfstype=TYPE (default ext4), msb.ro (mount the root read-only),
 * msb.hostname=NAME (default "sandbox"). A module that fails to load or a
 * network that cannot be configured is logged and the boot goes on.
 * Returns 0 when the agent may serve, -1 after logging why it cannot.
 */
int msb_init_boot(void);

/*
 * The agent's main loop reaps every child (orphans included) with
 * waitpid(-1); on SIGTERM (poweroff) or SIGUSR2 (reboot) it calls this.
 * Stops all processes (SIGTERM, grace period, SIGKILL), syncs, unmounts and
 * powers off (or reboots). Does not return.
 */
_Noreturn void msb_init_shutdown(int reboot);

#endif
