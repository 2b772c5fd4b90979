// Package msb is the Go binding of libmsb: SSH into msb sandboxes (QEMU
// microVMs) with a native in-process client (exec, attach, SFTP) or a
// server endpoint serving one connection at a time over stdio.
//
//	sb, err := msb.OpenSandbox("dev")
//	client, err := sb.SSH().OpenClient(ctx)
//	defer client.Close(ctx)
//	out, err := client.Exec(ctx, "uname -a")
//
// Every failure is an *Error carrying libmsb's status and message, and
// matches the sentinel of its status with errors.Is (ErrNotRunning,
// ErrNotFound...). Each blocking call takes a context; see SSHClient for
// what cancelling one does.
package msb
