/*
 * The key=value files msb writes for itself (a sandbox's config and state,
 * an image's image.conf): one pair a line, the key up to the first '=',
 * blank lines and lines starting with '#' skipped.
 */
#ifndef MSB_KV_FILE_H
#define MSB_KV_FILE_H

/* Called for each pair: 0 reads on, 1 stops reading, -1 rejects the value. */
typedef int msb_kv_fn(const char *key, const char *value, void *arg);

/*
 * Reads path, calling fn for each pair. 0 at the end or when fn stopped;
 * -1 with errno set when path cannot be opened (nothing logged), or after
 * logging the file and line of a read error, a line too long, a line
 * without '=' or a value fn rejected (errno EINVAL).
 */
int msb_kv_read(const char *path, msb_kv_fn *fn, void *arg);

#endif
