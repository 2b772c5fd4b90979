#!/bin/sh
# Boots the real guest agent as PID 1 in a QEMU microVM (TCG) from an
# initramfs built by guest/init/mkinitramfs.sh and an ext4 root made with
# mke2fs -d, and checks on the serial console that msb_init_boot() loaded
# the modules, switched to the root disk, mounted the API filesystems, set
# the hostname and configured eth0 before the agent said it was ready; then
# that a guest whose root cannot be mounted powers itself off.
. "$(dirname "$0")/../lib.sh"
BOOT_TIMEOUT=${MSB_BOOT_TIMEOUT:-60}

# A missing QEMU or guest kernel only skips on a developer machine; CI
# must have them.
missing() {
	[ -z "${CI:-}" ] || die "$* (required when CI is set)"
	skip "$*"
}

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	missing "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
kernel=
for k in /boot/vmlinuz-*-cloud-amd64; do
	[ -f "$k" ] && kernel=$k
done
[ -n "$kernel" ] ||
	missing "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
kver=${kernel#/boot/vmlinuz-}
[ -r "/lib/modules/$kver/modules.dep" ] ||
	missing "no /lib/modules/$kver/modules.dep (reinstall linux-image-$kver)"
[ -r "$kernel" ] || die "$kernel is not readable"
command -v mke2fs >/dev/null 2>&1 || die "mke2fs not found (apt-get install e2fsprogs)"
command -v cpio >/dev/null 2>&1 || die "cpio not found (apt-get install cpio)"
[ -x /bin/busybox ] || die "/bin/busybox not found (apt-get install busybox-static)"
[ -x "$MSB_AGENT" ] || die "$MSB_AGENT not built"

qpid=
at_exit stop_vm

"$MSB_SRCDIR/guest/init/mkinitramfs.sh" --kernel-version "$kver" \
	--agent "$MSB_AGENT" --out "$TMP/initramfs.cpio.gz" 2>"$TMP/mkinitramfs.log" ||
	die "mkinitramfs.sh failed"
nmods=$(gzip -dc "$TMP/initramfs.cpio.gz" |
	(cd "$TMP" && cpio --quiet -i --to-stdout etc/msb/modules) | wc -l)
[ "$nmods" -gt 0 ] || die "initramfs lists no modules"

# A busybox root without /proc /dev /tmp /run: the init must create them.
rootdir=$TMP/rootdir
mkdir -p "$rootdir/bin" "$rootdir/etc" "$rootdir/root"
cp /bin/busybox "$rootdir/bin/busybox"
for applet in sh ls cat echo mount ps kill sleep; do
	ln -s busybox "$rootdir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootdir/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' >"$rootdir/etc/group"
mke2fs -q -F -t ext4 -E root_owner=0:0 -d "$rootdir" "$TMP/root.img" 32M \
	>"$TMP/mke2fs.log" 2>&1 || die "mke2fs failed"

# Under TCG the guest reads the host's TSC, and on a busy host the kernel's
# PIT calibration of it fails; with no other clock on microvm the boot then
# stalls with time stuck at zero. Telling the kernel the frequency avoids it.
tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
tsc_arg=
[ -z "$tsc_khz" ] || tsc_arg="tsc_early_khz=$tsc_khz"

# boot_vm CONSOLE EXTRA_CMDLINE: starts the microVM in the background.
boot_vm() {
	: >"$1"
	timeout $((BOOT_TIMEOUT + 30)) qemu-system-x86_64 \
		-M microvm,isa-serial=on,rtc=on -accel tcg -cpu max -m 256 -smp 1 \
		-nodefaults -no-user-config -nographic -no-reboot \
		-serial "file:$1" \
		-kernel "$kernel" -initrd "$TMP/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet $tsc_arg $2" \
		-drive id=root,file="$TMP/root.img",format=raw,if=none \
		-device virtio-blk-device,drive=root \
		-netdev user,id=n0 -device virtio-net-device,netdev=n0 \
		>"$TMP/qemu.log" 2>&1 &
	qpid=$!
}
stop_vm() {
	[ -n "$qpid" ] || return 0
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
}
# console_has CONSOLE PATTERN (console lines end in \r\n)
console_has() { check "console has: $2" grep -q "$2" "$1"; }

# 1. A normal boot up to the agent's readiness.
console=$TMP/console.log
start=$(date +%s.%N)
boot_vm "$console" "msb.hostname=boottest"
# guest/agent_main.c logs this once its vsock listener is up.
ready_re='^msb-agent: ready: listening on vsock:'
ready_or_gone() { grep -qE "$ready_re" "$console" || ! kill -0 "$qpid" 2>/dev/null; }
wait_for "$BOOT_TIMEOUT" ready_or_gone
end=$(date +%s.%N)
stop_vm
grep -qE "$ready_re" "$console" || die "agent not ready within ${BOOT_TIMEOUT}s"
awk -v s="$start" -v e="$end" 'BEGIN { printf "guest_boot: boot-to-ready %.2fs\n", e - s }'

console_has "$console" "^msb-agent: msb_init_load_modules: modules: $nmods loaded, 0 already present, 0 failed"
console_has "$console" '^msb-agent: msb_init_mount_root: mounted root /dev/vda (ext4, rw)'
console_has "$console" '^msb-agent: msb_init_switch_root: switched root'
console_has "$console" '^msb-agent: msb_init_root_mounts: mounted /proc /sys /dev /dev/pts /dev/shm /tmp /run'
console_has "$console" '^msb-agent: msb_init_set_hostname: hostname boottest'
console_has "$console" '^msb-agent: msb_init_net_up: lo up; eth0 10.0.2.15/24 gateway 10.0.2.2 dns 10.0.2.3'
console_has "$console" '^msb-agent: msb_init_boot: boot complete'
check_sh "no errors on the console" \
	'! grep -E "^msb-agent: .*(error|fail)" "$console" | grep -v " 0 failed"'

# 2. A root that cannot be mounted: the agent gives up and the guest powers
# itself off through msb_init_shutdown(), so QEMU exits on its own.
console2=$TMP/console-poweroff.log
boot_vm "$console2" "msb.rootfstype=msb-no-such-fs"
wait "$qpid"; rc=$?
qpid=
check_eq "QEMU exits by a guest power-off" 0 "$rc"
console_has "$console2" '^msb-agent: msb_init_mount_root: mount /dev/vda (msb-no-such-fs) on /newroot: No such device'
console_has "$console2" '^msb-agent: msb_init_shutdown: poweroff: stopping processes'
console_has "$console2" '^msb-agent: unmount_all: unmounted [0-9]* filesystems, / is read-only'
console_has "$console2" '^msb-agent: msb_init_shutdown: poweroff.\{0,1\}$'
console_has "$console2" 'reboot: Power down'
done_testing
