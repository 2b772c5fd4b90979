// Command serve is an OpenSSH ProxyCommand made with the Go binding's
// server endpoint:
//
//	serve SANDBOX AUTHORIZED_KEYS_FILE [--no-sftp]
//
// It serves one SSH connection to SANDBOX over stdin and stdout, letting in
// the keys of AUTHORIZED_KEYS_FILE, e.g.
//
//	ssh -o ProxyCommand='serve dev ~/.ssh/id_ed25519.pub' root@dev
//
// It exits 0 when the connection ended cleanly, else 1 with the error
// (its status name first) on stderr.
package main

import (
	"context"
	"fmt"
	"os"

	msb "github.com/msb/msb/sdk/go"
)

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 || (len(os.Args) == 4 && os.Args[3] != "--no-sftp") {
		fmt.Fprintln(os.Stderr, "usage: serve SANDBOX AUTHORIZED_KEYS_FILE [--no-sftp]")
		os.Exit(2)
	}
	if err := serve(os.Args[1], os.Args[2], len(os.Args) == 3); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func serve(name, keys string, sftp bool) error {
	ctx := context.Background()
	sb, err := msb.OpenSandbox(name)
	if err != nil {
		return err
	}
	srv, err := sb.SSH().PrepareServer(ctx,
		msb.WithSSHAuthorizedKeysPath(keys), msb.WithSSHServerSFTP(sftp))
	if err != nil {
		return err
	}
	defer srv.Close(ctx)
	return srv.ServeConnection(ctx)
}
