/* The jailed vmm's reports to its keeper: every kind round-trips, and what a
 * compromised vmm might send instead is refused or made harmless. */
#include "config.h"

#include <string.h>

#include "vmctl/jail/vmm_report.h"
#include "unit.h"

static int
parse(const char *line, struct vmm_report *r)
{
	return vmm_report_parse(line, strlen(line), r);
}

static void
round_trip(const struct vmm_report *in)
{
	char line[VMM_REPORT_MAX_LINE + 1];
	struct vmm_report out;
	int n = vmm_report_format(line, sizeof(line), in);

	CHECK(n > 0 && line[n - 1] == '\n');
	CHECK(vmm_report_parse(line, (size_t)n - 1, &out) == 0);
	CHECK(out.kind == in->kind);
	CHECK_STR(out.text, in->text);
	CHECK(out.crashed == in->crashed);
	if (in->kind == VMM_REPORT_READY) {
		CHECK(out.ms == in->ms);
		CHECK_STR(out.accel, in->accel);
	}
}

int
main(void)
{
	struct vmm_report r;

	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_QEMU });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_READY, .ms = 2345, .accel = "tcg",
	    .text = "KVM boot failed, fell back to TCG: no answer" });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_READY, .ms = 0, .accel = "kvm" });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_KVM_HUNG, .text = "agent silent" });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_ERROR, .text = "QEMU did not start" });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_EXIT, .crashed = true,
	    .text = "QEMU was killed by signal 9" });
	round_trip(&(struct vmm_report){ .kind = VMM_REPORT_EXIT, .text = "stopped by request" });

	/* Not reports. */
	const char *bad[] = {
		"", "qemu x", "QEMU", "ready", "ready 12", "ready 12 xen", "ready -1 tcg",
		"ready 999999999 tcg", "ready 1e3 tcg", "exit", "exit dead why", "state=running",
		"vmm_pid=1", "readyy 1 tcg",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!CHECK(parse(bad[i], &r) != 0))
			fprintf(stderr, "  accepted: '%s'\n", bad[i]);
	}

	/* A state file is key=value lines: a reason must not carry one more. */
	const char evil[] = "exit crashed x\rvmm_pid=1\x1b[2J\x7f";
	CHECK(vmm_report_parse(evil, sizeof(evil) - 1, &r) == 0);
	CHECK(r.crashed);
	CHECK_STR(r.text, "x?vmm_pid=1?[2J?");
	/* Overlong text is cut, overlong lines refused. */
	char line[VMM_REPORT_MAX_LINE + 2];
	memset(line, 'a', sizeof(line));
	memcpy(line, "error ", 6);
	CHECK(vmm_report_parse(line, VMM_REPORT_MAX_LINE, &r) == 0);
	CHECK(strlen(r.text) == sizeof(r.text) - 1);
	CHECK(vmm_report_parse(line, VMM_REPORT_MAX_LINE + 1, &r) != 0);
	/* A text that would not fit a line is not formatted. */
	char small[8];
	CHECK(vmm_report_format(small, sizeof(small),
	    &(struct vmm_report){ .kind = VMM_REPORT_ERROR, .text = "too long here" }) == -1);
	return unit_done();
}
