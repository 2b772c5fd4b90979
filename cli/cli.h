#ifndef MSB_CLI_H
#define MSB_CLI_H

#include "lib/agent_client.h"

/* `msb agent ...`: talk to a guest agent directly (diagnostics and tests). */
int cmd_agent(int argc, char **argv);
/* `msb image ...`: build, list and remove guest images. */
int cmd_image(int argc, char **argv);

/* `msb ssh serve|authorize|config`: the SSH server, its authorized keys, ~/.ssh/config. */
int cmd_ssh(int argc, char **argv);
/* `msb ssh config NAME`: an OpenSSH client entry for NAME, its host key pinned. */
int cmd_ssh_config(int argc, char **argv);
/* `msb ssh [connect] NAME [-- CMD]`: a native session (argv[0] is "ssh" or "connect"). */
int cmd_ssh_native(int argc, char **argv);

/* msb create | start | stop | rm | ls (argv[0] is the command). */
int cmd_sandbox(int argc, char **argv);
/* msb ls [--json]. */
int cmd_ls(int argc, char **argv);
/* Starts a sandbox unless it runs already; exits with a message on failure. */
int sandbox_start(const char *name, bool quiet);

/*
 * Relays an accepted EXEC between the local terminal or pipes and the
 * agent until the command exits. Returns the local exit status: the
 * command's code, or 128+N when it died by signal N.
 */
int agent_exec_relay(struct msb_agent_client *c, int tty);

/* Reads all of fd, at most max bytes, into a malloc'd NUL-terminated
 * buffer; exits with a message naming what when it cannot or it is larger. */
char *cli_read_all(int fd, const char *what, size_t max, size_t *len);

#endif
