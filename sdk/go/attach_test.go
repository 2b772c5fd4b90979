package msb_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"
	"unsafe"

	msb "github.com/msb/msb/sdk/go"
)

func isTerminal(fd uintptr) bool {
	var t syscall.Termios
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return e == 0
}

type step struct{ waitFor, then string }

// attachOnPTY runs the attach helper on a new 30x100 pty and types each
// step's keys once its text has appeared; it returns what the pty showed.
func attachOnPTY(t *testing.T, detachKeys string, steps []step) string {
	t.Helper()
	needSandbox(t)
	master, slave := openPTY(t, 30, 100)
	defer master.Close()
	cmd := helperCmd("attach", "MSB_GO_HELPER_DETACH="+detachKeys)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 4096)
			n, err := master.Read(buf)
			if n > 0 {
				chunks <- buf[:n]
			}
			if err != nil { // EIO: the child and the pty are gone
				return
			}
		}
	}()
	var seen []byte
	deadline := time.After(60 * time.Second)
loop:
	for {
		if len(steps) > 0 && bytes.Contains(seen, []byte(steps[0].waitFor)) {
			if _, err := master.Write([]byte(steps[0].then)); err != nil {
				t.Fatal(err)
			}
			steps = steps[1:]
		}
		select {
		case c, ok := <-chunks:
			if !ok {
				break loop
			}
			seen = append(seen, c...)
		case <-deadline:
			cmd.Process.Kill()
			break loop
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Logf("attach helper: %v", err)
	}
	return string(seen)
}

func TestAttachExitCode(t *testing.T) {
	shown := attachOnPTY(t, "ctrl-x,y", []step{{"# ", "stty size\r"}, {"30 100", "exit 7\r"}})
	if !bytes.Contains([]byte(shown), []byte("30 100")) {
		t.Errorf("the PTY does not have the terminal's size:\n%s", shown)
	}
	if !bytes.Contains([]byte(shown), []byte("ATTACH-RESULT=7 err=<nil>")) {
		t.Fatalf("no exit code 7:\n%s", shown)
	}
}

func TestAttachDetach(t *testing.T) {
	if msb.Detached != -1 {
		t.Fatalf("Detached is %d", msb.Detached)
	}
	shown := attachOnPTY(t, "ctrl-x,y", []step{{"# ", "\x18y"}})
	if !bytes.Contains([]byte(shown), []byte("ATTACH-RESULT=-1 err=<nil>")) {
		t.Fatalf("not detached (Detached is -1):\n%s", shown)
	}
}
