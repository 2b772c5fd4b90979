/*
 * What the jailed vmm tells its privileged keeper, one line per event, over
 * a pipe. The keeper writes the sandbox's state from these, so every line
 * is parsed as untrusted: a jailed vmm is as trustworthy as its guest.
 *
 *   qemu                          QEMU was (re)started
 *   ready MS ACCEL [REASON]       the guest agent answers; ACCEL kvm|tcg
 *   kvm-hung MESSAGE              KVM did not come up on this host
 *   error MESSAGE                 the start failed
 *   exit stopped|crashed REASON   QEMU is gone, and how
 */
#ifndef MSB_VMM_REPORT_H
#define MSB_VMM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#define VMM_REPORT_MAX_LINE 512
#define VMM_REPORT_MAX_MS   86400000L

enum vmm_report_kind {
	VMM_REPORT_QEMU,
	VMM_REPORT_READY,
	VMM_REPORT_KVM_HUNG,
	VMM_REPORT_ERROR,
	VMM_REPORT_EXIT,
};

struct vmm_report {
	enum vmm_report_kind kind;
	long ms;            /* ready */
	char accel[4];      /* ready: "kvm" or "tcg" */
	bool crashed;       /* exit */
	char text[256];     /* reason or message: printable, no control bytes */
};

/* The line for r, newline included, into buf; its length, or -1 if it does not fit. */
int vmm_report_format(char *buf, size_t len, const struct vmm_report *r);
/*
 * Parses one line (without its newline). Control bytes in the text become
 * '?' and overlong text is cut. 0, or -1 for a line that is not a report.
 */
int vmm_report_parse(const char *line, size_t len, struct vmm_report *r);

#endif
