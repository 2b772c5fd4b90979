/*
 * A two-way byte relay with half-close, for raw streams (TCP through the
 * agent, SFTP packets): each direction ends on its own, and an EOF from one
 * source is passed on as a shutdown of the matching destination.
 */
#ifndef MSB_RELAY_H
#define MSB_RELAY_H

/*
 * Copies a_in -> b_out and b_in -> a_out until both directions have ended.
 * A destination that is a socket gets shutdown(SHUT_WR) at EOF; any other
 * destination fd is closed then (unless it is also a source).
 * Returns 0 when both directions ended cleanly, -1 on an I/O error.
 */
int msb_relay(int a_in, int a_out, int b_in, int b_out);

#endif
