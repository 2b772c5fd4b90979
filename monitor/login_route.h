/*
 * The gateway's routing (msb ssh serve --all): the login name picks the
 * sandbox. "SANDBOX" logs in as the default guest user, "USER+SANDBOX" as
 * USER; sandbox names cannot hold '+', so the last '+' splits them.
 */
#ifndef MSB_LOGIN_ROUTE_H
#define MSB_LOGIN_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest guest user name taken from a login name. */
#define LOGIN_ROUTE_USER_MAX 256

struct login_route {
	char sandbox[256];
	char user[LOGIN_ROUTE_USER_MAX + 1];   /* empty: the default guest user */
};

/*
 * Splits login (len bytes, not NUL-terminated). Returns 0, or -1 when it
 * cannot name a sandbox (empty parts, a NUL, a name msb_name_check
 * refuses, or a user name longer than LOGIN_ROUTE_USER_MAX); whether the
 * sandbox exists is the caller's question.
 */
int login_route_parse(const char *login, size_t len, struct login_route *r);

#endif
