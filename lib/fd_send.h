/*
 * Sending a descriptor with the first byte of a message (SCM_RIGHTS): the
 * monitor hands the session worker its recording file this way, and the
 * test harness that plays the monitor must send exactly as it does.
 */
#ifndef MSB_FD_SEND_H
#define MSB_FD_SEND_H

#include <stddef.h>
#include <sys/types.h>

/*
 * sendmsg(sock, buf[0..len), flags) with passfd attached when passfd >= 0;
 * with passfd < 0 a plain send. Returns what sendmsg returns (errno set).
 */
ssize_t msb_send_fd(int sock, const void *buf, size_t len, int passfd, int flags);

#endif
