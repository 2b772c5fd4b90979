// Command attach attaches this terminal to a shell in a sandbox through the
// Go binding:
//
//	attach SANDBOX [DETACH_KEYS]
//
// When the shell ends it prints "ATTACH-RESULT=N", N being the shell's
// exit code or -1 when the detach keys were typed, and exits 0.
package main

import (
	"context"
	"fmt"
	"os"

	msb "github.com/msb/msb/sdk/go"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "usage: attach SANDBOX [DETACH_KEYS]")
		os.Exit(2)
	}
	var opts []msb.SSHAttachOption
	if len(os.Args) == 3 {
		opts = append(opts, msb.WithSSHDetachKeys(os.Args[2]))
	}
	code, err := attach(os.Args[1], opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "attach:", err)
		os.Exit(1)
	}
	fmt.Printf("ATTACH-RESULT=%d\n", code)
}

func attach(name string, opts []msb.SSHAttachOption) (int, error) {
	ctx := context.Background()
	sb, err := msb.OpenSandbox(name)
	if err != nil {
		return 0, err
	}
	client, err := sb.SSH().OpenClient(ctx)
	if err != nil {
		return 0, err
	}
	defer client.Close(ctx)
	return client.Attach(ctx, opts...)
}
