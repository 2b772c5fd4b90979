/*
 * As sshd does it: a refused login attempt is answered no sooner than a
 * delay fixed for its login name (5 to 9 ms, from a keyed hash of the
 * name), so the time an answer takes says nothing of the work behind it:
 * whether the gateway's sandbox exists, or the user has keys.
 */
#ifndef MSB_FAIL_DELAY_H
#define MSB_FAIL_DELAY_H

#include <stddef.h>
#include <stdint.h>

#define FAIL_DELAY_MIN_US 5000u
#define FAIL_DELAY_SPAN_US 4000u

struct fail_delay {
	unsigned char secret[32];
};

/* Derives the secret from key material the host keeps (the host key). */
int fail_delay_init(struct fail_delay *d, const void *key, size_t len);
/* The delay for login, in microseconds. */
uint64_t fail_delay_us(const struct fail_delay *d, const char *login);
/* Sleeps until start_us (CLOCK_MONOTONIC) plus delay_us, if that is later than now. */
void fail_delay_wait(int64_t start_us, uint64_t delay_us);
/* CLOCK_MONOTONIC in microseconds. */
int64_t fail_delay_now_us(void);

#endif
