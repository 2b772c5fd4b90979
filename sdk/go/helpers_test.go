package msb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	msb "github.com/msb/msb/sdk/go"
)

// The environment regress/integration/sdk_go.sh sets: a running sandbox,
// a created but stopped one, and two Ed25519 keys (with .pub files) of
// which only the first is authorized.
var (
	sandboxName = os.Getenv("MSB_TEST_SANDBOX")
	stoppedName = os.Getenv("MSB_TEST_STOPPED")
	key         = os.Getenv("MSB_TEST_KEY")
	key2        = os.Getenv("MSB_TEST_KEY2")
)

// TestMain also runs the helper programs the tests start as subprocesses
// (ProxyCommand, attach on a pty), picked by MSB_GO_HELPER.
func TestMain(m *testing.M) {
	if h := os.Getenv("MSB_GO_HELPER"); h != "" {
		os.Exit(helper(h))
	}
	os.Exit(m.Run())
}

func helper(which string) int {
	ctx := context.Background()
	sb, err := msb.OpenSandbox(os.Getenv("MSB_GO_HELPER_SANDBOX"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	switch which {
	case "serve", "serve-cancel":
		srv, err := sb.SSH().PrepareServer(ctx,
			msb.WithSSHAuthorizedKeysPath(os.Getenv("MSB_GO_HELPER_KEYS")),
			msb.WithSSHServerSFTP(os.Getenv("MSB_GO_HELPER_NO_SFTP") == ""))
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		serveCtx := ctx
		if which == "serve-cancel" {
			var cancel context.CancelFunc
			serveCtx, cancel = context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
		}
		start := time.Now()
		err = srv.ServeConnection(serveCtx)
		fmt.Fprintf(os.Stderr, "SERVE-RESULT=%v after %.1fs\n", err, time.Since(start).Seconds())
		closeCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		fmt.Fprintf(os.Stderr, "CLOSE-RESULT=%v\n", srv.Close(closeCtx))
		if err != nil {
			return 1
		}
		return 0
	case "attach":
		c, err := sb.SSH().OpenClient(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		defer c.Close(ctx)
		code, err := c.Attach(ctx, msb.WithSSHDetachKeys(os.Getenv("MSB_GO_HELPER_DETACH")))
		fmt.Printf("ATTACH-RESULT=%d err=%v\n", code, err)
		return 0
	}
	return 2
}

func helperCmd(which string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append([]string{
		"MSB_GO_HELPER=" + which, "MSB_GO_HELPER_SANDBOX=" + sandboxName}, env...)...)
	return cmd
}

func needSandbox(t *testing.T) {
	t.Helper()
	if sandboxName == "" {
		t.Skip("MSB_TEST_SANDBOX is not set (regress/integration/sdk_go.sh sets it)")
	}
}

func openClient(t *testing.T, opts ...msb.SSHClientOption) *msb.SSHClient {
	t.Helper()
	needSandbox(t)
	sb, err := msb.OpenSandbox(sandboxName)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sb.SSH().OpenClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *msb.SSHClient, command string, opts ...msb.SSHExecOption) *msb.SSHOutput {
	t.Helper()
	out, err := c.Exec(context.Background(), command, opts...)
	if err != nil {
		t.Fatalf("exec %q: %v", command, err)
	}
	return out
}

// wantErr checks that err is an *Error of status code, and matches its sentinel.
func wantErr(t *testing.T, err error, sentinel error, code msb.Status) *msb.Error {
	t.Helper()
	var e *msb.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *msb.Error %v, got %T %v", code, err, err)
	}
	if e.Code != code || !errors.Is(err, sentinel) {
		t.Fatalf("want %v (errors.Is %v), got %v", code, sentinel, err)
	}
	if e.Message == "" {
		t.Fatalf("%v has no message", err)
	}
	return e
}

func openFDs(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, e := range ents {
		fds = append(fds, e.Name())
	}
	sort.Strings(fds)
	return fds
}

// children lists this process's child pids, zombies included.
func children(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me := strconv.Itoa(os.Getpid())
	var kids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == me {
			kids = append(kids, pid)
		}
	}
	sort.Ints(kids)
	return kids
}

func rssKiB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// openPTY opens a pseudo-terminal pair of rows x cols with the kernel's
// calls (test files cannot use cgo).
func openPTY(t *testing.T, rows, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(m, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(m, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := [4]uint16{rows, cols, 0, 0}
	if err := ioctl(s, syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal(err)
	}
	return m, s
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}
