EXTRA_DIST += \
	sdk/rust/.cargo/config.toml \
	sdk/rust/Cargo.toml \
	sdk/rust/Cargo.lock \
	sdk/rust/README.md \
	sdk/rust/build.rs \
	sdk/rust/src/lib.rs \
	sdk/rust/src/client.rs \
	sdk/rust/src/error.rs \
	sdk/rust/src/ffi.rs \
	sdk/rust/src/handle.rs \
	sdk/rust/src/sandbox.rs \
	sdk/rust/src/server.rs \
	sdk/rust/src/sftp.rs \
	sdk/rust/examples/attach.rs \
	sdk/rust/examples/bench_exec.rs \
	sdk/rust/examples/exec.rs \
	sdk/rust/examples/serve_stdio.rs \
	sdk/rust/tests/common/mod.rs \
	sdk/rust/tests/concurrency.rs \
	sdk/rust/tests/leaks.rs \
	sdk/rust/tests/sdk.rs
