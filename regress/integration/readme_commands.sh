# The README's two commands in one checkout, in either order and twice: a
# copy of this tree runs scripts/run-main.sh (install under a prefix of its
# own, HOME and so MSB_HOME in the test's directory, a port of its own)
# until it serves, and a real ssh gets in with the key it authorized; then
# the build scripts/run-tests.sh starts with configures and builds in the
# same checkout; then run-main.sh again, which must serve as before.
# msb-test-timeout: 1500 (two builds of the whole tree and two boots)
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd git cpio qemu-system-x86_64 ssh autoreconf

CLONE="$TMP/clone"
export HOME="$TMP/home" MSB_PREFIX="$TMP/prefix"
export MSB_DEFAULT_SSH_PORT=$((20000 + $$ % 20000))
unset MSB_HOME MSB_LIBEXECDIR
mkdir -p "$CLONE" "$HOME"
# The working tree as it is (tracked and new files), without build output.
(cd "$MSB_SRCDIR" && git ls-files -co --exclude-standard | cpio -pdm --quiet "$CLONE") ||
	die "cannot copy the tree"
at_exit '"$MSB_PREFIX/bin/msb" stop --force devbox >/dev/null 2>&1'

serving_or_gone() { grep -q "serving sandbox 'devbox'" "$1" || ! kill -0 "$2" 2>/dev/null; }

# run_main N: runs run-main.sh until it serves; ssh runs a command there
# (with -i: ssh finds ~/.ssh through the password database, not $HOME).
run_main() {
	log="$TMP/run-main.$1.log"
	(cd "$CLONE" && exec setsid sh scripts/run-main.sh) >"$log" 2>&1 </dev/null &
	pid=$!
	wait_for 900 serving_or_gone "$log" "$pid"
	check "run-main.sh (run $1) serves devbox" grep -q "serving sandbox 'devbox'" "$log"
	out=$(timeout 60 ssh -p "$MSB_DEFAULT_SSH_PORT" -i "$HOME/.ssh/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 'echo in-$(hostname)' </dev/null)
	check_eq "ssh with the key run-main.sh authorized (run $1)" in-devbox "$out"
	kill -INT -"$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

run_main 1
check "msb was installed under the prefix" test -x "$MSB_PREFIX/bin/msb"
check "the source tree itself was not configured" test ! -e "$CLONE/config.status"
# run-main.sh shows make install's output only on failure: look at it here.
(cd "$CLONE/build-main" && make -s install) >"$TMP/install.log" 2>&1
check_eq "make install again" 0 $?
check "make install prints no libtool banner" sh -c '! grep -q "Libraries have been installed" "$1"' _ "$TMP/install.log"
# What run-tests.sh does first, in the same checkout: it failed with
# "source directory already configured" after run-main.sh.
(cd "$CLONE" && autoreconf -fi && mkdir -p build && cd build && ../configure -q --enable-werror &&
	make -s -j"$(nproc)" msb) >"$TMP/run-tests-build.log" 2>&1
check_eq "run-tests.sh's configure and build work after run-main.sh" 0 $?
run_main 2

done_testing
