#!/bin/sh
# The main job on a fresh Debian 12 machine, as root: install dependencies,
# build, install under /usr/local, then serve the sandbox "devbox" (booted
# from the embedded default image; KVM when it works, else TCG) over SSH on
# 127.0.0.1:2222 until Ctrl-C. Your ~/.ssh/id_ed25519 key is authorized
# (one is made if you have none). Safe to run again, and before or after
# scripts/run-tests.sh in the same checkout.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# MSB_PREFIX: where to install (the suite's test of this script uses a
# directory of its own).
prefix=${MSB_PREFIX:-/usr/local}
msb=$prefix/bin/msb
sh scripts/install-deps.sh
# autoreconf and make install list every file they write: shown only on failure.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
quietly() { "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }; }
quietly autoreconf -fi
# Out of the source tree, as run-tests.sh builds (build/, build-asan/): a
# configured source tree would make their configure refuse to run. An older
# run-main configured in place; undo that first.
[ ! -f config.status ] || make -s distclean
mkdir -p build-main
cd build-main
../configure -q --prefix="$prefix"
make -s -j"$(nproc)"
quietly make -s install
echo "installed msb under $prefix"
cd "$top"

"$msb" ls | grep -q '^devbox ' || "$msb" create devbox --net user
key=$HOME/.ssh/id_ed25519
[ -f "$key" ] || { mkdir -p "$HOME/.ssh" && ssh-keygen -q -t ed25519 -N '' -f "$key"; }
"$msb" ssh authorize --file "$key.pub"
rm -f "$log"
echo "Starting sandbox devbox and its SSH server; it prints 'serving' once clients can connect."
exec "$msb" ssh serve devbox
