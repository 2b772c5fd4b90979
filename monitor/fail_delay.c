#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "fail_delay.h"

static int
sha256(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, a, alen) == 1 && EVP_DigestUpdate(ctx, b, blen) == 1 &&
	    EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
fail_delay_init(struct fail_delay *d, const void *key, size_t len)
{
	static const char label[] = "msb failure delay";

	return sha256(label, sizeof(label), key, len, d->secret);
}

uint64_t
fail_delay_us(const struct fail_delay *d, const char *login)
{
	unsigned char h[32];

	if (sha256(d->secret, sizeof(d->secret), login, strlen(login), h) != 0)
		return FAIL_DELAY_MIN_US + FAIL_DELAY_SPAN_US;
	uint32_t v = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	return FAIL_DELAY_MIN_US + v % FAIL_DELAY_SPAN_US;
}

int64_t
fail_delay_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
fail_delay_wait(int64_t start_us, uint64_t delay_us)
{
	int64_t until = start_us + (int64_t)delay_us;
	struct timespec ts = { .tv_sec = until / 1000000, .tv_nsec = (until % 1000000) * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
