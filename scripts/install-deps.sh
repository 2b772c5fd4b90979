#!/bin/sh
# Installs everything msb needs to build, run and test, from Debian 12's
# own packages. Run as root; safe to run again.
set -eu
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get install)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# Without apt-utils, debconf says "delaying package configuration" for every
# package: harmless, and read as trouble.
export DEBCONF_NOWARNINGS=yes
apt-get update -qq
# build: the toolchain, clang with its ASan/UBSan/libFuzzer runtimes, and
# the five libraries configure checks for
# sandboxes: QEMU, the guest kernel, the tools that build images, and
# nftables and iproute2 (a user network's namespace, its link to this host
# and the filter that keeps the guest off this host)
# default image root (vmctl/image/mkrootfs-debian.sh copies these binaries)
# tests: OpenSSH clients and server parts, socat, tmux, python3,
# git (readme_commands copies the working tree as git lists it), groff-base
# (cli_help renders the man pages), systemd (systemd-analyze verify checks
# the gateway's unit), asciinema (ssh_record replays a session recording
# with asciinema cat)
apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config clang libclang-rt-14-dev \
	libssh-dev libssl-dev libseccomp-dev libcap-dev libbsd-dev linux-libc-dev \
	qemu-system-x86 linux-image-cloud-amd64 e2fsprogs cpio kmod zstd xz-utils nftables \
	dash bash coreutils grep sed mawk findutils tar gzip procps util-linux login \
	rsync openssh-client socat busybox-static ncurses-base ncurses-term libc-bin \
	diffutils less bzip2 iproute2 hostname debianutils netbase \
	openssh-sftp-server tmux python3 passwd git groff-base systemd asciinema >/dev/null
# SSH client tests: Dropbear's client and curl (through ssh -D)
apt-get install -y -qq --no-install-recommends dropbear-bin curl >/dev/null
# bench/ and its smoke test: OpenSSH's sshd as the peer msb is measured
# against, started by the bench with its own config. A host that had no SSH
# server gets none from us: Debian's ssh service does not run while
# sshd_not_to_be_run exists (its init script and systemd unit check it).
if [ ! -x /usr/sbin/sshd ]; then
	mkdir -p /etc/ssh && touch /etc/ssh/sshd_not_to_be_run
	apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
fi
# the unprivileged account msb's preauth child runs as (see host/preauth_env.h)
id msb-preauth >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /run/msb/empty --shell /usr/sbin/nologin msb-preauth
# sdk/typescript: Node.js and npm (the SDK's build runs tsc from the npm
# registry), and Node's headers for its Node-API module (node_api.h), from
# Debian's packages, only where the machine has none.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
[ -f "$(dirname "$(dirname "$(command -v node)")")/include/node/node_api.h" ] ||
	apt-get install -y -qq --no-install-recommends libnode-dev >/dev/null
# sdk/go and regress/integration/sdk_go.sh: Debian's Go toolchain (1.19),
# only where the machine has no go; the binding needs no modules.
command -v go >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends golang-go >/dev/null
# sdk/rust (the Rust SDK and regress/integration/sdk_rust.sh): a cargo and
# rustc from Debian unless one is on PATH already (rustup's), and always the
# crates it builds with offline, as Debian packages them: the crate's
# .cargo/config.toml points cargo at /usr/share/cargo/registry, which these
# fill whichever cargo runs. librust-tokio-dev provides every tokio feature
# the crate enables (rt, rt-multi-thread, sync, net, io-util, io-std, macros,
# time); librust-bytes-dev is also one of its dependencies.
command -v cargo >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends cargo >/dev/null
apt-get install -y -qq --no-install-recommends librust-tokio-dev librust-bytes-dev >/dev/null
