/*
 * The monitor without its process (monitor/mon_conn.h), for the programs
 * that run its real dispatcher and handlers: the unit test
 * (test_mon_dispatch) and the fuzz target (fuzz_monitor_auth). It gives
 * the process effects as a test has them (a violation unwinds to the
 * caller instead of exiting, an accepted login moves to POSTAUTH with no
 * worker started), a sandbox "box" with keys in a scratch MSB_HOME, and
 * peers fed from byte strings over socketpairs.
 */
#ifndef MSB_MON_FIXTURE_H
#define MSB_MON_FIXTURE_H

#include <stdint.h>

#include "lib/buf.h"
#include "monitor/mon_conn.h"

/*
 * box's authorized_keys: FIX_KEY_USER; FIX_KEY_OTHER with from="10.0.0.0/8",
 * command and no-pty; FIX_KEY_CA as cert-authority for alice and root.
 * The global file: FIX_KEY_GLOBAL. Trusted CA keys: FIX_KEY_CA.
 */
#define FIX_KEY_USER "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO5qHGmNxvhF0EvJA35Eew1ZAboJaWK6PaKd/v7sevtV"
#define FIX_KEY_OTHER "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaOTlymi61+S3pbU3W9zV5XChSeVTxPH0uREYXxtbM3"
#define FIX_KEY_GLOBAL "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICq1AOrXEh2O3I2upYjo9dKzAiHUJ4eqv9/UOKJ7sRhR"
#define FIX_KEY_CA "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq3W5diI2lA3kBHQxH4F2EIJ5p7ME4LpZjZdq9cjWW9"
/* Signed by FIX_KEY_CA: principals alice and root; the second forces "id", no pty. */
#define FIX_CERT_USER "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIBK3C5kZv+SHm2bnpB0hChbUnnWuCkrIh2n0Mf25qFCSAAAAIO5qHGmNxvhF0EvJA35Eew1ZAboJaWK6PaKd/v7sevtVAAAAAAAAAAAAAAABAAAACWZ1enotY2VydAAAABEAAAAFYWxpY2UAAAAEcm9vdAAAAAA4bUOAAAAAAPSGVwAAAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACA6t1uXYiNpQN5AR0MR+BdhCCeaezBOC6WY2XavXI1lvQAAAFMAAAALc3NoLWVkMjU1MTkAAABAZxDJ7CBMXGhn1XjvUsP2yC3vdC7MbBWywdzBYZaEBVoshnCZXeUFn5jDLkFU8R473EhsbaBX8O+6814xBuFcDA=="
#define FIX_CERT_FORCED "ecdsa-sha2-nistp256-cert-v01@openssh.com AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAgS67a0h/GPZlNj3lTfcn8ahu6ZhYDs4WD4hIxtllDDNYAAAAIbmlzdHAyNTYAAABBBOUXBeQNdhfw6wgQ7NUVBStQzj9rmAsGj5XB+4I0UmtyDbPzTY9tf+4rJg9hqB2/a5drAKO/0KoSNUO/txLtK9EAAAAAAAAABwAAAAEAAAAPZnV6ei1jZXJ0LWZvcmNlAAAACAAAAARyb290AAAAADhtQ4AAAAAA9IZXAAAAABsAAAANZm9yY2UtY29tbWFuZAAAAAYAAAACaWQAAABwAAAAFXBlcm1pdC1YMTEtZm9yd2FyZGluZwAAAAAAAAAXcGVybWl0LWFnZW50LWZvcndhcmRpbmcAAAAAAAAAFnBlcm1pdC1wb3J0LWZvcndhcmRpbmcAAAAAAAAADnBlcm1pdC11c2VyLXJjAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIDq3W5diI2lA3kBHQxH4F2EIJ5p7ME4LpZjZdq9cjWW9AAAAUwAAAAtzc2gtZWQyNTUxOQAAAECHdqsioyEOQf9xjlhcEVSND37vMSYK4tCoyuY8OskAASkGU+8DeTdhBa687fvN55faddIMs9HvC2fiOQLLhUQM"

/* What mon_fixture_start sets up, bit by bit. */
#define FIX_GATEWAY 1u     /* --all: the login name picks the sandbox */
#define FIX_RECORD 2u      /* --record into the scratch home */
#define FIX_ONE_TRY 4u     /* max_tries 1 */
#define FIX_FAR_PEER 8u    /* a client address outside FIX_KEY_OTHER's from= */

/* Makes the scratch MSB_HOME (removed at exit); exits 2 if it cannot. */
void mon_fixture_setup(void);
/* A new connection in PREAUTH; o must outlive it. */
void mon_fixture_start(struct mon *m, struct monitor_opts *o, unsigned setup);
/*
 * Sends len bytes from the peer named by from, then the end of its stream,
 * and serves them to the end; what the monitor answered is appended to
 * answers (when not NULL). Returns NULL, or the violation that ended the
 * connection as "WHO: WHAT".
 */
const char *mon_fixture_serve(struct mon *m, enum mon_sender from, const uint8_t *data,
    size_t len, struct msb_buf *answers);
/* Frees the connection (and the recordings it made). */
void mon_fixture_end(struct mon *m);

#endif
