/*
 * The network child's side of the monitor RPC (lib/monitor_proto.h):
 * short blocking exchanges on the monitor socket.
 */
#ifndef MSB_PREAUTH_MONITOR_RPC_H
#define MSB_PREAUTH_MONITOR_RPC_H

#include "lib/buf.h"
#include "lib/monitor_proto.h"

/*
 * Reads until in holds one whole frame and decodes it into m (which points
 * into in: msb_mon_consume it when done). 0, or -1 on EOF, read error or a
 * malformed frame (logged).
 */
int mon_rpc_read(int fd, struct msb_buf *in, struct msb_mon *m);
/* Encodes m and writes all of it. 0, or -1 (logged). */
int mon_rpc_write(int fd, const struct msb_mon *m);

#endif
