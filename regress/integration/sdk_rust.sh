# The Rust SDK (sdk/rust, crate msb) on one booted sandbox: built offline
# with Debian's crates against an installed libmsb found by pkg-config (a
# staged `make install`), then its integration tests (sdk/rust/tests: exec
# and its streams, tty, five concurrent execs on one client, attach under
# tmux with an exit code and detach keys, every SFTP call and its errors,
# unknown/stopped sandboxes and closed handles, the server endpoint with
# OpenSSH over TCP and as a ProxyCommand) and the exec example.
# MSB_CARGO picks the cargo (default: the first on PATH); building the
# crate and tokio takes about a minute.
# msb-test-timeout: 900
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 "${MSB_CARGO:-cargo}" pkg-config ssh sftp ssh-keygen tmux
CARGO_BIN=$(command -v "${MSB_CARGO:-cargo}")
# cargo runs the rustc and rustdoc first on PATH: with Debian's
# /usr/bin/cargo that would be rustup's 1.95 where it comes first on PATH,
# so the cargo chosen gets the compiler installed beside it.
bindir=$(dirname "$CARGO_BIN")
[ -x "$bindir/rustc" ] && export RUSTC="$bindir/rustc"
[ -x "$bindir/rustdoc" ] && export RUSTDOC="$bindir/rustdoc"
ls -d /usr/share/cargo/registry/tokio-1.* >/dev/null 2>&1 || skip "needs librust-tokio-dev (scripts/install-deps.sh)"

sdk_sandboxes sdk-rust

stage_libmsb
# Build output goes to $TMP, never into the source tree; the copy keeps
# its .cargo/config.toml, which sends cargo to Debian's registry whatever
# CARGO_HOME is.
mkdir -p "$TMP/crate" && cp -R "$MSB_SRCDIR/sdk/rust/." "$TMP/crate/" && rm -rf "$TMP/crate/target"
export CARGO_TARGET_DIR="$TMP/target" CARGO_HOME="$TMP/cargo-home" RUST_BACKTRACE=0
cd "$TMP/crate" || die "cd $TMP/crate"
echo "cargo: $("$CARGO_BIN" --version) ($CARGO_BIN), $("${RUSTC:-rustc}" --version)"
start=$(date +%s)
"$CARGO_BIN" build --offline --examples --tests >"$TMP/build.log" 2>&1
rc=$?
check "the crate, its examples and tests build offline against pkg-config msb ($(( $(date +%s) - start )) s)" test $rc -eq 0
[ $FAILS -eq 0 ] || { tail -n 40 "$TMP/build.log"; done_testing; }

EX="$CARGO_TARGET_DIR/debug/examples"
"$EX/exec" dev 'echo out; echo err >&2; exit 3' >"$TMP/ex.out" 2>"$TMP/ex.err"
check_eq "examples/exec exits with the command's status" 3 $?
check_eq "examples/exec writes the command's stdout to stdout" out "$(cat "$TMP/ex.out")"
check_eq "examples/exec writes the command's stderr to stderr" err "$(cat "$TMP/ex.err")"
"$EX/exec" nosuch true >/dev/null 2>"$TMP/ex.err"
check_eq "examples/exec fails on an unknown sandbox" 255 $?
check "... with libmsb's status and message" grep -q "MSB_ERR_NO_SANDBOX: .*nosuch" "$TMP/ex.err"
"$EX/bench_exec" dev 3 true >"$TMP/bench.out" 2>&1
check_sh "examples/bench_exec prints one 'exec MS' line per call" \
	'[ $? -eq 0 ] && [ "$(grep -c "^exec [0-9][0-9.]*$" "$TMP/bench.out")" -eq 3 ]'

start=$(date +%s)
# The tests' own scratch files and tmux sockets (std::env::temp_dir) go
# with $TMP, even after a failed test.
TMPDIR="$TMP" MSB_TEST_SANDBOX=dev MSB_TEST_STOPPED=stopped MSB_TEST_KEY="$TMP/id" MSB_TEST_KEY2="$TMP/id2" \
	timeout 600 "$CARGO_BIN" test --offline --no-fail-fast -- --test-threads=4 </dev/null 2>&1
rc=$?
check "the crate's tests (cargo test against dev, $(( $(date +%s) - start )) s)" test $rc -eq 0
check_eq "dev is still running" running \
	"$("$MSB" ls 2>/dev/null | awk '$1 == "dev" { print $2 }')"
done_testing
