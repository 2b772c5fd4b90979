/*
 * The steps msb_init_boot() runs, in order, each in its own file.
 */
#ifndef MSB_GUEST_INIT_BOOT_STEPS_H
#define MSB_GUEST_INIT_BOOT_STEPS_H

#include <stddef.h>

/* The initramfs directory the root disk is mounted on before switching. */
#define MSB_INIT_NEWROOT "/newroot"
/* Module files to load, one absolute path a line, in load order. */
#define MSB_INIT_MODULE_LIST "/etc/msb/modules"

/* /proc/cmdline is at most a page on x86; longer input is cut, not trusted. */
#define MSB_CMDLINE_MAX 4096

struct msb_cmdline {
	char text[MSB_CMDLINE_MAX];
};

/* Reads /proc/cmdline; on failure logs and leaves an empty command line. */
void msb_cmdline_read(struct msb_cmdline *cl);
/* Parses text as a kernel command line (for tests and for msb_cmdline_read). */
void msb_cmdline_set(struct msb_cmdline *cl, const char *text, size_t len);
/*
 * Copies the value of the last "key=value" word into out (NUL-terminated).
 * Returns 1 if found, 0 if absent, -1 (logged) if the value does not fit.
 */
int msb_cmdline_get(const struct msb_cmdline *cl, const char *key,
    char *out, size_t outlen);
/* Returns 1 if the bare word (no "=") is present, else 0. */
int msb_cmdline_flag(const struct msb_cmdline *cl, const char *word);

/* /proc, /sys and /dev in the initramfs; makes sure fds 0-2 are the console. */
int msb_init_early_mounts(void);
/* /proc /sys /dev /dev/pts /dev/shm /tmp /run in the switched-to root. */
int msb_init_root_mounts(void);

/* Loads every module in MSB_INIT_MODULE_LIST; returns how many failed. */
int msb_init_load_modules(void);

/* Waits for the root device named on the command line and mounts it. */
int msb_init_mount_root(const struct msb_cmdline *cl);
/* Empties the initramfs and makes MSB_INIT_NEWROOT the root. */
int msb_init_switch_root(void);

/* Sets the hostname from msb.hostname= (default "sandbox") and writes it
 * to /etc/hostname when the root is writable. */
int msb_init_set_hostname(const struct msb_cmdline *cl);
/* Makes the file at path hold "name\n", unless it does already; 0 or -1
 * with errno (EROFS for a read-only root). */
int msb_init_write_hostname_file(const char *path, const char *name);

/* Brings up lo, and eth0 when present for QEMU user-mode networking. */
int msb_init_net_up(void);

#endif
