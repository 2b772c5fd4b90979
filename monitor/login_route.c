#include "config.h"

#include <string.h>

#include "login_route.h"
#include "host/msb_home.h"

int
login_route_parse(const char *login, size_t len, struct login_route *r)
{
	const char *why;

	memset(r, 0, sizeof(*r));
	if (len == 0 || memchr(login, '\0', len) != NULL)
		return -1;
	const char *plus = NULL;
	for (size_t i = 0; i < len; i++) {
		if (login[i] == '+')
			plus = login + i;
	}
	const char *name = plus != NULL ? plus + 1 : login;
	size_t nlen = len - (size_t)(name - login), ulen = plus != NULL ? (size_t)(plus - login) : 0;
	if (nlen == 0 || nlen >= sizeof(r->sandbox) || (plus != NULL && ulen == 0) ||
	    ulen > LOGIN_ROUTE_USER_MAX)
		return -1;
	memcpy(r->sandbox, name, nlen);
	memcpy(r->user, login, ulen);
	return msb_name_check(r->sandbox, &why) == 0 ? 0 : -1;
}
