/*
 * The from="pattern-list" option of authorized_keys, as OpenSSH reads it:
 * comma-separated patterns, each optionally negated with '!', matching the
 * client's numeric address with '*' and '?' wildcards or as a CIDR block.
 * msb never resolves names, so the client's "host name" is its address.
 */
#ifndef MSB_FROM_MATCH_H
#define MSB_FROM_MATCH_H

#include <stdbool.h>

/* Whether list is well formed (patterns non-empty, CIDR blocks valid). 0 or -1 with why. */
int msb_from_check(const char *list, const char **why);
/*
 * Whether the list admits addr (numeric IPv4 or IPv6; an IPv4-mapped IPv6
 * address counts as IPv4): some pattern matches and no negated one does.
 * A NULL addr (no network peer) is never admitted.
 */
bool msb_from_allows(const char *list, const char *addr);

/*
 * A certificate's source-address list (PROTOCOL.certkeys), as OpenSSH reads
 * it: comma-separated addresses and CIDR blocks (host bits clear), no
 * wildcards, no negation. Returns 1 when addr is in some entry, 0 when not
 * (a NULL addr never is), -1 when any entry is malformed.
 */
int msb_cidr_list_match(const char *list, const char *addr);

#endif
