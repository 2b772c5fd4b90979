package msb_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	msb "github.com/msb/msb/sdk/go"
)

func TestExecStreamsAndStatus(t *testing.T) {
	c := openClient(t)
	out := mustExec(t, c, "echo out; echo err >&2; exit 3")
	if out.Status != 3 || out.Signal != 0 || out.Success() {
		t.Fatalf("status %d signal %d success %v", out.Status, out.Signal, out.Success())
	}
	if string(out.Stdout) != "out\n" || string(out.Stderr) != "err\n" {
		t.Fatalf("stdout %q stderr %q", out.Stdout, out.Stderr)
	}
	ok := mustExec(t, c, "id -un")
	if !ok.Success() || string(ok.Stdout) != "root\n" || len(ok.Stderr) != 0 {
		t.Fatalf("id -un: %+v", ok)
	}
}

func TestExecBinaryOutput(t *testing.T) {
	c := openClient(t)
	if out := mustExec(t, c, `printf 'a\000b\377'`); !bytes.Equal(out.Stdout, []byte("a\x00b\xff")) {
		t.Fatalf("got %q", out.Stdout)
	}
	big := mustExec(t, c, `head -c 3000000 /dev/zero | tr '\000' x`)
	if !bytes.Equal(big.Stdout, bytes.Repeat([]byte("x"), 3000000)) {
		t.Fatalf("got %d bytes", len(big.Stdout))
	}
}

func TestExecTTY(t *testing.T) {
	c := openClient(t)
	if out := mustExec(t, c, "tty"); strings.TrimSpace(string(out.Stdout)) != "not a tty" {
		t.Fatalf("without a PTY: %q", out.Stdout)
	}
	pty := mustExec(t, c, "tty; echo err >&2", msb.WithSSHTTY(true))
	if !regexp.MustCompile(`^/dev/pts/\d+\r?\n`).Match(pty.Stdout) {
		t.Fatalf("with a PTY: %q", pty.Stdout)
	}
	if !bytes.Contains(pty.Stdout, []byte("err")) || len(pty.Stderr) != 0 {
		t.Fatalf("a PTY folds stderr into stdout: %q / %q", pty.Stdout, pty.Stderr)
	}
	if size := mustExec(t, c, "stty size", msb.WithSSHTTY(true)); strings.TrimSpace(string(size.Stdout)) != "24 80" {
		t.Fatalf("stty size: %q", size.Stdout)
	}
}

func TestExecSignalDeath(t *testing.T) {
	c := openClient(t)
	out := mustExec(t, c, "kill -TERM $$")
	if out.Status != 143 || out.Signal != 15 || out.Success() {
		t.Fatalf("%+v", out)
	}
}

func TestConcurrentExec(t *testing.T) {
	c := openClient(t)
	start := time.Now()
	outs := make([]*msb.SSHOutput, 5)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], errs[i] = c.Exec(context.Background(), "sleep 1; echo "+string(rune('0'+i)))
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	for i := range outs {
		if errs[i] != nil || string(outs[i].Stdout) != string(rune('0'+i))+"\n" {
			t.Fatalf("exec %d: %v %+v", i, errs[i], outs[i])
		}
	}
	t.Logf("5 x 'sleep 1' in goroutines: %.2f s", elapsed.Seconds())
	if elapsed > 3500*time.Millisecond {
		t.Fatalf("the five commands took %v: they ran one after another", elapsed)
	}
}

// Cancelling a long exec returns at once, and ends the C call: the client
// is shut down and freed (Close returns) well before the command would end.
func TestExecCancel(t *testing.T) {
	c := openClient(t)
	kids, goroutines := children(t), runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	out, err := c.Exec(ctx, "sleep 60")
	if !errors.Is(err, context.DeadlineExceeded) || out != nil {
		t.Fatalf("want DeadlineExceeded, got %v %+v", err, out)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the cancelled exec returned after %v", d)
	}
	closeCtx, cancelClose := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelClose()
	if err := c.Close(closeCtx); err != nil {
		t.Fatalf("the C call did not end: %v", err)
	}
	t.Logf("cancelled after %v; the C call ended and the client was freed after %v",
		time.Second, time.Since(start))
	if _, err := c.Exec(context.Background(), "true"); !errors.Is(err, msb.ErrClosed) {
		t.Fatalf("exec on a cancelled client: %v", err)
	}
	if got := children(t); len(got) >= len(kids) {
		t.Fatalf("the internal server was not reaped: children %v, before %v", got, kids)
	}
	// The goroutine that ran the C call ends right after it frees the client.
	for i := 0; runtime.NumGoroutine() > goroutines; i++ {
		if i == 100 {
			t.Fatalf("%d goroutines, %d before the exec", runtime.NumGoroutine(), goroutines)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Another client on the sandbox is unaffected.
	if out := mustExec(t, openClient(t), "echo ok"); string(out.Stdout) != "ok\n" {
		t.Fatalf("%q", out.Stdout)
	}
}

func TestCancelledContextBeforeTheCall(t *testing.T) {
	c := openClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Exec(ctx, "true"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	sb, _ := msb.OpenSandbox(sandboxName)
	if _, err := sb.SSH().OpenClient(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if out := mustExec(t, c, "echo still"); string(out.Stdout) != "still\n" {
		t.Fatal("a call cancelled before it began shut the client down")
	}
}

func TestClose(t *testing.T) {
	c := openClient(t)
	ctx := context.Background()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal("a second Close:", err)
	}
	_, err := c.Exec(ctx, "true")
	e := wantErr(t, err, msb.ErrInvalid, msb.StatusInvalid)
	if !errors.Is(err, msb.ErrClosed) || !strings.Contains(e.Error(), "closed") {
		t.Fatalf("got %v", err)
	}
	if _, err := c.SFTP(ctx); !errors.Is(err, msb.ErrClosed) {
		t.Fatalf("SFTP on a closed client: %v", err)
	}
	if _, err := c.Attach(ctx); !errors.Is(err, msb.ErrClosed) {
		t.Fatalf("Attach on a closed client: %v", err)
	}
}

func TestCloseWaitsForCallsInFlight(t *testing.T) {
	c := openClient(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), "sleep 2")
		done <- err
	}()
	time.Sleep(time.Second) // the exec is under way
	start := time.Now()
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	waited := time.Since(start)
	// Had Close freed the client under it, the exec would have failed.
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the exec in flight failed: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the exec in flight did not return")
	}
	if waited < 500*time.Millisecond {
		t.Fatalf("Close returned after %v, before the exec in flight ended", waited)
	}
}

func TestNothingLeaks(t *testing.T) {
	needSandbox(t)
	sb, err := msb.OpenSandbox(sandboxName)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fds, kids := openFDs(t), children(t)
	for i := 0; i < 3; i++ {
		c, err := sb.SSH().OpenClient(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, c, "true")
		s, err := c.SFTP(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "/"); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil { // also closes s
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "/"); !errors.Is(err, msb.ErrClosed) {
			t.Fatalf("the SFTP session outlived its client: %v", err)
		}
	}
	if got := openFDs(t); strings.Join(got, " ") != strings.Join(fds, " ") {
		t.Fatalf("descriptors leaked: %v, before %v", got, fds)
	}
	if got := children(t); len(got) != len(kids) {
		t.Fatalf("an internal server was not reaped: %v, before %v", got, kids)
	}
}

// Many calls on one client leave the process's resident memory flat: the
// output buffers, SFTP buffers and C strings are all freed.
func TestRSSStaysFlat(t *testing.T) {
	c := openClient(t)
	ctx := context.Background()
	s, err := c.SFTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	blob := bytes.Repeat([]byte("y"), 64<<10)
	round := func(n int) {
		for i := 0; i < n; i++ {
			out := mustExec(t, c, "head -c 65536 /dev/zero; echo e >&2")
			if len(out.Stdout) != 65536 {
				t.Fatalf("got %d bytes", len(out.Stdout))
			}
			if err := s.Write(ctx, "/tmp/sdk-go-rss", blob); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(ctx, "/tmp/sdk-go-rss"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ListDir(ctx, "/"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ctx, "/nonexistent"); err == nil {
				t.Fatal("stat of a missing path worked")
			}
		}
		runtime.GC()
		debug.FreeOSMemory()
	}
	round(20)
	before := rssKiB(t)
	const n = 100
	start := time.Now()
	round(n)
	after := rssKiB(t)
	t.Logf("RSS %d KiB after 20 rounds, %d KiB after %d more (%.1f s): each round execs with 64 KiB out, writes and reads 64 KiB, lists /, fails a stat",
		before, after, n, time.Since(start).Seconds())
	// A leak of one round's buffers would be 128 KiB a round, 12.5 MiB in all.
	if after-before > 8<<10 {
		t.Fatalf("RSS grew by %d KiB over %d rounds", after-before, n)
	}
	if err := s.RemoveFile(ctx, "/tmp/sdk-go-rss"); err != nil {
		t.Fatal(err)
	}
}

func TestBadArguments(t *testing.T) {
	c := openClient(t)
	_, err := c.Exec(context.Background(), "echo a\x00b")
	wantErr(t, err, msb.ErrInvalid, msb.StatusInvalid)
	if out := mustExec(t, c, "echo fine"); string(out.Stdout) != "fine\n" {
		t.Fatal("the client did not survive a bad argument")
	}
}

func TestAttachNeedsATerminal(t *testing.T) {
	c := openClient(t)
	if isTerminal(0) {
		t.Skip("stdin is a terminal")
	}
	_, err := c.Attach(context.Background(), msb.WithSSHDetachKeys("ctrl-x,y"))
	wantErr(t, err, msb.ErrNotATTY, msb.StatusNotATTY)
}
