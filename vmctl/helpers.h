/*
 * Where msb finds the programs it runs but does not put on PATH (the guest
 * agent, msb-mkinitramfs, msb-mkrootfs-debian...): $MSB_LIBEXECDIR when
 * set, so that tests use the build tree, else the installed
 * $(pkglibexecdir). The build tree holds every helper under its installed
 * name (make builds the scripts there), so both look the same.
 */
#ifndef MSB_HELPERS_H
#define MSB_HELPERS_H

#include <stddef.h>

/* Formats the helper's path into buf. 0, or -1 (logged) if it does not fit. */
int msb_helper_path(char *buf, size_t len, const char *name);

#endif
