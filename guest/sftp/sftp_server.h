/*
 * SFTP v3 server (draft-ietf-secsh-filexfer-02 with OpenSSH's extensions).
 * Runs in the process of the user it serves: privileges are dropped by the
 * caller before msb_sftp_serve is called.
 */
#ifndef MSB_SFTP_SERVER_H
#define MSB_SFTP_SERVER_H

#include "lib/sftp_policy.h"

struct msb_sftp_opts {
	const char *home;  /* for home-directory and expand-path; NULL = $HOME or "/" */
	/* Requests refused with SSH_FX_PERMISSION_DENIED; NULL refuses none. */
	const struct msb_sftp_policy *policy;
};

/*
 * Serves SFTP packets read from in_fd, replies written to out_fd (they may
 * be the same socket), until EOF or a fatal protocol error.
 * Returns 0 on a clean end of input, -1 otherwise.
 */
int msb_sftp_serve(int in_fd, int out_fd, const struct msb_sftp_opts *opts);

#endif
