#include "config.h"

#include <stdio.h>
#include <string.h>

#include "vmm_report.h"

static const char *const verbs[] = {
	[VMM_REPORT_QEMU] = "qemu",
	[VMM_REPORT_READY] = "ready",
	[VMM_REPORT_KVM_HUNG] = "kvm-hung",
	[VMM_REPORT_ERROR] = "error",
	[VMM_REPORT_EXIT] = "exit",
};

int
vmm_report_format(char *buf, size_t len, const struct vmm_report *r)
{
	int n;

	switch (r->kind) {
	case VMM_REPORT_QEMU:
		n = snprintf(buf, len, "qemu\n");
		break;
	case VMM_REPORT_READY:
		n = snprintf(buf, len, "ready %ld %s %s\n", r->ms, r->accel, r->text);
		break;
	case VMM_REPORT_EXIT:
		n = snprintf(buf, len, "exit %s %s\n", r->crashed ? "crashed" : "stopped", r->text);
		break;
	default:
		n = snprintf(buf, len, "%s %s\n", verbs[r->kind], r->text);
		break;
	}
	return n < 0 || (size_t)n >= len || (size_t)n > VMM_REPORT_MAX_LINE ? -1 : n;
}

/* The text after a verb's fields: printable bytes kept, the rest '?'. */
static void
take_text(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t n = len < dstlen - 1 ? len : dstlen - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* Splits the next space-separated word off *p (of *left bytes). */
static size_t
word(const char **p, size_t *left, const char **start)
{
	size_t n = 0;

	*start = *p;
	while (n < *left && (*p)[n] != ' ')
		n++;
	*p += n < *left ? n + 1 : n;
	*left -= n < *left ? n + 1 : n;
	return n;
}

static bool
is(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(w, s, n) == 0;
}

int
vmm_report_parse(const char *line, size_t len, struct vmm_report *r)
{
	const char *p = line, *w;
	size_t left = len > VMM_REPORT_MAX_LINE ? 0 : len;
	size_t n = word(&p, &left, &w);
	size_t k;

	memset(r, 0, sizeof(*r));
	if (len == 0 || len > VMM_REPORT_MAX_LINE)
		return -1;
	for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++) {
		if (is(w, n, verbs[k]))
			break;
	}
	if (k == sizeof(verbs) / sizeof(verbs[0]))
		return -1;
	r->kind = (enum vmm_report_kind)k;
	switch (r->kind) {
	case VMM_REPORT_QEMU:
		return left == 0 && p == line + len ? 0 : -1;
	case VMM_REPORT_READY: {
		n = word(&p, &left, &w);
		if (n == 0 || n > 8)
			return -1;
		long ms = 0;
		for (size_t i = 0; i < n; i++) {
			if (w[i] < '0' || w[i] > '9')
				return -1;
			ms = ms * 10 + (w[i] - '0');
		}
		if (ms > VMM_REPORT_MAX_MS)
			return -1;
		r->ms = ms;
		n = word(&p, &left, &w);
		if (!is(w, n, "kvm") && !is(w, n, "tcg"))
			return -1;
		memcpy(r->accel, w, n);
		break;
	}
	case VMM_REPORT_EXIT:
		n = word(&p, &left, &w);
		if (is(w, n, "crashed"))
			r->crashed = true;
		else if (!is(w, n, "stopped"))
			return -1;
		break;
	default:
		break;
	}
	take_text(r->text, sizeof(r->text), p, left);
	return 0;
}
