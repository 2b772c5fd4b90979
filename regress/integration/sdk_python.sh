# The Python binding (sdk/python/msb) on one booted sandbox: exec and its
# streams, statuses and signals, concurrent exec under asyncio.gather with
# the event loop still running, attach on a pty (exit code, size, detach),
# every SFTP call and its errors, the error classes (unknown and stopped
# sandboxes, SFTP disabled), and the server endpoint with real OpenSSH
# clients (serve() on a socket, serve_stdio() as a ProxyCommand). The
# checks are sdk/python/tests/test_sdk.py.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 python3 ssh sftp ssh-keygen
# Debian's python3 is the one the package is installed for.
PY=$(command -v /usr/bin/python3 || command -v python3)
export MSB_LIBMSB="$MSB_BUILDDIR/lib/.libs/libmsb.so.0"
export PYTHONPATH="$MSB_SRCDIR/sdk/python" PYTHONDONTWRITEBYTECODE=1
[ -e "$MSB_LIBMSB" ] || die "no $MSB_LIBMSB (build first)"

sdk_sandboxes sdk-python

MSB_TEST_SANDBOX=dev MSB_TEST_STOPPED=stopped MSB_TEST_KEY="$TMP/id" MSB_TEST_KEY2="$TMP/id2" \
	timeout 300 "$PY" "$MSB_SRCDIR/sdk/python/tests/test_sdk.py" -v </dev/null 2>&1
check "the Python binding's tests (sdk/python/tests/test_sdk.py)" test $? -eq 0
out=$("$PY" "$MSB_SRCDIR/sdk/python/examples/exec.py" dev 'echo out; echo err >&2; exit 3' 2>"$TMP/ex.err")
check_eq "examples/exec.py exits with the command's status" 3 $?
check_eq "examples/exec.py: stdout" out "$out"
check_eq "examples/exec.py: stderr" err "$(cat "$TMP/ex.err")"
check_eq "bench/exec.py prints one timing per exec" 3 \
	"$("$PY" "$MSB_SRCDIR/sdk/python/bench/exec.py" dev 3 true | grep -cE '^exec [0-9.]+$')"
check_eq "dev is still running" running \
	"$("$MSB" ls 2>/dev/null | awk '$1 == "dev" { print $2 }')"
done_testing
