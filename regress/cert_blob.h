/*
 * A public key or certificate as its wire blob, read from the line
 * ssh-keygen wrote: how the certificate unit test and the certificate
 * benchmark (bench/cert_check.c) both take in the keys and certificates
 * they made with the real ssh-keygen.
 */
#ifndef MSB_CERT_BLOB_H
#define MSB_CERT_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ssh_cert.h"

struct cert_blob {
	uint8_t b[MSB_SSH_CERT_BLOB_MAX];
	size_t n;
};

/* Reads DIR/NAME (an OpenSSH public key or certificate line); exits 1 if it cannot. */
static inline void
cert_blob_load(const char *dir, const char *name, struct cert_blob *out)
{
	char path[256], line[MSB_SSH_CERT_LINE_MAX];
	const char *why = "unreadable";

	int len = snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = len < 0 || (size_t)len >= sizeof(path) ? NULL : fopen(path, "r");
	if (f == NULL || fgets(line, sizeof(line), f) == NULL || fclose(f) != 0 ||
	    msb_ssh_cert_from_line(line, strlen(line), out->b, sizeof(out->b), &out->n, &why) != 0) {
		fprintf(stderr, "cannot read %s/%s: %s\n", dir, name, why);
		exit(1);
	}
}

#endif
