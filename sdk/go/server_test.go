package msb_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msb "github.com/msb/msb/sdk/go"
)

var sshOpts = []string{"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
	"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=30"}

func TestUnknownSandbox(t *testing.T) {
	needSandbox(t)
	_, err := msb.OpenSandbox("no-such-box")
	e := wantErr(t, err, msb.ErrNoSandbox, msb.StatusNoSandbox)
	if !strings.Contains(e.Message, "no-such-box") {
		t.Fatalf("%v does not name the sandbox", err)
	}
	_, err = msb.OpenSandbox("../etc")
	wantErr(t, err, msb.ErrInvalid, msb.StatusInvalid)
}

func TestStoppedSandbox(t *testing.T) {
	needSandbox(t)
	sb, err := msb.OpenSandbox(stoppedName)
	if err != nil {
		t.Fatal(err)
	}
	if sb.Name() != stoppedName {
		t.Fatalf("name %q", sb.Name())
	}
	_, err = sb.SSH().OpenClient(ctx)
	e := wantErr(t, err, msb.ErrNotRunning, msb.StatusNotRunning)
	if !strings.Contains(e.Message, stoppedName) {
		t.Fatalf("%v does not name the sandbox", err)
	}
	srv, err := sb.SSH().PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath(key+".pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(ctx)
	// It fails before it touches stdin and stdout.
	wantErr(t, srv.ServeConnection(ctx), msb.ErrNotRunning, msb.StatusNotRunning)
}

func TestServerKeysAndClose(t *testing.T) {
	needSandbox(t)
	sb, _ := msb.OpenSandbox(sandboxName)
	ssh := sb.SSH()
	_, err := ssh.PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath("/nonexistent/authorized_keys"))
	wantErr(t, err, msb.ErrKeys, msb.StatusKeys)
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("not a key\n"), 0o600)
	_, err = ssh.PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath(empty))
	wantErr(t, err, msb.ErrKeys, msb.StatusKeys)
	_, err = ssh.PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath(key+".pub"),
		msb.WithSSHHostKeyPath(key+".pub")) // a public key is no host key
	wantErr(t, err, msb.ErrKeys, msb.StatusKeys)
	_, err = ssh.PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath(key+".pub"), msb.WithSSHServerUser(""))
	if err != nil {
		t.Fatalf("an empty user is the default: %v", err)
	}
	srv, err := ssh.PrepareServer(ctx, msb.WithSSHAuthorizedKeysPath(key+".pub"),
		msb.WithSSHHostKeyPath(key), msb.WithSSHServerUser("root"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal("a second Close:", err)
	}
	wantErr(t, srv.ServeConnection(ctx), msb.ErrClosed, msb.StatusInvalid)
}

func run(t *testing.T, name string, args ...string) (int, string, string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", name, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// proxy is a ProxyCommand running this test binary's serve helper.
func proxy(keys string, env ...string) string {
	return "env MSB_GO_HELPER=serve MSB_GO_HELPER_SANDBOX=" + sandboxName +
		" MSB_GO_HELPER_KEYS=" + keys + " " + strings.Join(env, " ") + " " + os.Args[0]
}

func TestServeStdioAsProxyCommand(t *testing.T) {
	needSandbox(t)
	base := append(append([]string{}, sshOpts...), "-i", key)
	rc, out, errs := run(t, "ssh", append(base, "-o", "ProxyCommand="+proxy(key+".pub"),
		"root@sandbox", "uname -s; id -un; echo e >&2; exit 4")...)
	if rc != 4 || out != "Linux\nroot\n" || !strings.Contains(errs, "e\n") {
		t.Fatalf("ssh: %d %q %q", rc, out, errs)
	}
	cmd := exec.Command("sftp", append(append([]string{"-q", "-b", "-"}, base...),
		"-o", "ProxyCommand="+proxy(key+".pub"), "root@sandbox")...)
	cmd.Stdin = strings.NewReader("ls /\n")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sftp: %v %s", err, b)
	}
	cmd = exec.Command("sftp", append(append([]string{"-q", "-b", "-"}, base...),
		"-o", "ProxyCommand="+proxy(key+".pub", "MSB_GO_HELPER_NO_SFTP=1"), "root@sandbox")...)
	cmd.Stdin = strings.NewReader("ls /\n")
	if err := cmd.Run(); err == nil {
		t.Fatal("sftp got through an endpoint prepared with WithSSHServerSFTP(false)")
	}
}

func TestServeStdioRefusesOtherKeys(t *testing.T) {
	needSandbox(t)
	errfile := filepath.Join(t.TempDir(), "serve.err")
	// ssh sends its ProxyCommand SIGHUP as it gives up: ignore it so the
	// helper gets to say why ServeConnection returned.
	p := "sh -c 'trap \"\" HUP; exec " + proxy(key+".pub") + " 2>" + errfile + "'"
	rc, _, errs := run(t, "ssh", append(append([]string{}, sshOpts...), "-i", key2,
		"-o", "ProxyCommand="+p, "root@sandbox", "true")...)
	if rc != 255 || !strings.Contains(errs, "Permission denied") {
		t.Fatalf("ssh with another key: %d %q", rc, errs)
	}
	var msg []byte
	for i := 0; i < 100 && !bytes.Contains(msg, []byte("CLOSE-RESULT")); i++ {
		time.Sleep(100 * time.Millisecond)
		msg, _ = os.ReadFile(errfile)
	}
	if !bytes.Contains(msg, []byte("SERVE-RESULT=MSB_ERR_AUTH")) {
		t.Fatalf("ServeConnection did not return ErrAuth: %s", msg)
	}
}

// Cancelling ServeConnection in the middle of a session ends the
// connection: the SSH client sees it close, and ServeConnection returned
// ctx.Err() at once; Close, which waits for the C call, returns once the
// client has gone and so closed the helper's stdin.
func TestServeConnectionCancel(t *testing.T) {
	needSandbox(t)
	errfile := filepath.Join(t.TempDir(), "serve.err")
	// As above: ssh's SIGHUP would end the helper before it reports.
	p := "sh -c 'trap \"\" HUP; exec " + strings.Replace(proxy(key+".pub"), "=serve ", "=serve-cancel ", 1) +
		" 2>" + errfile + "'"
	start := time.Now()
	rc, out, errs := run(t, "ssh", append(append([]string{}, sshOpts...), "-i", key,
		"-o", "ProxyCommand="+p, "root@sandbox", "echo started; sleep 60")...)
	took := time.Since(start)
	if rc != 255 || out != "started\n" || took > 30*time.Second {
		t.Fatalf("ssh: %d %q %q after %v", rc, out, errs, took)
	}
	var msg []byte
	for i := 0; i < 200 && !bytes.Contains(msg, []byte("CLOSE-RESULT")); i++ {
		time.Sleep(100 * time.Millisecond)
		msg, _ = os.ReadFile(errfile)
	}
	t.Logf("ssh ended after %.1f s; helper: %s", took.Seconds(), bytes.TrimSpace(msg))
	if !bytes.Contains(msg, []byte("SERVE-RESULT=context deadline exceeded after 3.")) ||
		!bytes.Contains(msg, []byte("CLOSE-RESULT=<nil>")) {
		t.Fatalf("helper said: %s", msg)
	}
}
