# The sandbox's cgroup (v1 or v2, whichever the host offers): the vmm and
# QEMU in it, its memory limit (guest memory + overhead, no swap), CPU
# quota and pids limit; QEMU killed for memory shows as crashed with "out
# of memory" and starts again with its disk intact; the group goes with
# the vmm. Two boots of one sandbox.
# msb-test-timeout: 900
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 mke2fs
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force box >/dev/null 2>&1'

MEM=256 CPUS=2
# Enough for the boot, too little for the guest to use all of its memory.
TIGHT=${MSB_TEST_TIGHT_OVERHEAD:-48}
DEFAULT=$(sed -n 's/^#define VMM_MEMORY_OVERHEAD_MIB \([0-9]*\)u.*/\1/p' "$MSB_SRCDIR/vmctl/vmm.h")
PIDS_BASE=$(sed -n 's/^#define VMM_PIDS_BASE \([0-9]*\)u.*/\1/p' "$MSB_SRCDIR/vmctl/vmm.h")
[ -n "$DEFAULT" ] && [ -n "$PIDS_BASE" ] || die "cannot read the defaults from vmctl/vmm.h"

sb() { echo "$MSB_HOME/sandboxes/$1"; }
in_box() { s=$1; shift; timeout 300 "$MSB" agent --vsock "$(sb "$s")/vsock.sock" exec -- "$@"; }
field() { grep "^$2=" "$(sb "$1")/state" | cut -d= -f2-; }

cgroup_v2_mount; V2=$CG_V2
echo "cgroup ${V2:+v2 at $V2}${V2:-v1}"

# Checks the group of the running sandbox against an overhead; sets SB_GROUPS.
check_group() { # check_group OVERHEAD_MIB
	vmm=$(field box vmm_pid); qemu=$(field box qemu_pid)
	SB_GROUPS=""
	for c in memory cpu pids; do
		g=$(group_of "$vmm" $c)
		check "vmm: its $c group is the sandbox's ($g)" sh -c "echo '$g' | grep -q '/msb/sandbox-[a-z0-9-]*\$'"
		check_eq "QEMU is in the same $c group" "$g" "$(group_of "$qemu" $c)"
		SB_GROUPS="$SB_GROUPS $g"
	done
	limit=$((($MEM + $MEM / 64 + $1) * 1048576))
	if [ -n "$V2" ]; then
		g=$(group_of "$vmm" memory)
		check_eq "memory.max is guest memory + 1/64 + $1 MiB" "$limit" "$(val "$g" memory.max)"
		[ -f "$g/memory.swap.max" ] && check_eq "memory.swap.max" 0 "$(val "$g" memory.swap.max)"
		check_eq "cpu.max is $CPUS cpus" "$(($CPUS * 100000)) 100000" "$(val "$g" cpu.max)"
		check_eq "pids.max" "$(($PIDS_BASE + $CPUS))" "$(val "$g" pids.max)"
	else
		g=$(group_of "$vmm" memory)
		check_eq "memory.limit_in_bytes is guest memory + 1/64 + $1 MiB" "$limit" "$(val "$g" memory.limit_in_bytes)"
		[ -f "$g/memory.memsw.limit_in_bytes" ] &&
			check_eq "no swap: memory.memsw.limit_in_bytes the same" "$limit" "$(val "$g" memory.memsw.limit_in_bytes)"
		g=$(group_of "$vmm" cpu)
		check_eq "cpu.cfs_quota_us is $CPUS cpus" "$(($CPUS * 100000))" "$(val "$g" cpu.cfs_quota_us)"
		check_eq "cpu.cfs_period_us" 100000 "$(val "$g" cpu.cfs_period_us)"
		g=$(group_of "$vmm" pids)
		check_eq "pids.max" "$(($PIDS_BASE + $CPUS))" "$(val "$g" pids.max)"
	fi
}
groups_gone() { for g in $SB_GROUPS; do [ ! -e "$g" ] || return 1; done; }

"$MSB" create box --accel tcg --memory $MEM --cpus $CPUS --disk-size 512M >/dev/null 2>&1 || die "create box"
MSB_MEMORY_OVERHEAD_MIB=$TIGHT "$MSB" start box >"$TMP/out" 2>&1; rc=$?
cat "$TMP/out"
check_eq "start with an overhead of $TIGHT MiB" 0 $rc
[ $rc -eq 0 ] || { tail -n 20 "$(sb box)/vmm.log"; done_testing; }
check "the vmm says so in its log" grep -q "resource limits: .*memory $(($MEM + $MEM / 64 + $TIGHT)) MiB" "$(sb box)/vmm.log"
check_group "$TIGHT"
g=$(group_of "$(field box vmm_pid)" memory)
echo "metric: group memory after boot: $(( $(val "$g" memory.usage_in_bytes || val "$g" memory.current) / 1048576 )) MiB"

in_box box 'echo before-the-oom > /root/kept && sync'
check_eq "a file written and synced" before-the-oom "$(in_box box 'cat /root/kept')"
# The guest writing over most of its memory: more than the overhead leaves.
in_box box 'head -c 220M /dev/zero | tail > /dev/null' >/dev/null 2>&1
wait_for 60 reads box crashed
check_eq "QEMU killed for memory: the sandbox is crashed" crashed "$(state_of box)"
"$MSB" ls >"$TMP/ls"; cat "$TMP/ls"
check "ls gives the reason: out of memory, at the limit" grep -q "^  out of memory: .* limit of $(($MEM + $MEM / 64 + $TIGHT)) MiB" "$TMP/ls"
"$MSB" ls --json >"$TMP/ls.json"
check_eq "ls --json: crashed, out of memory" "crashed out of memory" \
	"$(python3 -c 'import json, sys
r = [s for s in json.load(open(sys.argv[1])) if s["name"] == "box"][0]
print(r["state"], r["reason"][:13])' "$TMP/ls.json")"
check "the vmm removed the group" groups_gone

"$MSB" start box >"$TMP/out" 2>&1; rc=$?
check_eq "start again with the default overhead" 0 $rc
check_group "$DEFAULT"
check_eq "the disk is intact" before-the-oom "$(in_box box 'cat /root/kept')"
in_box box 'head -c 220M /dev/zero | tail > /dev/null' >/dev/null 2>&1
check_eq "with the default overhead the same load leaves it running" running "$(state_of box)"
g=$(group_of "$(field box vmm_pid)" memory)
echo "metric: group memory peak under load: $(( $(val "$g" memory.max_usage_in_bytes || val "$g" memory.peak) / 1048576 )) MiB"

"$MSB" stop box; rc=$?
check_eq "stop" 0 $rc
check "stop removes the group" groups_gone
"$MSB" rm box >/dev/null 2>&1
check "rm leaves no group either" groups_gone

done_testing
