// Command exec is the Go binding's exec benchmark, the counterpart of
// bench/msb-bench-capi's exec figures:
//
//	exec SANDBOX COUNT COMMAND
//
// It opens one client, runs COMMAND COUNT times one after another, and
// prints "exec MS" per call, MS being the milliseconds spent in Exec alone.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	msb "github.com/msb/msb/sdk/go"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: exec SANDBOX COUNT COMMAND")
		os.Exit(2)
	}
	count, err := strconv.Atoi(os.Args[2])
	if err != nil || count < 1 {
		fmt.Fprintln(os.Stderr, "exec: COUNT must be a positive number")
		os.Exit(2)
	}
	if err := bench(os.Args[1], count, os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "exec:", err)
		os.Exit(1)
	}
}

func bench(name string, count int, command string) error {
	ctx := context.Background()
	sb, err := msb.OpenSandbox(name)
	if err != nil {
		return err
	}
	client, err := sb.SSH().OpenClient(ctx)
	if err != nil {
		return err
	}
	defer client.Close(ctx)
	for i := 0; i < count; i++ {
		start := time.Now()
		out, err := client.Exec(ctx, command)
		ms := float64(time.Since(start).Nanoseconds()) / 1e6
		if err != nil {
			return err
		}
		if !out.Success() {
			return fmt.Errorf("%q exited with status %d: %s", command, out.Status, out.Stderr)
		}
		fmt.Printf("exec %.3f\n", ms)
	}
	return nil
}
