/*
 * libFuzzer target for the reports a jailed vmm sends its keeper. The input
 * is one line, from an exact-size heap copy so any over-read trips ASan. A
 * line that parses has no control byte left in its text, and writes out to
 * a line that parses to the same report.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmctl/jail/vmm_report.h"
#include "oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	struct vmm_report r, again;
	char line[VMM_REPORT_MAX_LINE + 1];

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (vmm_report_parse(copy, size, &r) == 0) {
		for (const char *p = r.text; *p != '\0'; p++)
			EXPECT((unsigned char)*p >= 0x20 && *p != 0x7f);
		int n = vmm_report_format(line, sizeof(line), &r);
		EXPECT(n > 0);
		EXPECT(vmm_report_parse(line, (size_t)n - 1, &again) == 0);
		EXPECT(again.kind == r.kind && again.ms == r.ms && again.crashed == r.crashed);
		EXPECT(strcmp(again.accel, r.accel) == 0);
		/* A text that starts or ends with spaces keeps them. */
		EXPECT(strcmp(again.text, r.text) == 0);
	}
	free(copy);
	return 0;
}
