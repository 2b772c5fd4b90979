#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "source_group.h"

void
msb_source_group(const struct sockaddr *sa, char buf[MSB_SOURCE_GROUP_LEN])
{
	snprintf(buf, MSB_SOURCE_GROUP_LEN, "?");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		if (inet_ntop(AF_INET, &sin->sin_addr, buf, MSB_SOURCE_GROUP_LEN) == NULL)
			snprintf(buf, MSB_SOURCE_GROUP_LEN, "?");
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	struct in6_addr a = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		if (inet_ntop(AF_INET, &a.s6_addr[12], buf, MSB_SOURCE_GROUP_LEN) == NULL)
			snprintf(buf, MSB_SOURCE_GROUP_LEN, "?");
		return;
	}
	char text[INET6_ADDRSTRLEN];
	memset(&a.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a, text, sizeof(text)) != NULL)
		snprintf(buf, MSB_SOURCE_GROUP_LEN, "%s/64", text);
}
