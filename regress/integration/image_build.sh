#!/bin/sh
# msb image build/ls/rm with a private MSB_HOME: the default Debian root
# (its tools run in a chroot of the disk's content, real rsync and scp -O
# clients talk to its rsync and scp), the cache, --force, a busybox root
# from a directory and from a tarball, a build without root, two builds at
# once, and the errors that must leave no image behind.
. "$(dirname "$0")/../lib.sh"

need_root
need_cmd mke2fs debugfs e2fsck cpio chroot rsync scp setpriv timeout
[ -x /bin/busybox ] || skip "needs /bin/busybox (apt-get install busybox-static)"
kernel=
for k in /boot/vmlinuz-*-cloud-amd64; do
	[ -f "$k" ] && kernel=$k
done
if [ -z "$kernel" ]; then
	[ -n "${CI:-}" ] && die "no /boot/vmlinuz-*-cloud-amd64 (required when CI is set)"
	skip "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
fi
for h in msb msb-agent msb-mkinitramfs msb-mkrootfs-debian; do
	[ -x "$MSB_BUILDDIR/$h" ] || die "$MSB_BUILDDIR/$h not built (make msb msb-agent msb-mkinitramfs msb-mkrootfs-debian)"
done

export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
images=$MSB_HOME/images
msb() { timeout 120 "$MSB" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# Everything in images/ but the lock files: what a failed build must not change.
contents() {
	for f in "$images"/* "$images"/.*; do
		case ${f##*/} in . | .. | .*.lock | '*' | '.*') ;; *) printf '%s ' "${f##*/}" ;; esac
	done
}
dfs() { debugfs -R "$1" "$2" 2>/dev/null; }

# --- the default image ----------------------------------------------------
t0=$(now)
msb image build >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; die "msb image build failed"; }
echo "default image built in $(elapsed "$t0") s"
img=$images/default
for f in vmlinuz initramfs.cpio.gz rootfs.ext4 image.conf; do
	check "image has $f" test -s "$img/$f"
done
check_eq "kernel_version" "${kernel#/boot/vmlinuz-}" "$(sed -n 's/^kernel_version=//p' "$img/image.conf")"
check_eq "source" default "$(sed -n 's/^source=//p' "$img/image.conf")"
check_eq "rootfs_bytes" "$(stat -c %s "$img/rootfs.ext4")" "$(sed -n 's/^rootfs_bytes=//p' "$img/image.conf")"
check "created is set" grep -q '^created=20..-..-..T..:..:..Z$' "$img/image.conf"
echo "sizes: $(du -k --apparent-size "$img"/* | awk '{ printf "%s=%dK ", $2, $1 }' | sed "s|$img/||g")"
echo "on disk: $(du -sk "$img" | cut -f1)K"
check "e2fsck -fn is clean" e2fsck -fn "$img/rootfs.ext4" >"$TMP/fsck.log" 2>&1
check_eq "label" msb-root "$(dumpe2fs -h "$img/rootfs.ext4" 2>/dev/null | sed -n 's/^Filesystem volume name: *//p')"

gzip -dc "$img/initramfs.cpio.gz" | cpio -t --quiet >"$TMP/initramfs.list"
for m in init etc/msb/modules lib/modules/vsock.ko lib/modules/vmw_vsock_virtio_transport.ko \
	lib/modules/virtio_mmio.ko lib/modules/virtio_blk.ko lib/modules/virtio_net.ko; do
	check "initramfs has $m" grep -qx "$m" "$TMP/initramfs.list"
done

root=$TMP/root
mkdir "$root"
dfs "rdump / $root" "$img/rootfs.ext4"
# In the guest, devtmpfs provides /dev; scp wants /dev/null.
mknod "$root/dev/null" c 1 3
in_root() { timeout 10 chroot "$root" "$@"; }
check_eq "sh -c" ok "$(in_root /bin/sh -c 'echo ok')"
check "bash --version" sh -c "timeout 10 chroot '$root' bash --version | grep -q 'GNU bash'"
check "rsync --version" sh -c "timeout 10 chroot '$root' rsync --version | grep -q 'protocol version'"
in_root scp >"$TMP/scp.out" 2>&1
check_eq "scp without arguments exits 1" 1 $?
check "scp prints its usage" grep -q 'usage: scp' "$TMP/scp.out"
check "socat -h" sh -c "timeout 10 chroot '$root' socat -h | grep -q socat"
check "nc -l is there" sh -c "timeout 10 chroot '$root' nc --help 2>&1 | grep -q -- '-l.*Listen'"
check_eq "id user" "uid=1000(user) gid=1000(user) groups=1000(user)" "$(in_root id user)"
check_eq "awk" 3 "$(in_root awk 'BEGIN { print 1 + 2 }')"
# rdump drops the sticky bit: ask the image itself.
check_eq "/tmp is 1777" 01777 "$(dfs 'stat /tmp' "$img/rootfs.ext4" | sed -n 's/.*Mode: *\([0-7]*\).*/\1/p')"
check_eq "/root is 0700" drwx------ "$(in_root ls -ld /root | cut -c1-10)"
check_eq "/home/user belongs to user" "1000:1000" "$(stat -c %u:%g "$root/home/user")"
check_eq "/home/user in the image" "1000 1000" "$(dfs 'stat /home/user' "$img/rootfs.ext4" | awk '/User:/ { print $2, $4 }')"
check_eq "/usr/bin/bash in the image" "0 0" "$(dfs 'stat /usr/bin/bash' "$img/rootfs.ext4" | awk '/User:/ { print $2, $4 }')"
check "/etc/msb marker" test -s "$root/etc/msb/image"
for t in x/xterm x/xterm-256color v/vt100 l/linux s/screen t/tmux; do
	check "terminfo $t" sh -c "[ -e '$root/lib/terminfo/$t' ] || [ -e '$root/usr/share/terminfo/$t' ]"
done

# The real clients, with the image as the remote end. Like ssh, the "rsh"
# hands the remote command line to the remote shell.
cat >"$TMP/rsh" <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do
	case \$1 in
	--) shift; break ;;
	-l | -p) shift 2 ;;
	-*) shift ;;
	*) break ;;
	esac
done
shift
exec timeout 20 chroot "$root" /bin/sh -c "\$*"
EOF
chmod +x "$TMP/rsh"
mkdir -p "$TMP/src/sub"
head -c 100000 /dev/urandom >"$TMP/src/sub/data"
echo hello >"$TMP/src/hello"
check "rsync -av to the image's rsync --server" \
	timeout 30 rsync -a -e "$TMP/rsh" "$TMP/src/" "sandbox:/tmp/dst/"
check "rsync copied the tree" cmp "$TMP/src/sub/data" "$root/tmp/dst/sub/data"
check "scp -O to the image's scp -t" \
	timeout 30 scp -q -O -S "$TMP/rsh" "$TMP/src/hello" "sandbox:/tmp/hello"
check "scp copied the file" cmp "$TMP/src/hello" "$root/tmp/hello"
check "scp -O from the image's scp -f" \
	timeout 30 scp -q -O -S "$TMP/rsh" "sandbox:/tmp/dst/sub/data" "$TMP/back"
check "scp fetched the file" cmp "$TMP/src/sub/data" "$TMP/back"

# The TCP listener port forwarding tests rely on.
port=$((20000 + $$ % 20000))
timeout 60 chroot "$root" nc -l -p "$port" >"$TMP/nc.out" &
ncpid=$!
at_exit "kill $ncpid 2>/dev/null"
wait_listen "$port" && echo through | timeout 2 /bin/busybox nc 127.0.0.1 "$port" 2>/dev/null
wait "$ncpid"
check_eq "nc -l -p received" through "$(cat "$TMP/nc.out")"

# --- cache and --force ----------------------------------------------------
before=$(stat -c %Y.%y "$img/rootfs.ext4")
t0=$(now)
msb image build >"$TMP/again.log" 2>&1
check_eq "second build succeeds" 0 $?
echo "cached build took $(elapsed "$t0") s"
check "second build says it reused the image" grep -q 'already built' "$TMP/again.log"
check_eq "cached image untouched" "$before" "$(stat -c %Y.%y "$img/rootfs.ext4")"
ino=$(stat -c %i "$img")
msb image build --force >"$TMP/force.log" 2>&1
check_eq "--force succeeds" 0 $?
check "--force made a new image" test "$ino" != "$(stat -c %i "$img")"
check "--force image is complete" test -s "$img/image.conf"


# --- --rootfs DIR and --rootfs-tar ----------------------------------------
tiny=$TMP/tiny
mkdir -p "$tiny/bin" "$tiny/etc" "$tiny/dev" "$tiny/home/u"
cp /bin/busybox "$tiny/bin/busybox"
ln -s busybox "$tiny/bin/sh"
ln -s /bin/busybox "$tiny/bin/ls"
echo 'root:x:0:0:root:/root:/bin/sh' >"$tiny/etc/passwd"
chown 1234:1234 "$tiny/home/u"
msb image build tiny --rootfs "$tiny" >"$TMP/tiny.log" 2>&1
check_eq "--rootfs DIR" 0 $?
check_eq "--rootfs source" "dir:$tiny" "$(sed -n 's/^source=//p' "$images/tiny/image.conf")"
check "--rootfs image e2fsck clean" e2fsck -fn "$images/tiny/rootfs.ext4" >/dev/null 2>&1
mkdir "$TMP/tinyroot"
dfs "rdump / $TMP/tinyroot" "$images/tiny/rootfs.ext4"
check_eq "busybox root runs" ok "$(timeout 10 chroot "$TMP/tinyroot" /bin/sh -c 'echo ok')"
check_eq "owners kept" "1234:1234" "$(stat -c %u:%g "$TMP/tinyroot/home/u")"

# An unfinished directory (no image.conf) is rebuilt, not reused.
rm "$images/tiny/image.conf"
msb image build tiny --rootfs "$tiny" >"$TMP/repair.log" 2>&1
check_eq "incomplete image rebuilt" 0 $?
check "rebuilt image is complete" test -s "$images/tiny/image.conf"
check "rebuilt, not reused" sh -c "! grep -q 'already built' '$TMP/repair.log'"

# A docker-export-like tarball: a hard link, device nodes in and out of /dev.
ln "$tiny/etc/passwd" "$tiny/etc/passwd.hard"
mknod "$tiny/dev/null" c 1 3
mknod "$tiny/etc/weird" c 1 3
tar -cf "$TMP/tiny.tar" -C "$tiny" .
msb image build tinytar --rootfs-tar "$TMP/tiny.tar" >"$TMP/tinytar.log" 2>&1
check_eq "--rootfs-tar" 0 $?
timg=$images/tinytar/rootfs.ext4
check "--rootfs-tar image e2fsck clean" e2fsck -fn "$timg" >/dev/null 2>&1
check_eq "hard link kept" 2 "$(dfs 'stat /etc/passwd' "$timg" | sed -n 's/.*Links: \([0-9]*\).*/\1/p')"
check_eq "absolute symlink kept" '"/bin/busybox"' "$(dfs 'stat /bin/ls' "$timg" | sed -n 's/^Fast link dest: //p')"
check "device node outside /dev left out" sh -c "! debugfs -R 'stat /etc/weird' '$timg' 2>&1 | grep -q Inode:"
check "/dev kept, empty" sh -c "debugfs -R 'ls /dev' '$timg' 2>/dev/null | grep -q '\\.\\.' && ! debugfs -R 'ls /dev' '$timg' 2>/dev/null | grep -q null"
check_eq "tar owners kept" "1234 1234" "$(dfs 'stat /home/u' "$timg" | awk '/User:/ { print $2, $4 }')"

# --- without root: everything is root's, the builder's uid nowhere --------
nr=$TMP/nonroot
mkdir -p "$nr"
cp -a "$tiny" "$nr/tiny"
rm -f "$nr/tiny/dev/null" "$nr/tiny/etc/weird"
chown -R 65534:65534 "$nr"
chmod 0755 "$TMP"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# uid 65534 runs copies: the checkout may be closed to it (under /root).
mkdir "$nr/bin"
for h in msb msb-mkinitramfs msb-mkrootfs-debian; do
	cp "$MSB_BUILDDIR/$h" "$nr/bin/" || die "cannot copy $h"
done
# The sanitizer build's agent is dynamic; it names the static one.
cp "${MSB_GUEST_AGENT:-$MSB_BUILDDIR/msb-agent}" "$nr/bin/msb-agent" || die "cannot copy msb-agent"
chmod -R a+rX "$nr/bin"
# An ordinary user's PATH: e2fsprogs live in /usr/sbin, off it.
nobody env -i PATH=/usr/bin:/bin MSB_HOME="$nr/home" MSB_LIBEXECDIR="$nr/bin" \
	timeout 60 "$nr/bin/msb" image build tiny --rootfs "$nr/tiny" >"$TMP/nonroot.log" 2>&1
rc=$?
check_eq "non-root --rootfs build" 0 $rc
[ $rc -eq 0 ] || cat "$TMP/nonroot.log"
check_eq "non-root: files are root's" "0 0" "$(dfs 'stat /bin/busybox' "$nr/home/images/tiny/rootfs.ext4" | awk '/User:/ { print $2, $4 }')"
check_eq "non-root: / is root's" "0 0" "$(dfs 'stat /' "$nr/home/images/tiny/rootfs.ext4" | awk '/User:/ { print $2, $4 }')"
nobody env -i PATH=/usr/bin:/bin MSB_HOME="$nr/home" MSB_LIBEXECDIR="$nr/bin" \
	timeout 60 "$nr/bin/msb" create ubox --image tiny --disk-size 1G >"$TMP/nonroot-create.log" 2>&1
rc=$?
check_eq "non-root create grows the disk with PATH=/usr/bin:/bin" 0 $rc
[ $rc -eq 0 ] || cat "$TMP/nonroot-create.log"
check "non-root create: the disk is the asked size" \
	test "$(stat -c %s "$nr/home/sandboxes/ubox/disk.img")" = $((1 << 30))

# --- two builds of one image at once --------------------------------------
msb image build both --rootfs "$tiny" --force >"$TMP/both1.log" 2>&1 &
p1=$!
msb image build both --rootfs "$tiny" --force >"$TMP/both2.log" 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check_eq "concurrent builds succeed" "0 0" "$r1 $r2"
check "concurrent result complete" e2fsck -fn "$images/both/rootfs.ext4" >/dev/null 2>&1
check_eq "no temporary directories left" "both default tiny tinytar " "$(contents)"

# --- errors: a clear message, non-zero, no image left ---------------------
expect_error() { # DESCRIPTION PATTERN ARGS...
	d=$1 pat=$2
	shift 2
	before=$(contents)
	msb "$@" >"$TMP/err.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -qi -- "$pat" "$TMP/err.log" && [ "$before" = "$(contents)" ]; then
		ok "$d"
	else
		fail "$d (exit $rc, images: $(contents)): $(cat "$TMP/err.log")"
	fi
}
head -c 20000 /dev/urandom >"$TMP/garbage.tar"
mkdir -p "$TMP/nosh/etc"
(cd "$TMP/src" && tar -cf "$TMP/evil.tar" --transform 's,^hello,../../evil,' hello)
expect_error "missing DIR" "root directory.*No such file" image build e1 --rootfs "$TMP/nope"
expect_error "DIR is a file" "not a directory" image build e2 --rootfs "$TMP/garbage.tar"
expect_error "DIR without /bin/sh" "has no /bin/sh" image build e3 --rootfs "$TMP/nosh"
expect_error "missing FILE" "No such file" image build e4 --rootfs-tar "$TMP/nope.tar"
expect_error "garbage tarball" "cannot extract" image build e5 --rootfs-tar "$TMP/garbage.tar"
expect_error "tarball escaping its root" "cannot extract" image build e6 --rootfs-tar "$TMP/evil.tar"
check "nothing escaped" test ! -e "$images/evil"
expect_error "name ../x" "bad image name" image build ../x --rootfs "$tiny"
expect_error "name -x" "bad image name" image build -- -x
expect_error "option -x" "unknown option" image build -x
expect_error "name of 65 characters" "bad image name" image build \
	"$(printf 'a%.0s' $(seq 65))" --rootfs "$tiny"
expect_error "both roots" "cannot go together" image build e7 --rootfs "$tiny" --rootfs-tar "$TMP/tiny.tar"
expect_error "missing kernel" "cannot read kernel" image build e8 --kernel "$TMP/vmlinuz-1.0"
cp "$kernel" "$TMP/bzImage"
expect_error "kernel without a version" "kernel-version" image build e9 --kernel "$TMP/bzImage"
expect_error "kernel without modules" "no modules for kernel" image build e10 --kernel "$TMP/bzImage" --kernel-version 0.0-none
expect_error "rm of no image" "no image" image rm e1
expect_error "rm ../x" "bad image name" image rm ../x

# --- ls and rm -------------------------------------------------------------
msb image ls >"$TMP/ls.out" 2>&1
check_eq "ls exits 0" 0 $?
for n in default tiny tinytar both; do
	check "ls lists $n" grep -q "^$n .*${kernel#/boot/vmlinuz-}" "$TMP/ls.out"
done
check "rm tiny" msb image rm tiny
check "tiny is gone" test ! -e "$images/tiny"
check "ls no longer lists tiny" sh -c "! '$MSB' image ls | grep -q '^tiny '"

done_testing
