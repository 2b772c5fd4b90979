#!/bin/sh
# The main job on a fresh Debian 12 machine, as root: install dependencies,
# build, install under /usr/local, then boot the sandbox "devbox" from the
# embedded default image (QEMU microVM; KVM when it works, else TCG) and
# use it through its guest agent: commands, a terminal, SFTP, a TCP relay.
# The sandbox keeps running afterwards: 'msb ls', 'msb stop devbox'.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh
autoreconf -fi
./configure -q --prefix=/usr/local
make -s -j"$(nproc)"
make -s install

msb ls | grep -q '^devbox ' || msb create devbox --net user
msb start devbox
msb ls
vsock=${MSB_HOME:-$HOME/.microsandbox}/sandboxes/devbox/vsock.sock
set -x
msb agent --vsock "$vsock" info
msb agent --vsock "$vsock" exec -- 'uname -a; cat /etc/os-release | head -1; df -h /'
msb agent --vsock "$vsock" exec --user user -- 'echo "hello from $(id -un) in $(pwd)"'
msb agent --vsock "$vsock" exec --tty --size 100x30 -- 'stty size' </dev/null
msb agent --vsock "$vsock" exec -- 'echo to stderr >&2; exit 3' || echo "exit status $?"
dir=$(mktemp -d)
echo "hello over sftp" > "$dir/hello.txt"
printf 'put %s /tmp/hello.txt\nls -l /tmp\nget /tmp/hello.txt %s/back.txt\n' "$dir/hello.txt" "$dir" |
	sftp -b - -D "msb agent --vsock $vsock sftp"
cat "$dir/back.txt"
rm -rf "$dir"
