#!/bin/sh
# The main job on a fresh Debian 12 machine, as root: install dependencies,
# build, install under /usr/local, then run the guest agent on the host and
# use it the way msb's server will: a command, a terminal size, a TCP relay
# and an SFTP session through OpenSSH's sftp client.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh
autoreconf -fi
./configure -q --prefix=/usr/local
make -s -j"$(nproc)"
make -s install

agent=/usr/local/libexec/msb/msb-agent
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$agent" --listen "unix:$dir/agent.sock" &
pid=$!
for _ in $(seq 50); do msb agent --socket "$dir/agent.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
export MSB_AGENT_SOCKET="$dir/agent.sock"

set -x
msb agent info
msb agent exec --user nobody -- 'echo "hello from $(id -un) in $(pwd)"; uname -sr'
msb agent exec --tty --size 100x30 -- 'stty size' </dev/null
msb agent exec -- 'echo to stderr >&2; exit 3' || echo "exit status $?"
echo "hello over sftp" > "$dir/hello.txt"
printf 'put %s %s/copy.txt\nls -l %s\nget %s/copy.txt %s/back.txt\n' \
	"$dir/hello.txt" "$dir" "$dir" "$dir" "$dir" |
	sftp -b - -D "msb agent --socket $dir/agent.sock sftp"
cat "$dir/back.txt"
