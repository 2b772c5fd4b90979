/*
 * Where msb keeps its state: $MSB_HOME, else ~/.microsandbox.
 *
 *   MSB_HOME/ssh/                 keys (0700)
 *   MSB_HOME/images/<image>/      kernel, initramfs, root disk template
 *   MSB_HOME/sandboxes/<name>/    config, disk.img, sockets, console.log, vmm.pid
 */
#ifndef MSB_HOME_H
#define MSB_HOME_H

#include <stddef.h>
#include <sys/types.h>

/* Longest image or sandbox name. */
#define MSB_NAME_MAX 64

/*
 * The state directory, created (0700) if missing and held to StrictModes
 * (strict_modes.h: the user's or root's, not writable by others, nor its
 * parents); NULL after logging why.
 */
const char *msb_home(void);
/*
 * Formats MSB_HOME/<rel...> into buf. Returns 0, or -1 if it does not fit
 * (or msb_home() failed).
 */
int msb_home_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* mkdir -p with the given mode for every directory it creates. 0 or -1. */
int msb_mkdirs(const char *path, mode_t mode);
/*
 * Sandbox and image names: 1..MSB_NAME_MAX of [A-Za-z0-9._-], not starting
 * with '.' or '-' (so no '..', no hidden files, no option look-alikes).
 * Returns 0, or -1 with a reason in why.
 */
int msb_name_check(const char *name, const char **why);

#endif
