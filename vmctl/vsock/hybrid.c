#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hybrid.h"

#define PREFIX "CONNECT "

int
hybrid_parse_connect(const char *line, size_t len, uint32_t *port)
{
	size_t plen = sizeof(PREFIX) - 1, i;
	uint64_t v = 0;

	if (len < plen + 2 || len > HYBRID_LINE_MAX || line[len - 1] != '\n' ||
	    memcmp(line, PREFIX, plen) != 0)
		return -1;
	/* Digits only, no sign, no leading zero, at most ten of them. */
	if (len - 1 - plen > 10 || (line[plen] == '0' && len - 1 - plen > 1))
		return -1;
	for (i = plen; i < len - 1; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	/* 0xffffffff is VMADDR_PORT_ANY, never a destination. */
	if (v >= UINT32_MAX)
		return -1;
	*port = (uint32_t)v;
	return 0;
}

size_t
hybrid_format_ok(char *out, uint32_t host_port)
{
	int n = snprintf(out, HYBRID_LINE_MAX, "OK %u\n", host_port);

	return n > 0 ? (size_t)n : 0;
}
