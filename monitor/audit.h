/*
 * The audit log (MSB_HOME/ssh/audit.log, 0600): one line per event, each
 * written with a single append so that concurrent monitors never
 * interleave within a line. Every line also goes to stderr.
 */
#ifndef MSB_AUDIT_H
#define MSB_AUDIT_H

#include <stddef.h>

/* Opens (creating 0600) path for appending; 0, or -1 after logging why. */
int msb_audit_open(const char *path, const char *sandbox, const char *peer);
void msb_audit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
