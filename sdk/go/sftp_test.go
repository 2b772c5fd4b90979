package msb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"

	msb "github.com/msb/msb/sdk/go"
)

var ctx = context.Background()

func openSFTP(t *testing.T) (*msb.SSHClient, *msb.SFTPClient, string) {
	t.Helper()
	c := openClient(t)
	s, err := c.SFTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := fmt.Sprintf("/tmp/sdk-go-%d-%s", os.Getpid(), t.Name())
	if err := s.Mkdir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mustExec(t, c, "rm -rf "+dir)
		s.Close(ctx)
	})
	return c, s, dir
}

func names(entries []msb.SFTPEntry) []string {
	var n []string
	for _, e := range entries {
		n = append(n, e.Name)
	}
	sort.Strings(n)
	return n
}

func TestSFTPFiles(t *testing.T) {
	c, s, d := openSFTP(t)
	data := make([]byte, 1<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	data = append(data, "\x00end"...)
	if err := s.Write(ctx, d+"/f", data); err != nil {
		t.Fatal(err)
	}
	got, err := s.Read(ctx, d+"/f")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	sum := sha256.Sum256(data)
	if out := mustExec(t, c, "sha256sum < "+d+"/f"); strings.Fields(string(out.Stdout))[0] != hex.EncodeToString(sum[:]) {
		t.Fatalf("the guest sees %q", out.Stdout)
	}
	if err := s.Write(ctx, d+"/f", []byte("short")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Read(ctx, d+"/f"); string(got) != "short" {
		t.Fatalf("Write does not truncate: %q", got)
	}
	if err := s.Write(ctx, d+"/empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Read(ctx, d+"/empty"); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %q %v", got, err)
	}
	st, err := s.Stat(ctx, d+"/f")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != 5 || !st.Mode.IsRegular() || st.Mode.Perm() != 0o644 || st.Mtime.Unix() < 1e9 {
		t.Fatalf("stat: %+v", st)
	}
}

func TestSFTPDirectories(t *testing.T) {
	_, s, d := openSFTP(t)
	if err := s.Mkdir(ctx, d+"/sub"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Stat(ctx, d+"/sub"); err != nil || !st.Mode.IsDir() || st.Mode.Perm() != 0o755 {
		t.Fatalf("stat sub: %+v %v", st, err)
	}
	s.Write(ctx, d+"/sub/a", []byte("1"))
	s.Write(ctx, d+"/b", []byte("22"))
	entries, err := s.ListDir(ctx, d)
	if err != nil || strings.Join(names(entries), ",") != "b,sub" {
		t.Fatalf("list: %v %v", names(entries), err)
	}
	for _, e := range entries {
		if (e.Name == "b" && e.Attrs.Size != 2) || (e.Name == "sub" && !e.Attrs.Mode.IsDir()) {
			t.Fatalf("entry %+v", e)
		}
	}
	err = s.RemoveDir(ctx, d+"/sub") // not empty
	wantErr(t, err, msb.ErrSFTP, msb.StatusSFTP)
	if err := s.RemoveFile(ctx, d+"/sub/a"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveDir(ctx, d+"/sub"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(ctx, d+"/b", d+"/c"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Read(ctx, d+"/c"); string(got) != "22" {
		t.Fatalf("renamed file holds %q", got)
	}
	entries, _ = s.ListDir(ctx, d)
	if strings.Join(names(entries), ",") != "c" {
		t.Fatalf("list after rename: %v", names(entries))
	}
	_, err = s.Stat(ctx, d+"/b")
	wantErr(t, err, msb.ErrNotFound, msb.StatusNotFound)
}

func TestSFTPLinksAndPaths(t *testing.T) {
	_, s, d := openSFTP(t)
	s.Write(ctx, d+"/target", []byte("t"))
	if err := s.Symlink(ctx, "target", d+"/link"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReadLink(ctx, d+"/link"); err != nil || got != "target" {
		t.Fatalf("readlink: %q %v", got, err)
	}
	if got, _ := s.Read(ctx, d+"/link"); string(got) != "t" {
		t.Fatalf("read through the link: %q", got)
	}
	if st, _ := s.Stat(ctx, d+"/link"); st == nil || !st.Mode.IsRegular() {
		t.Fatalf("Stat does not follow symlinks: %+v", st)
	}
	if got, err := s.RealPath(ctx, d+"/../"+path.Base(d)+"/./target"); err != nil || got != d+"/target" {
		t.Fatalf("realpath: %q %v", got, err)
	}
	if got, err := s.RealPath(ctx, "."); err != nil || got != "/root" {
		t.Fatalf("realpath .: %q %v", got, err)
	}
	_, err := s.ReadLink(ctx, d+"/target") // not a link
	wantErr(t, err, msb.ErrSFTP, msb.StatusSFTP)
}

func TestSFTPErrors(t *testing.T) {
	_, s, d := openSFTP(t)
	_, err := s.Read(ctx, d+"/missing")
	e := wantErr(t, err, msb.ErrNotFound, msb.StatusNotFound)
	if !errors.Is(err, msb.ErrSFTP) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v is not also ErrSFTP and fs.ErrNotExist", err)
	}
	if !strings.Contains(e.Message, "missing") || e.Code.String() != "MSB_ERR_NOT_FOUND" {
		t.Fatalf("message %q, code %v", e.Message, e.Code)
	}
	for what, call := range map[string]func() error{
		"RemoveFile": func() error { return s.RemoveFile(ctx, d+"/missing") },
		"RemoveDir":  func() error { return s.RemoveDir(ctx, d+"/missing") },
		"ListDir":    func() error { _, err := s.ListDir(ctx, d+"/missing"); return err },
		"Stat":       func() error { _, err := s.Stat(ctx, d+"/missing"); return err },
		"Rename":     func() error { return s.Rename(ctx, d+"/missing", d+"/x") },
		"RealPath":   func() error { _, err := s.RealPath(ctx, d+"/missing/x"); return err },
		"ReadLink":   func() error { _, err := s.ReadLink(ctx, d+"/missing"); return err },
		"Write":      func() error { return s.Write(ctx, d+"/missing/x", []byte("x")) },
		"Symlink":    func() error { return s.Symlink(ctx, "t", d+"/missing/l") },
		"Mkdir":      func() error { return s.Mkdir(ctx, d+"/missing/x") },
	} {
		if err := call(); !errors.Is(err, msb.ErrNotFound) {
			t.Errorf("%s of a missing path: %v", what, err)
		}
	}
	err = s.Mkdir(ctx, d) // exists
	if !errors.Is(err, msb.ErrSFTP) {
		t.Fatalf("mkdir of an existing directory: %v", err)
	}
	if err := s.Write(ctx, "/proc/version", []byte("x")); !errors.Is(err, msb.ErrSFTP) {
		t.Fatalf("write to /proc/version: %v", err)
	}
	wantErr(t, s.Write(ctx, d+"/a\x00b", nil), msb.ErrInvalid, msb.StatusInvalid)
	wantErr(t, s.Rename(ctx, d+"/c", d+"/a\x00b"), msb.ErrInvalid, msb.StatusInvalid)
	if _, err := s.Stat(ctx, "/"); err != nil {
		t.Fatalf("the session did not survive its errors: %v", err)
	}
}

func TestSFTPConcurrentWithExec(t *testing.T) {
	c, s, d := openSFTP(t)
	var wg sync.WaitGroup
	errs := make(chan error, 9)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := fmt.Sprintf("%s/n%d", d, i)
			errs <- s.Write(ctx, p, []byte(p))
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := c.Exec(ctx, "sleep 0.5")
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 8; i++ {
		p := fmt.Sprintf("%s/n%d", d, i)
		if got, err := s.Read(ctx, p); err != nil || string(got) != p {
			t.Fatalf("%s: %q %v", p, got, err)
		}
	}
}

func TestSFTPClose(t *testing.T) {
	c := openClient(t)
	s, err := c.SFTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "/"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal("a second Close:", err)
	}
	_, err = s.Stat(ctx, "/")
	wantErr(t, err, msb.ErrClosed, msb.StatusInvalid)
	if out := mustExec(t, c, "echo still"); string(out.Stdout) != "still\n" {
		t.Fatal("closing the SFTP session closed the client")
	}
}

func TestSFTPDisabled(t *testing.T) {
	c := openClient(t, msb.WithSSHClientSFTP(false))
	_, err := c.SFTP(ctx)
	wantErr(t, err, msb.ErrSFTPUnavailable, msb.StatusSFTPUnavailable)
	if !mustExec(t, c, "true").Success() {
		t.Fatal("the client did not outlive the refusal")
	}
}
