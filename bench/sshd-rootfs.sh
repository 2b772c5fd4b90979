#!/bin/sh
# sshd-rootfs.sh: adds OpenSSH's sshd to a root made by mkrootfs-debian.sh,
# for the bench's "sshd inside a guest" peer.
#
# Usage:
#   sshd-rootfs.sh ROOT AUTHORIZED_KEYS
#
# Copies /usr/sbin/sshd and /usr/lib/openssh/sftp-server from the host's
# openssh-server and openssh-sftp-server packages with the libraries ldd
# names, adds the privilege separation user sshd, makes root's password
# field '*' (with UsePAM no, sshd refuses an account whose field starts with
# '!' as locked, even for public keys), writes /etc/ssh/sshd_config close to
# Debian's defaults (port 22, keys only, no PAM, no DNS lookups), a fresh
# Ed25519 host key, and root's authorized_keys. /run is a tmpfs in the
# guest: whoever starts sshd makes /run/sshd first.
set -eu

die() {
	echo "sshd-rootfs.sh: $*" >&2
	exit 1
}
[ $# -eq 2 ] || die "usage: sshd-rootfs.sh ROOT AUTHORIZED_KEYS"
root=$1
keys=$2
[ -f "$root/etc/msb/image" ] || die "$root is not a root made by mkrootfs-debian.sh"
for f in /usr/sbin/sshd /usr/lib/openssh/sftp-server; do
	[ -x "$f" ] || die "$f is missing (apt-get install openssh-server openssh-sftp-server)"
done

# cp --parents follows the root's /lib -> usr/lib link, as the loader will;
# what the root already has (libc, the loader) stays as it is.
for f in /usr/sbin/sshd /usr/lib/openssh/sftp-server $(ldd /usr/sbin/sshd /usr/lib/openssh/sftp-server |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u); do
	[ -e "$root$f" ] || cp -L --parents "$f" "$root" || die "cannot copy $f"
done

grep -q '^sshd:' "$root/etc/passwd" ||
	echo 'sshd:x:102:65534::/run/sshd:/usr/sbin/nologin' >>"$root/etc/passwd"
grep -q '^sshd:' "$root/etc/shadow" || echo 'sshd:*:19000:0:99999:7:::' >>"$root/etc/shadow"
sed -i 's/^root:!:/root:*:/' "$root/etc/shadow"

mkdir -p "$root/etc/ssh" "$root/root/.ssh" "$root/var/empty"
rm -f "$root/etc/ssh/ssh_host_ed25519_key"
ssh-keygen -q -t ed25519 -N '' -f "$root/etc/ssh/ssh_host_ed25519_key" || die "ssh-keygen failed"
cat >"$root/etc/ssh/sshd_config" <<'C'
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
C
cp "$keys" "$root/root/.ssh/authorized_keys"
chmod 0700 "$root/root/.ssh"
chmod 0600 "$root/root/.ssh/authorized_keys" "$root/etc/ssh/ssh_host_ed25519_key"
