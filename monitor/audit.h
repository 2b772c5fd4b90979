/*
 * The audit log (MSB_HOME/ssh/audit.log, 0600): one line per event, each
 * written with a single append so that concurrent monitors never
 * interleave within a line. Every line also goes to stderr. The log is
 * capped (capped_log.h): past MSB_AUDIT_LOG_MAX bytes (default 16 MiB) it
 * moves to audit.log.1 and a new one starts.
 */
#ifndef MSB_AUDIT_H
#define MSB_AUDIT_H

#include <stddef.h>

#define MSB_AUDIT_LOG_MAX_DEFAULT (16 * 1024 * 1024)

/* Opens (creating 0600) path for appending; 0, or -1 after logging why. */
int msb_audit_open(const char *path, const char *sandbox, const char *peer);
/* Names the sandbox in the lines from now on (the gateway learns it from the login). */
void msb_audit_sandbox(const char *sandbox);
void msb_audit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
