# The vhost-user-vsock backend with a real guest: QEMU microvm under TCG,
# Linux's virtio-vsock driver, the agent listening on vsock port 1024, and
# msb reaching it through the hybrid socket. Checks many concurrent streams
# with their data, bulk throughput both ways with the backend's memory
# bounded, a stalled reader that stalls only itself, and garbage on the
# hybrid socket.
#
# MSB_VSOCK_BULK_MB sets the bulk stream size (default 256; the 1 GiB the
# design asks for takes about a minute under TCG: MSB_VSOCK_BULK_MB=1024).
. "$(dirname "$0")/../lib.sh"
need_cmd qemu-system-x86_64 cpio gzip timeout python3
VSOCKD="$MSB_BUILDDIR/msb-vsockd"
AGENT_BIN=${MSB_VSOCK_TEST_AGENT:-$MSB_AGENT}
BULK_MB=${MSB_VSOCK_BULK_MB:-256}
[ -x "$VSOCKD" ] || die "no msb-vsockd at $VSOCKD (build first)"
[ -x "$AGENT_BIN" ] || die "no agent at $AGENT_BIN (build first)"
kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || skip "needs linux-image-cloud-amd64"
kver=${kernel#/boot/vmlinuz-}
busybox=$(command -v busybox) || skip "needs busybox-static"
ldd "$busybox" >/dev/null 2>&1 && skip "needs a static busybox (busybox-static)"

# --- an initramfs: busybox, the vsock modules, the agent started by a shell
root="$TMP/root"
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/mod"
cp "$busybox" "$root/bin/busybox"
for a in sh cat head tail wc sha256sum sleep mount insmod echo true dd; do ln -s busybox "$root/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
cp "$AGENT_BIN" "$root/bin/msb-agent"
# A dynamically linked agent (a sanitizer build) brings its libraries along.
for lib in $(ldd "$AGENT_BIN" 2>/dev/null | awk '/\// { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
mods="virtio_ring virtio virtio_mmio vsock vmw_vsock_virtio_transport_common vmw_vsock_virtio_transport"
for m in $mods; do
	f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || die "module $m not found for $kver"
	case $f in
	*.ko) cp "$f" "$root/mod/$m.ko" ;;
	*.ko.xz) xz -dc "$f" > "$root/mod/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" > "$root/mod/$m.ko" ;;
	*) die "unknown module format: $f" ;;
	esac
done
cat > "$root/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $mods; do insmod /mod/\$m.ko || echo "init: cannot load \$m"; done
/bin/msb-agent --listen vsock:1024 &
while :; do sleep 3600; done
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$TMP/initrd.gz" || die "cpio failed"

# --- backend and guest
VU="$TMP/vhost-user.sock"
SOCK="$TMP/vsock.sock"
"$VSOCKD" --vhost-user "$VU" --uds "$SOCK" --cid 3 --log-level verbose 2> "$TMP/vsockd.log" &
VSOCKD_PID=$!
at_exit "kill $VSOCKD_PID 2>/dev/null; wait $VSOCKD_PID 2>/dev/null"
wait_for 5 test -S "$VU"
[ -S "$VU" ] || { cat "$TMP/vsockd.log"; die "msb-vsockd did not start"; }

# Under TCG the guest calibrates its TSC against the PIT, which fails on a
# busy host and stalls the boot; telling it the frequency avoids that.
tsc_khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
qemu=(qemu-system-x86_64 -M microvm,isa-serial=on,rtc=on -accel tcg -cpu max -m 256 -smp 1
	-nodefaults -no-user-config -nographic -no-reboot
	-object memory-backend-memfd,id=mem,size=256M,share=on -machine memory-backend=mem
	-chardev "socket,id=vsock,path=$VU" -device vhost-user-vsock-device,chardev=vsock
	-kernel "$kernel" -initrd "$TMP/initrd.gz"
	-append "console=ttyS0 panic=-1 quiet${tsc_khz:+ tsc_early_khz=$tsc_khz}"
	-serial "file:$TMP/console.log")
echo "qemu: ${qemu[*]}"
vagent() { "$MSB" agent --vsock "$SOCK" "$@"; }
vagent_answers() { vagent ping >/dev/null 2>&1; }

# Starts the guest and waits until the agent answers through the backend.
boot() {
	timeout 900 "${qemu[@]}" > "$TMP/qemu.log" 2>&1 &
	QEMU_PID=$!
	start=$(date +%s)
	wait_alive 90 "$QEMU_PID" vagent_answers && return 0
	echo "--- console"; cat "$TMP/console.log"; echo "--- qemu"; cat "$TMP/qemu.log"
	echo "--- msb-vsockd"; cat "$TMP/vsockd.log"
	die "the agent did not answer over vsock within 90 s"
}
QEMU_PID=
at_exit '[ -n "$QEMU_PID" ] && kill $QEMU_PID 2>/dev/null; wait $QEMU_PID 2>/dev/null'
boot
ok "agent answers over vsock after $(( $(date +%s) - start )) s"
check_eq "exec through vsock" "hello vsock" "$(vagent exec -- echo hello vsock)"

# A port nobody listens on: the backend closes without an OK line.
got=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"CONNECT 4000\n")
s.settimeout(20); print(repr(s.recv(64)))' "$SOCK")
check_eq "a refused guest port closes the client without a line" "b''" "$got"

# Resident memory of msb-vsockd that is its own (anonymous + file), not the
# guest's shared memory it maps, sampled every 100 ms until $1 exists.
own_rss() { awk '/^(RssAnon|RssFile):/ { s += $2 } END { print s + 0 }' "/proc/$VSOCKD_PID/status"; }
sample_rss() { peak_until "$1" 0.1 own_rss; }

# --- 50 concurrent streams, each echoing 1 MiB of host data through cat
mkdir "$TMP/c"
for i in $(seq 50); do head -c 1048576 /dev/urandom > "$TMP/c/in$i"; done
sample_rss "$TMP/stop0" > "$TMP/rss0" & sampler=$!
pids=
for i in $(seq 50); do
	"$MSB" agent --vsock "$SOCK" exec -- cat < "$TMP/c/in$i" > "$TMP/c/out$i" 2> "$TMP/c/err$i" &
	pids="$pids $!"
done
rcs=0
for p in $pids; do wait "$p" || rcs=$((rcs + 1)); done
touch "$TMP/stop0"; wait $sampler
bad=0
for i in $(seq 50); do cmp -s "$TMP/c/in$i" "$TMP/c/out$i" || bad=$((bad + 1)); done
check_eq "50 concurrent exec streams exit 0" 0 "$rcs"
check_eq "50 concurrent 1 MiB echoes come back intact" 0 "$bad"
echo "metric: msb-vsockd own RSS during 50 streams: $(cat "$TMP/rss0") KiB"

# --- bulk streams with throughput and memory. dd moves 64 KiB blocks in
# the guest; busybox's head and wc copy in small pieces and would measure
# themselves rather than vsock under TCG.
bytes=$((BULK_MB * 1048576))
blocks=$((BULK_MB * 16))
mbps() { awk -v b="$1" -v ms="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ms / 1000) }'; }
sample_rss "$TMP/stop1" > "$TMP/rss1" & sampler=$!
t0=$(now_ms)
n=$(vagent exec -- "dd if=/dev/zero bs=65536 count=$blocks 2>/dev/null" | wc -c)
t1=$(now_ms)
touch "$TMP/stop1"; wait $sampler
check_eq "$BULK_MB MiB guest to host arrive" "$bytes" "$n"
echo "metric: vsock guest->host ${BULK_MB} MiB: $(mbps "$bytes" $((t1 - t0))) MB/s (TCG)"

sample_rss "$TMP/stop2" > "$TMP/rss2" & sampler=$!
t0=$(now_ms)
# With fullblock, "N+0 records in" says exactly N full blocks arrived.
n=$(head -c "$bytes" /dev/zero |
	vagent exec -- 'dd of=/dev/null bs=65536 iflag=fullblock 2>&1' | head -n 1)
t1=$(now_ms)
touch "$TMP/stop2"; wait $sampler
check_eq "$BULK_MB MiB host to guest arrive" "$blocks+0 records in" "$n"
echo "metric: vsock host->guest ${BULK_MB} MiB: $(mbps "$bytes" $((t1 - t0))) MB/s (TCG)"
for f in rss1 rss2; do
	check "msb-vsockd own RSS stays under 64 MiB in bulk transfer ($(cat "$TMP/$f") KiB)" \
		[ "$(cat "$TMP/$f")" -lt 65536 ]
done
echo "metric: msb-vsockd VmHWM (includes guest pages it touched): $(awk '/^VmHWM:/ { print $2 }' /proc/$VSOCKD_PID/status) KiB"

# --- a reader that stalls holds back only its own stream
mkfifo "$TMP/stall"
"$MSB" agent --vsock "$SOCK" exec -- 'dd if=/dev/zero bs=65536' > "$TMP/stall" 2>/dev/null & staller=$!
exec 3<"$TMP/stall"   # opened, never read
sleep 2
n=$(vagent exec -- "dd if=/dev/zero bs=65536 count=128 2>/dev/null" | wc -c)
check_eq "another stream flows while one reader stalls" 8388608 "$n"
r=$(own_rss)
check "msb-vsockd own RSS bounded with a stalled reader ($r KiB)" [ "$r" -lt 65536 ]
# SIGKILL: msb, blocked writing to the full pipe, would not act on SIGTERM.
kill -KILL "$staller" 2>/dev/null; wait "$staller" 2>/dev/null
exec 3<&-

# --- garbage on the hybrid socket
python3 - "$SOCK" <<'PY'
import os, socket, sys
for data in (b"GARBAGE\n", os.urandom(65536), b"CONNECT 99999999999\n", b"CONNECT -1\n",
             b"CONNECT 1024 extra\n", b"X" * 100, b"\n", b"CONNECT 1024\r\n"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
        s.settimeout(10)
        r = s.recv(64)
        assert not r.startswith(b"OK"), data
    except (ConnectionResetError, BrokenPipeError):
        pass
    s.close()
for _ in range(200):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.close()
PY
check "garbage clients were all turned away" [ $? -eq 0 ]
check_eq "the backend still serves after garbage" ok "$(vagent ping 2>&1)"
check "msb-vsockd is still running" kill -0 "$VSOCKD_PID"

# QEMU goes away and a new one connects: the backend serves it.
kill "$QEMU_PID"; wait "$QEMU_PID" 2>/dev/null
boot
ok "a second QEMU is served after the first one exited"
check "msb-vsockd logged no guest ring errors" sh -c "! grep -q 'broke the virtqueue' '$TMP/vsockd.log'"
done_testing
