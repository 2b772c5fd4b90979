#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hybrid_vsock.h"

#define CONNECT "CONNECT "
#define OK      "OK "

/*
 * "<prefix><port>\n", all of len bytes: digits only, no sign, no leading
 * zero, at most ten of them, and below max.
 */
static int
parse_line(const char *line, size_t len, const char *prefix, uint64_t max, uint32_t *out)
{
	size_t plen = strlen(prefix), i;
	uint64_t v = 0;

	if (len < plen + 2 || len > MSB_HYBRID_LINE_MAX || line[len - 1] != '\n' ||
	    memcmp(line, prefix, plen) != 0)
		return -1;
	if (len - 1 - plen > 10 || (line[plen] == '0' && len - 1 - plen > 1))
		return -1;
	for (i = plen; i < len - 1; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	if (v >= max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static size_t
format_line(char *out, const char *prefix, uint32_t port)
{
	int n = snprintf(out, MSB_HYBRID_LINE_MAX, "%s%u\n", prefix, port);

	return n > 0 ? (size_t)n : 0;
}

size_t
msb_hybrid_format_connect(char *out, uint32_t port)
{
	return format_line(out, CONNECT, port);
}

int
msb_hybrid_parse_connect(const char *line, size_t len, uint32_t *port)
{
	/* 0xffffffff is VMADDR_PORT_ANY, never a destination. */
	return parse_line(line, len, CONNECT, UINT32_MAX, port);
}

size_t
msb_hybrid_format_ok(char *out, uint32_t host_port)
{
	return format_line(out, OK, host_port);
}

int
msb_hybrid_parse_ok(const char *line, size_t len, uint32_t *host_port)
{
	return parse_line(line, len, OK, (uint64_t)UINT32_MAX + 1, host_port);
}
