EXTRA_DIST += \
	sdk/go/go.mod \
	sdk/go/doc.go \
	sdk/go/errors.go \
	sdk/go/handle.go \
	sdk/go/sandbox.go \
	sdk/go/client.go \
	sdk/go/sftp.go \
	sdk/go/server.go \
	sdk/go/helpers_test.go \
	sdk/go/client_test.go \
	sdk/go/attach_test.go \
	sdk/go/sftp_test.go \
	sdk/go/server_test.go \
	sdk/go/examples/exec/main.go \
	sdk/go/examples/serve/main.go \
	sdk/go/examples/attach/main.go \
	sdk/go/bench/exec/main.go \
	sdk/go/README.md
