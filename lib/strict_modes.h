/*
 * StrictModes, as sshd has them: the files and directories msb trusts
 * (MSB_HOME, its ssh/ directory, authorized_keys, the host key) must belong
 * to the user msb runs as, or to root, and no one else may write them;
 * otherwise msb refuses to use them, with one message naming the path and
 * the command that fixes it.
 *
 * The checks are made with fstat on the descriptor that is then used, so a
 * file cannot be swapped between check and use. MSB_HOME's parents are
 * walked through ".." from its own descriptor up to "/", as sshd's
 * safe_path walks a home: each must belong to root or the user and not be
 * group- or world-writable, except a root-owned sticky directory such as
 * /tmp (others can create entries there but not rename or remove ours).
 */
#ifndef MSB_STRICT_MODES_H
#define MSB_STRICT_MODES_H

enum msb_strict_kind {
	MSB_STRICT_HOME,        /* MSB_HOME, parents included */
	MSB_STRICT_SSH_DIR,     /* MSB_HOME/ssh */
	MSB_STRICT_AUTH_KEYS,   /* authorized_keys */
	MSB_STRICT_HOST_KEY,    /* the server's private key */
};

/*
 * Checks an open descriptor of path against kind's rule. 0, or -1 after
 * logging "refusing PATH: WHY (FIX)".
 */
int msb_strict_check_fd(int fd, const char *path, enum msb_strict_kind kind);
/*
 * Opens path as kind requires (a key file never through a symbolic link)
 * and checks it: a descriptor (O_CLOEXEC, read-only), or -1 after logging
 * why. errno is ENOENT when path does not exist (nothing is logged then).
 */
int msb_strict_open(const char *path, enum msb_strict_kind kind);

#endif
