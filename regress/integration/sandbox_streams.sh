# Streams through a running sandbox's vsock (the vmm's userspace
# vhost-user-vsock backend): 50 at once with their data verified, 1 GiB
# each way with the vmm's memory bounded, and QEMU killed mid-stream.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force s1 >/dev/null 2>&1'
GIB=${MSB_STREAM_BYTES:-1073741824}

"$MSB" create s1 --accel tcg --disk-size 512M >/dev/null 2>&1 || die "create failed"
"$MSB" start s1 || die "start failed"
V="$MSB_HOME/sandboxes/s1/vsock.sock"
vmm=$(grep '^vmm_pid=' "$MSB_HOME/sandboxes/s1/state" | cut -d= -f2)
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
idle_rss=$(rss "$vmm")

# 50 concurrent streams, each echoing its own random data back.
for i in $(seq 50); do head -c 262144 /dev/urandom > "$TMP/in.$i"; done
pids=""
for i in $(seq 50); do
	"$MSB" agent --vsock "$V" exec -- cat < "$TMP/in.$i" > "$TMP/out.$i" 2>"$TMP/err.$i" &
	pids="$pids $!"
done
wait $pids
bad=0
for i in $(seq 50); do cmp -s "$TMP/in.$i" "$TMP/out.$i" || bad=$((bad + 1)); done
check_eq "50 concurrent streams echo their data intact" 0 $bad

# Largest RSS (KiB) of the vmm, sampled until the file $1 appears.
sample() { peak_until "$1" 0.2 rss "$vmm"; }
mbps() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f", b / 1048576 / (e - s) }'; }

sample "$TMP/stop.out" > "$TMP/rss.out" & sampler=$!
s=$(date +%s.%N)
n=$("$MSB" agent --vsock "$V" exec -- "head -c $GIB /dev/zero" | wc -c)
e=$(date +%s.%N); touch "$TMP/stop.out"; wait $sampler
check_eq "1 GiB guest to host arrives whole" "$GIB" "$n"
echo "metric: vsock guest->host $(mbps "$GIB" "$s" "$e") MiB/s (TCG)"

sample "$TMP/stop.in" > "$TMP/rss.in" & sampler=$!
s=$(date +%s.%N)
n=$(head -c "$GIB" /dev/zero | "$MSB" agent --vsock "$V" exec -- 'wc -c')
e=$(date +%s.%N); touch "$TMP/stop.in"; wait $sampler
check_eq "1 GiB host to guest arrives whole" "$GIB" "$n"
echo "metric: vsock host->guest $(mbps "$GIB" "$s" "$e") MiB/s (TCG)"
echo "metric: vmm RSS idle ${idle_rss} KiB, peak out $(cat "$TMP/rss.out") KiB, peak in $(cat "$TMP/rss.in") KiB"
check_sh "vmm RSS stays under 64 MiB while streaming ($(cat "$TMP/rss.out")/$(cat "$TMP/rss.in") KiB)" \
	'[ "$(cat "$TMP/rss.out")" -lt 65536 ] && [ "$(cat "$TMP/rss.in")" -lt 65536 ]'

# QEMU killed mid-stream: the client ends promptly with an error, the
# sandbox reads as crashed, and it starts again.
in_box() { "$MSB" agent --vsock "$V" exec -- "$@"; }
in_box 'echo survives > /root/mark && sync'
"$MSB" agent --vsock "$V" exec -- 'cat /dev/zero' > /dev/null 2>"$TMP/err" & cli=$!
sleep 2
kill -9 "$(grep '^qemu_pid=' "$MSB_HOME/sandboxes/s1/state" | cut -d= -f2)"
t0=$(now_ms)
wait_for 10 dead "$cli"
check "the client does not hang when QEMU dies (checked after $(( $(now_ms) - t0 )) ms)" dead "$cli"
wait $cli; rc=$?
check "... and fails (exit $rc)" [ $rc -ne 0 ]
# The client's stream ends when the vmm notices; the keeper records the
# crash only after the vmm has gone.
wait_for 10 reads s1 crashed
check_eq "the sandbox reads as crashed" crashed "$(state_of s1)"
"$MSB" start s1 >/dev/null 2>&1; rc=$?
check_eq "it starts again" 0 $rc
check_eq "with its disk" survives "$(in_box 'cat /root/mark')"
"$MSB" stop s1 >/dev/null

done_testing
