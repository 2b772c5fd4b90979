/* The one clock for timeouts, deadlines and idle times. */
#ifndef MSB_CLOCK_H
#define MSB_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock: never negative, never going back. */
int64_t msb_now_ms(void);

#endif
