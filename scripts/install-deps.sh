#!/bin/sh
# Installs everything msb needs to build, run and test, from Debian 12's
# own packages. Run as root; safe to run again.
set -eu
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get install)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config \
	libssh-dev libseccomp-dev libcap-dev libbsd-dev linux-libc-dev \
	clang \
	openssh-client openssh-sftp-server \
	socat tmux python3 iproute2 util-linux procps passwd \
	qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio e2fsprogs \
	zstd xz-utils kmod >/dev/null
