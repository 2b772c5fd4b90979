// Command exec runs one command in a sandbox through the Go binding:
//
//	exec SANDBOX COMMAND
//
// It writes the command's stdout to stdout and its stderr to stderr, and
// exits with the command's status (1 with a message when the SDK fails).
package main

import (
	"context"
	"fmt"
	"os"

	msb "github.com/msb/msb/sdk/go"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: exec SANDBOX COMMAND")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2]))
}

func run(name, command string) int {
	ctx := context.Background()
	sb, err := msb.OpenSandbox(name)
	if err != nil {
		return fail(err)
	}
	client, err := sb.SSH().OpenClient(ctx)
	if err != nil {
		return fail(err)
	}
	defer client.Close(ctx)
	out, err := client.Exec(ctx, command)
	if err != nil {
		return fail(err)
	}
	os.Stdout.Write(out.Stdout)
	os.Stderr.Write(out.Stderr)
	return out.Status
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "exec:", err)
	return 1
}
