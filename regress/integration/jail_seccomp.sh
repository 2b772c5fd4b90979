# Seccomp behind the front door, seen from /proc on one booted sandbox:
# the three threads of msb-vmm (vsock backend, console, supervisor), QEMU
# (-sandbox on) and a live msb-session run in filter mode, and the work
# each does still goes through under its filter: exec and a bulk stream
# through the vsock backend, a session worker's channel, a stop that
# dials the agent, quits QEMU and reaps it. From inside
# the guest, the agent's vsock port is not reachable through loopback.
# msb-test-timeout: 400
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 mke2fs
need_mux_driver
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force box >/dev/null 2>&1'
# The kernel's log is the machine's: it holds other programs' seccomp kills,
# and their pids are reused. Only kills since this test began, of a program
# named msb-vmm or msb-session, are this test's.
since=$(date +%s)

sb() { echo "$MSB_HOME/sandboxes/box"; }
in_box() { "$MSB" agent --vsock "$(sb)/vsock.sock" exec -- "$@"; }
field() { grep "^$1=" "$(sb)/state" | cut -d= -f2-; }
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "$1/status"; }

"$MSB" create box --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create box"
"$MSB" start box >"$TMP/start" 2>&1 || { cat "$TMP/start"; die "start box"; }
vmm=$(field vmm_pid)
qemu=$(field qemu_pid)

# The vmm: the backend and console threads loaded their lists before QEMU
# sent them a byte, the main thread its own once the agent answered; there
# is no other thread.
tasks=$(ls "/proc/$vmm/task" | wc -l)
check_eq "msb-vmm runs three threads" 3 "$tasks"
for t in /proc/"$vmm"/task/*; do
	check_eq "msb-vmm thread ${t##*/} runs seccomp in filter mode" 2 "$(status_of "$t" Seccomp)"
	check_eq "... with no new privileges" 1 "$(status_of "$t" NoNewPrivs)"
done
check_eq "QEMU runs its own seccomp sandbox (-sandbox on)" 2 "$(status_of "/proc/$qemu" Seccomp)"
qemu_threads_filtered=$(for t in /proc/"$qemu"/task/*; do status_of "$t" Seccomp; done | sort -u)
check_eq "... in every thread" 2 "$qemu_threads_filtered"

# Work through the filtered backend thread: a command, and 64 MiB each way.
check_eq "exec in the guest through the filtered backend" hello "$(in_box echo hello)"
got=$(head -c 67108864 /dev/zero | in_box wc -c)
check_eq "64 MiB into the guest" 67108864 "$got"
got=$(in_box head -c 67108864 /dev/zero | wc -c)
check_eq "64 MiB out of the guest" 67108864 "$got"

# A live session worker, dialling the agent through the hybrid vsock socket.
DRV_AGENT="vsock:$(sb)/vsock.sock" DRV_TIMEOUT=60
drv --pidfile "$TMP/wpid" exec 'sleep 3; echo finished' >"$TMP/wout" 2>"$TMP/werr" &
drv_pid=$!
wait_for 20 test -s "$TMP/wpid" || die "no session worker pid"
w=$(cat "$TMP/wpid")
# The filter comes once SESSION is read, a moment after the exec.
wait_for 10 sh -c "[ \"\$(awk '\$1 == \"Seccomp:\" { print \$2 }' /proc/$w/status)\" = 2 ]"
check_eq "msb-session runs seccomp in filter mode" 2 "$(status_of "/proc/$w" Seccomp)"
check_eq "... with no core dumps" 0 "$(awk '/^Max core file size/ { print $5 }' "/proc/$w/limits")"
check_eq "... and bounded descriptors" 272 "$(awk '/^Max open files/ { print $4 }' "/proc/$w/limits")"
wait $drv_pid; rc=$?
check_eq "the session's channel ran to its end under the filter (exit $rc)" finished "$(cat "$TMP/wout")"
check_eq "... and the worker exited cleanly (mux-driver checks its status)" 0 "$rc"

# The agent serves the host alone: a guest process dialling its vsock port
# through loopback (CID 1) or the guest's own CID (3) gets nowhere.
for cid in 1 3; do
	out=$(in_box sh -c "echo x | timeout 10 socat -t 2 - VSOCK-CONNECT:$cid:1024 2>&1; echo rc=\$?")
	echo "guest -> vsock CID $cid: $out"
	check "a guest process cannot reach the agent through vsock CID $cid" sh -c "! echo '$out' | grep -q 'rc=0'"
done
loopback=$(in_box sh -c 'test -d /sys/module/vsock_loopback && echo loaded || echo absent')
echo "guest vsock_loopback: $loopback"

# The supervisor's stop path under its filter: agent dial, QMP, reap, state.
"$MSB" stop box >"$TMP/stop" 2>&1; rc=$?
check_eq "stop under the supervisor's filter" 0 $rc
check_eq "... recorded as stopped by request" "stopped by request" "$(field reason)"
check "... the vmm is gone" sh -c "! [ -e /proc/$vmm ] || [ \"\$(awk '{ print \$3 }' /proc/$vmm/stat)\" = Z ]"
check "... and nothing was killed by its filter" sh -c "! grep -q 'SIGSYS\|signal 31\|Bad system call' '$(sb)/vmm.log'"
# A filter's kill is in the kernel's log (audit type 1326, with the syscall),
# which an unreadable log would make an empty answer.
check "the kernel log is readable" sh -c 'dmesg >/dev/null'
killed=$(dmesg 2>/dev/null | grep 'type=1326' | grep -E " pid=($vmm|$w) " |
	grep -E ' comm="msb-(vmm|session)" ' |
	awk -v since="$since" 'match($0, /audit\([0-9]+/) && substr($0, RSTART + 6, RLENGTH - 6) + 0 >= since' || true)
check_eq "no seccomp kill of the vmm or the worker in the kernel log" "" "$killed"
done_testing
