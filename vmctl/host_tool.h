/*
 * Running a tool of the host's (nft, ip) with a script on its standard
 * input, as the keeper does to set up a sandbox's network. The tool's
 * stdout and stderr stay the caller's, so its complaints land in vmm.log.
 */
#ifndef MSB_HOST_TOOL_H
#define MSB_HOST_TOOL_H

#include <stddef.h>
#include <sys/types.h>

struct host_tool {
	const char *name;        /* for messages */
	const char *package;     /* the Debian package that has it */
	const char *const *paths;  /* tried in order: a root vmm may lack sbin in PATH */
};

/* nft (nftables) and ip (iproute2). */
extern const struct host_tool host_tool_nft, host_tool_ip;

/*
 * Runs tool with args (argv[0] included, NULL-terminated) and script on
 * its stdin; in the network namespace of process netns_of unless that is
 * 0. Returns 0 when it exits 0, else -1 with a message in err.
 */
int host_tool_run(const struct host_tool *tool, char *const args[], const char *script,
    pid_t netns_of, char *err, size_t errlen);

/*
 * In a child about to do the namespace's work: joins the network namespace
 * of process pid. 0, or -1 with errno set.
 */
int host_netns_enter(pid_t pid);

#endif
