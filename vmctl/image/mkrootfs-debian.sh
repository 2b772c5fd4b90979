#!/bin/sh
# mkrootfs-debian.sh: gather msb's default guest root from this Debian host.
#
# Usage:
#   mkrootfs-debian.sh STAGING
#
# Fills the directory STAGING (created if missing, must be empty) with a
# small root filesystem made offline, without any download: programs are
# copied from the host's installed Debian packages together with the shared
# libraries ldd says they need and the dynamic loader. msb then turns the
# directory into an ext4 disk with mke2fs -d.
#
# What goes in, and why (Debian package: programs):
#   dash: dash, as /bin/sh           scripts; the agent's shell when passwd
#                                    names none that exists
#   bash: bash                       shell of root and user: the agent runs
#                                    commands with it (bash -c), as sshd does
#   coreutils, grep, sed, findutils, tar, gzip: every program they ship
#   mawk: mawk, as awk               the usual userland
#   procps: every program            ps, top, kill, pgrep (read /proc)
#   util-linux: every program        more, setsid, lsblk, nsenter...
#   login: nologin                   the shell of nobody
#   rsync: rsync                     remote end of rsync -av src host:dst
#                                    (rsync --server runs in the guest)
#   openssh-client: scp              remote end of scp -O (scp -t / scp -f)
#   socat: socat                     TCP listener for port forwarding
#   busybox-static: busybox          nc -l -p PORT, vi, wget, ip...: an
#                                    applet link for each tool that no
#                                    Debian program above provides
#   diffutils, less, xz-utils, bzip2, iproute2, ncurses-bin, hostname,
#   debianutils, netbase: copied when installed, nothing depends on them
# Also: libnss_files/libnss_dns (glibc loads them by name, ldd cannot see
# them), terminfo for xterm, xterm-256color, vt100, linux, screen, tmux and
# dumb, /etc/passwd with root, nobody and user (uid 1000, /home/user),
# /etc/group, a locked /etc/shadow, nsswitch.conf (files), hosts (no
# /etc/hostname: the agent writes the sandbox's name there at boot),
# os-release, profile, shells, the merged-/usr symlinks (/bin -> usr/bin...),
# mountpoints /dev /proc /sys /run, /tmp and /var/tmp (1777), /root (0700),
# and /etc/msb/image, the marker that says the root came from here.
#
# Owners: as root, /home/user is chowned to 1000:1000 and everything else is
# root's. Without root nothing can be chowned; msb then sets the owners in
# the ext4 image itself (every file root's, each /home/NAME its passwd
# owner's). Needs ldd (libc-bin), dpkg, and the packages above.
set -eu

prog=${0##*/}
die() {
	echo "$prog: $*" >&2
	exit 1
}
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case $1 in
-h | --help) usage ;;
/*) root=$1 ;;
*) root=$(pwd)/$1 ;;
esac
mkdir -p "$root" || die "cannot create $root"
[ -z "$(ls -A "$root")" ] || die "$root is not empty"
command -v ldd >/dev/null 2>&1 || die "ldd not found (apt-get install libc-bin)"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this needs a Debian host"

work=$(mktemp -d "${TMPDIR:-/tmp}/mkrootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# Copies the host file $1 to the same path under $root. A symlink stays a
# symlink and its target is copied too, so alternatives (awk ->
# /etc/alternatives/awk -> mawk) and library sonames keep their shape.
copy() {
	p=$1
	while :; do
		if [ -e "$root$p" ] || [ -L "$root$p" ]; then
			return 0
		fi
		d=${p%/*}
		mkdir -p "$root${d:-/}" || die "cannot create $root$d"
		if [ -L "$p" ]; then
			t=$(readlink "$p") || die "cannot read link $p"
			ln -s "$t" "$root$p" || die "cannot link $root$p"
			case $t in
			/*) p=$t ;;
			*) p=${d:-}/$t ;;
			esac
			continue
		fi
		[ -e "$p" ] || die "$p does not exist"
		cp -p "$p" "$root$p" || die "cannot copy $p"
		echo "$p" >>"$work/copied"
		return 0
	done
}

# The programs (files in a bin or sbin directory) package $1 ships.
programs() {
	dpkg-query -L "$1" | grep -E '^(/usr)?/s?bin/[^/]+$' | while IFS= read -r f; do
		if [ -f "$f" ] || [ -L "$f" ]; then
			echo "$f"
		fi
	done
}

installed() {
	[ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Takes "PACKAGE PROGRAM..." lines on stdin; '*' is every program.
take() { # take required|optional
	while read -r pkg progs; do
		if ! installed "$pkg"; then
			[ "$1" = optional ] && continue
			die "package $pkg is not installed (apt-get install $pkg)"
		fi
		if [ "$progs" = '*' ]; then
			programs "$pkg" >"$work/list" || die "cannot list $pkg"
		else
			# Split on purpose: absolute paths, no wildcards.
			# shellcheck disable=SC2086
			printf '%s\n' $progs >"$work/list"
		fi
		while IFS= read -r f; do
			copy "$f"
		done <"$work/list"
	done
}

: >"$work/copied"
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$root/$d"
	mkdir -p "$root/usr/$d"
done

take required <<'EOF'
dash /usr/bin/dash
bash /usr/bin/bash
coreutils *
grep *
sed *
mawk /usr/bin/mawk /usr/bin/awk
findutils *
tar *
gzip *
procps *
util-linux *
login /usr/sbin/nologin
rsync /usr/bin/rsync
openssh-client /usr/bin/scp
socat /usr/bin/socat
busybox-static /usr/bin/busybox
EOF
take optional <<'EOF'
diffutils *
less /usr/bin/less
xz-utils *
bzip2 *
iproute2 /usr/bin/ip /usr/bin/ss
ncurses-bin /usr/bin/clear /usr/bin/tput /usr/bin/reset /usr/bin/tset
hostname /usr/bin/hostname
debianutils /usr/bin/which /usr/bin/run-parts /usr/bin/tempfile
EOF
ln -s dash "$root/usr/bin/sh"

for f in /usr/lib/x86_64-linux-gnu/libnss_files.so.2 \
	/usr/lib/x86_64-linux-gnu/libnss_dns.so.2; do
	if [ -e "$f" ]; then
		copy "$f"
	fi
done

# Shared libraries and the loader of everything copied so far, until no
# new library turns up (libraries need libraries).
: >"$work/seen"
while :; do
	sort -u "$work/copied" >"$work/all"
	comm -23 "$work/all" "$work/seen" >"$work/new"
	[ -s "$work/new" ] || break
	cp "$work/all" "$work/seen"
	# Scripts and static programs are "not a dynamic executable": ldd
	# says so, fails, and goes on with the next file.
	tr '\n' '\0' <"$work/new" | xargs -0 ldd >"$work/ldd" 2>/dev/null || true
	if grep -q 'not found' "$work/ldd"; then
		die "missing libraries: $(grep 'not found' "$work/ldd" | sort -u | tr -s '\t\n' '  ')"
	fi
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' \
		"$work/ldd" | sort -u >"$work/libs"
	while IFS= read -r f; do
		copy "$f"
	done <"$work/libs"
done

# Busybox fills the gaps, never shadowing a Debian program. Its init
# would only confuse: the msb agent is PID 1.
"$root/usr/bin/busybox" --list-full >"$work/applets" || die "busybox --list-full failed"
while IFS= read -r a; do
	case ${a##*/} in
	init | linuxrc) continue ;;
	esac
	if [ ! -e "$root/$a" ] && [ ! -L "$root/$a" ]; then
		mkdir -p "$root/${a%/*}"
		ln -s /usr/bin/busybox "$root/$a"
	fi
done <"$work/applets"

for t in x/xterm x/xterm-256color v/vt100 l/linux s/screen s/screen-256color \
	t/tmux t/tmux-256color d/dumb; do
	if [ -e "/lib/terminfo/$t" ]; then
		copy "/lib/terminfo/$t"
	elif [ -e "/usr/share/terminfo/$t" ]; then
		copy "/usr/share/terminfo/$t"
	else
		case $t in
		*/tmux-256color | */screen-256color) ;; # ncurses-term, optional
		*) die "no terminfo entry $t (apt-get install ncurses-base)" ;;
		esac
	fi
done

for f in /etc/os-release /etc/services /etc/protocols; do
	if [ -e "$f" ]; then
		copy "$f"
	fi
done

mkdir -p "$root/etc/msb" "$root/dev" "$root/proc" "$root/sys" "$root/run" \
	"$root/tmp" "$root/var/tmp" "$root/var/log" "$root/var/lib" \
	"$root/root" "$root/home/user" "$root/mnt" "$root/usr/local/bin"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
chmod 0755 "$root/home/user" "$root/dev" "$root/proc" "$root/sys" "$root/run"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
user:x:1000:1000:user:/home/user:/bin/bash
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
user:x:1000:
EOF
cat >"$root/etc/shadow" <<'EOF'
root:!:19000:0:99999:7:::
nobody:!:19000:0:99999:7:::
user:!:19000:0:99999:7:::
EOF
chmod 0600 "$root/etc/shadow"
cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
networks: files
protocols: files
services: files
EOF
cat >"$root/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
EOF
printf '/bin/sh\n/bin/dash\n/bin/bash\n/usr/bin/bash\n' >"$root/etc/shells"
cat >"$root/etc/profile" <<'EOF'
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
if [ "$(id -u)" -eq 0 ]; then PS1='# '; else PS1='$ '; fi
EOF
ln -s ../proc/self/mounts "$root/etc/mtab"
{
	echo "msb default root, gathered by $prog from the host's Debian packages"
	sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"'
} >"$root/etc/msb/image"

# Without a cache the loader still finds the multiarch directories, but a
# cache makes every program start without searching.
if command -v ldconfig >/dev/null 2>&1; then
	: >"$root/etc/ld.so.conf"
	ldconfig -r "$root" || die "ldconfig -r $root failed"
fi

if [ "$(id -u)" = 0 ]; then
	chown -R 0:0 "$root" || die "cannot chown $root"
	chown 1000:1000 "$root/home/user" || die "cannot chown $root/home/user"
fi
echo "$prog: gathered $(wc -l <"$work/copied") files into $root" >&2
