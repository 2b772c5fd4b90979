/*
 * The unit the listener's per-source limits count by: an IPv4 address on
 * its own, an IPv6 address by its /64 (one host usually holds a whole /64,
 * as OpenSSH's PerSourceNetBlockSize defaults to), an IPv4-mapped IPv6
 * address as the IPv4 address it maps.
 */
#ifndef MSB_SOURCE_GROUP_H
#define MSB_SOURCE_GROUP_H

#include <stddef.h>
#include <sys/socket.h>

/* "192.0.2.7", "2001:db8:1:2::/64"; fits in INET6_ADDRSTRLEN + 4. */
#define MSB_SOURCE_GROUP_LEN 52

/* Writes sa's group into buf; "?" when sa is neither IPv4 nor IPv6. */
void msb_source_group(const struct sockaddr *sa, char buf[MSB_SOURCE_GROUP_LEN]);

#endif
