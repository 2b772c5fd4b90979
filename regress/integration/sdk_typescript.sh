# The TypeScript binding (sdk/typescript: a Node-API module in C and its
# TypeScript layer) on one booted sandbox. It is built as a user would
# build it, in a copy of the SDK under $TMP, with `npm ci && npm run build`
# against the libmsb that `pkg-config msb` finds once stage_libmsb has
# installed it; then `npm test` runs its node --test suite
# (sdk/typescript/test): exec and its streams, concurrent exec under
# Promise.all, close and the finalizer, every SFTP call and its errors,
# the error classes, the server endpoint as OpenSSH's ProxyCommand, attach
# under script(1), `await using`. Then the example and the bench program.
# msb-test-timeout: 900
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 node npm cc pkg-config ssh sftp ssh-keygen script

sdk_sandboxes sdk-typescript

stage_libmsb
SDK="$TMP/sdk"
mkdir -p "$SDK"
(cd "$MSB_SRCDIR/sdk/typescript" &&
	tar -cf - --exclude=./node_modules --exclude=./build --exclude=./dist .) |
	tar -xf - -C "$SDK" || die "cannot copy sdk/typescript"
(cd "$SDK" && npm ci --prefer-offline --no-audit --no-fund) >"$TMP/npm.log" 2>&1 ||
	{ cat "$TMP/npm.log"; die "npm ci (typescript from the npm registry)"; }
(cd "$SDK" && npm run build) >"$TMP/build.log" 2>&1
check "npm run build: the Node-API module (-Wall -Wextra -Werror) and tsc" test $? -eq 0
cat "$TMP/build.log"

(cd "$SDK" && MSB_TEST_SANDBOX=dev MSB_TEST_STOPPED=stopped MSB_TEST_KEY="$TMP/id" \
	MSB_TEST_KEY2="$TMP/id2" timeout 300 npm test </dev/null 2>&1)
check "the TypeScript binding's tests (npm test: node --test)" test $? -eq 0

node "$SDK/examples/exec.mjs" dev 'echo out; echo err >&2; exit 5' >"$TMP/o" 2>"$TMP/e"
check_eq "examples/exec.mjs: the command's exit status" 5 $?
check_eq "examples/exec.mjs: stdout" out "$(cat "$TMP/o")"
check_eq "examples/exec.mjs: stderr" err "$(cat "$TMP/e")"
node "$SDK/examples/exec.mjs" no-such-box true 2>"$TMP/e"
check_eq "examples/exec.mjs: an unknown sandbox exits 255" 255 $?
check "examples/exec.mjs: with libmsb's message" grep -q "no sandbox named 'no-such-box'" "$TMP/e"

node "$SDK/bench/exec.mjs" dev 3 true >"$TMP/bench" 2>&1
check_eq "bench/exec.mjs: exit 0" 0 $?
check_eq "bench/exec.mjs: one 'exec MS' line per call" 3 "$(grep -Ec '^exec [0-9]+\.[0-9]+$' "$TMP/bench")"
node "$SDK/bench/exec.mjs" dev 1 false >/dev/null 2>"$TMP/e"
check "bench/exec.mjs: a failing command fails the bench" test $? -ne 0

check_eq "dev is still running" running \
	"$("$MSB" ls 2>/dev/null | awk '$1 == "dev" { print $2 }')"
done_testing
