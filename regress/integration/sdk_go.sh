# The Go binding (sdk/go) on one booted sandbox, built against the
# installed libmsb (pkg-config msb) in a copy of sdk/go, with Go's caches
# in $TMP and no module downloads: go vet and gofmt, then go test (exec and
# its streams, tty, concurrency, context cancellation, leaks and RSS,
# attach on a pty, every SFTP call and its errors, error sentinels, the
# server endpoint as an OpenSSH ProxyCommand), a second go test -race run
# of the concurrent and cancelling tests, the exec example and a bench
# smoke run. The checks are sdk/go/*_test.go.
# msb-test-timeout: 1200
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 go gofmt pkg-config ssh sftp ssh-keygen

stage_libmsb
cp -r "$MSB_SRCDIR/sdk/go" "$TMP/go" || die "cannot copy sdk/go"
unset GOTOOLCHAIN GOFLAGS
export GOPATH="$TMP/gopath" GOCACHE="$TMP/gocache" GOMODCACHE="$TMP/gomodcache" GOPROXY=off
cd "$TMP/go" || die "no $TMP/go"

go vet ./... >"$TMP/vet.log" 2>&1
check "go vet ./..." test $? -eq 0
check_eq "gofmt -l finds nothing" "" "$(gofmt -l . 2>&1)"
{ go build -o "$TMP/bin/exec" ./examples/exec &&
	go build -o "$TMP/bin/bench-exec" ./bench/exec &&
	go build -o "$TMP/bin/" ./examples/attach ./examples/serve; } >"$TMP/build.log" 2>&1
check "the examples and the bench build" test $? -eq 0
check_sh "they link the staged libmsb" \
	'ldd "$TMP/bin/exec" | grep -q "$TMP/stage/.*libmsb.so"'

sdk_sandboxes sdk-go
export MSB_TEST_SANDBOX=dev MSB_TEST_STOPPED=stopped MSB_TEST_KEY="$TMP/id" MSB_TEST_KEY2="$TMP/id2"

timeout 600 go test -count=1 -v ./... </dev/null >"$TMP/gotest.log" 2>&1
rc=$?
grep -E '^(--- |ok |FAIL|PASS$)|RSS|sleep 1|cancelled|ssh ended' "$TMP/gotest.log"
check "go test ./... against the sandbox (sdk/go/*_test.go)" test $rc -eq 0
check_sh "no test skipped under the suite" '! grep -q -- "--- SKIP" "$TMP/gotest.log"'

timeout 600 go test -race -count=1 -run 'Concurrent|Cancel|Close|Leaks|SFTP|Serve' ./... \
	</dev/null >"$TMP/gorace.log" 2>&1
rc=$?
tail -n 3 "$TMP/gorace.log"
check "go test -race on the concurrent, cancelling and closing tests" test $rc -eq 0

"$TMP/bin/exec" dev 'echo out; printf "e\\000rr" >&2; exit 5' >"$TMP/ex.out" 2>"$TMP/ex.err"
check_eq "examples/exec exits with the command's status" 5 $?
check_eq "examples/exec writes its stdout" out "$(cat "$TMP/ex.out")"
check_sh "examples/exec writes its stderr as it was" 'printf "e\\000rr" | cmp -s - "$TMP/ex.err"'
"$TMP/bin/exec" no-such-box true >/dev/null 2>"$TMP/ex.err"
check_eq "examples/exec on an unknown sandbox exits 1" 1 $?
check_sh "with libmsb's status and message" 'grep -q "MSB_ERR_NO_SANDBOX: no sandbox named .no-such-box." "$TMP/ex.err"'

"$TMP/bin/bench-exec" dev 3 true >"$TMP/bench.out" 2>&1
check "bench/exec runs" test $? -eq 0
check_eq "it prints one 'exec MS' line per call" 3 "$(grep -cE '^exec [0-9]+\.[0-9]+$' "$TMP/bench.out")"
"$TMP/bin/bench-exec" stopped 3 true >/dev/null 2>"$TMP/bench.err"
rc=$?
check_sh "bench/exec fails with a message on a stopped sandbox" \
	'[ $rc -ne 0 ] && grep -q MSB_ERR_NOT_RUNNING "$TMP/bench.err"'

check_eq "dev is still running" running \
	"$("$MSB" ls 2>/dev/null | awk '$1 == "dev" { print $2 }')"
done_testing
