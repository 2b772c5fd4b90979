/*
 * Detach keys: Docker's notation ("ctrl-p,ctrl-q", "ctrl-x,y") and the
 * input filter that watches the keystrokes for the sequence.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "api.h"

int
api_detach_parse(const char *spec, struct api_detach *d)
{
	const char *p = spec;

	*d = (struct api_detach){ .len = 0 };
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		unsigned char key;
		if (len == 1) {
			key = (unsigned char)p[0];
		} else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
			unsigned char k = (unsigned char)tolower((unsigned char)p[5]);
			if (k >= 'a' && k <= 'z')
				key = (unsigned char)(k - 'a' + 1);
			else if (k == '@' || k == '[' || k == '\\' || k == ']' || k == '^' || k == '_')
				key = (unsigned char)(k & 0x1f);
			else
				return -1;
		} else {
			return -1;
		}
		if ((size_t)d->len == sizeof(d->seq))
			return -1;
		d->seq[d->len++] = key;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -1;
	}
	return 0;
}

size_t
api_detach_filter(struct api_detach *d, const char *in, size_t n, char *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n && !d->done && d->len > 0; i++) {
		unsigned char b = (unsigned char)in[i];
		if (b == d->seq[d->matched]) {
			if (++d->matched == d->len)
				d->done = true;
			continue;
		}
		memcpy(out + len, d->seq, (size_t)d->matched);
		len += (size_t)d->matched;
		d->matched = 0;
		if (b == d->seq[0])
			d->matched = 1;
		else
			out[len++] = (char)b;
	}
	if (d->len == 0) {
		memcpy(out, in, n);
		len = n;
	}
	return len;
}
