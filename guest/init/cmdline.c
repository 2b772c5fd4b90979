#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "boot_steps.h"

void
msb_cmdline_set(struct msb_cmdline *cl, const char *text, size_t len)
{
	if (len > sizeof(cl->text) - 1)
		len = sizeof(cl->text) - 1;
	memcpy(cl->text, text, len);
	cl->text[len] = '\0';
	/* An embedded NUL would hide the rest of the line from the parser. */
	for (size_t i = 0; i < len; i++) {
		if (cl->text[i] == '\0')
			cl->text[i] = ' ';
	}
}

void
msb_cmdline_read(struct msb_cmdline *cl)
{
	char buf[MSB_CMDLINE_MAX];
	size_t len = 0;
	int fd;

	cl->text[0] = '\0';
	if ((fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC)) == -1) {
		error_f("open /proc/cmdline: %s", strerror(errno));
		return;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error_f("read /proc/cmdline: %s", strerror(errno));
			len = 0;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (close(fd) == -1)
		error_f("close /proc/cmdline: %s", strerror(errno));
	msb_cmdline_set(cl, buf, len);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Copies the next word starting at *pos into word with double quotes
 * removed, as the kernel does for param="a b". word must hold
 * MSB_CMDLINE_MAX bytes, which any word fits. Returns 0 at the end.
 */
static int
next_word(const char *text, size_t *pos, char *word)
{
	size_t i = *pos, n = 0;
	int quoted = 0;

	while (text[i] != '\0' && is_space(text[i]))
		i++;
	if (text[i] == '\0')
		return 0;
	for (; text[i] != '\0' && (quoted || !is_space(text[i])); i++) {
		if (text[i] == '"')
			quoted = !quoted;
		else
			word[n++] = text[i];
	}
	word[n] = '\0';
	*pos = i;
	return 1;
}

int
msb_cmdline_get(const struct msb_cmdline *cl, const char *key, char *out,
    size_t outlen)
{
	char word[MSB_CMDLINE_MAX];
	size_t pos = 0, keylen = strlen(key);
	int found = 0;

	/* The last occurrence wins, as for kernel parameters. */
	while (next_word(cl->text, &pos, word)) {
		if (strncmp(word, key, keylen) != 0 || word[keylen] != '=')
			continue;
		const char *value = word + keylen + 1;
		if (strlen(value) >= outlen) {
			error_f("%s: value longer than %zu bytes, ignored",
			    key, outlen - 1);
			found = -1;
			continue;
		}
		memcpy(out, value, strlen(value) + 1);
		found = 1;
	}
	return found;
}

int
msb_cmdline_flag(const struct msb_cmdline *cl, const char *word_wanted)
{
	char word[MSB_CMDLINE_MAX];
	size_t pos = 0;

	while (next_word(cl->text, &pos, word)) {
		if (strcmp(word, word_wanted) == 0)
			return 1;
	}
	return 0;
}
