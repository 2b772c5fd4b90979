#!/bin/sh
# The main job on a fresh Debian 12 machine, as root: install dependencies,
# build, install under /usr/local, then serve the sandbox "devbox" (booted
# from the embedded default image; KVM when it works, else TCG) over SSH on
# 127.0.0.1:2222 until Ctrl-C. Your ~/.ssh/id_ed25519 key is authorized
# (one is made if you have none).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh
autoreconf -fi
./configure -q --prefix=/usr/local
make -s -j"$(nproc)"
make -s install

msb ls | grep -q '^devbox ' || msb create devbox --net user
key=$HOME/.ssh/id_ed25519
[ -f "$key" ] || { mkdir -p "$HOME/.ssh" && ssh-keygen -q -t ed25519 -N '' -f "$key"; }
msb ssh authorize --file "$key.pub"
cat <<MSG
Serving sandbox devbox. From another terminal:
  ssh -p 2222 -o StrictHostKeyChecking=accept-new root@127.0.0.1
  sftp -P 2222 root@127.0.0.1
  ssh -p 2222 -L 8080:127.0.0.1:80 root@127.0.0.1
Ctrl-C stops serving (the sandbox keeps running: msb ls, msb stop devbox).
MSG
exec msb ssh serve devbox
