# Every sandbox in a jail of its own, proved from outside through /proc: the
# vmm, QEMU and a live session worker run as the sandbox's own uid (not 0,
# not another sandbox's), with no capabilities and NO_NEW_PRIVS, the vmm
# and QEMU in namespaces of their own with a root that holds only their
# sandbox's files; one sandbox's uid can reach neither the other's sockets
# nor its processes; msb rm gives the uid back; and an ordinary user's
# sandbox gets the same namespaces from a user namespace.
# msb-test-timeout: 600
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 setpriv python3
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR" MSB_UID_REGISTRY="$TMP/uids"
at_exit 'for s in ja jb; do "$MSB" stop --force $s >/dev/null 2>&1; done'

sb() { echo "$MSB_HOME/sandboxes/$1"; }
field() { grep "^$2=" "$(sb "$1")/state" | cut -d= -f2-; }
status_of() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
ns() { readlink "/proc/$1/ns/$2"; }

"$MSB" create ja --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create ja"
"$MSB" create jb --accel tcg --disk-size 256M --net user >/dev/null 2>&1 || die "create jb"
ua=$(sed -n 's/^uid=//p' "$(sb ja)/config"); ub=$(sed -n 's/^uid=//p' "$(sb jb)/config")
check_sh "create records a uid of the sandbox's own ($ua, $ub)" \
	'[ "$ua" -ge 1879048192 ] && [ "$ub" -ge 1879048192 ] && [ "$ua" != "$ub" ]'
check "no passwd entry claims it" sh -c "! getent passwd $ua && ! getent group $ua"
check "the registry names the sandbox" grep -qx "$(realpath "$(sb ja)")" "$TMP/uids/$ua"

"$MSB" start ja >/dev/null || die "start ja"
"$MSB" start jb >/dev/null || die "start jb"
check_eq "the directory: root's, the sandbox's group, sticky" "0:$ua:1770" "$(stat -c %u:%g:%a "$(sb ja)")"
check_eq "the config stays root's" "0:0" "$(stat -c %u:%g "$(sb ja)/config")"
check_eq "the disk is the sandbox's" "$ua:600" "$(stat -c %u:%a "$(sb ja)/disk.img")"

for s in ja jb; do
	u=$(sed -n 's/^uid=//p' "$(sb $s)/config")
	vmm=$(field $s vmm_pid); qemu=$(field $s qemu_pid)
	for p in "vmm:$vmm" "QEMU:$qemu"; do
		what=${p%%:*}; pid=${p#*:}
		check_sh "$s: $what is alive (pid $pid)" '[ -n "$pid" ] && [ -e "/proc/$pid" ]'
		check_eq "$s: $what's uids" "$u $u $u $u" "$(status_of "$pid" Uid)"
		check_eq "$s: $what's gids" "$u $u $u $u" "$(status_of "$pid" Gid)"
		check_eq "$s: $what's effective capabilities" 0000000000000000 "$(status_of "$pid" CapEff)"
		check_eq "$s: $what's bounding set" 0000000000000000 "$(status_of "$pid" CapBnd)"
		check_eq "$s: $what has NO_NEW_PRIVS" 1 "$(status_of "$pid" NoNewPrivs)"
		for n in mnt pid net ipc uts; do
			check "$s: $what's $n namespace is its own" [ "$(ns "$pid" $n)" != "$(ns $$ $n)" ]
		done
		check "$s: no /etc/shadow in $what's root" [ ! -e "/proc/$pid/root/etc/shadow" ]
		check "$s: no /root in $what's root" [ ! -e "/proc/$pid/root/root" ]
		check "$s: its own disk is there" [ -e "/proc/$pid/root$(realpath "$(sb $s)")/disk.img" ]
		other=ja; [ $s = ja ] && other=jb
		check "$s: the other sandbox is not" [ ! -e "/proc/$pid/root$(realpath "$(sb $other)")" ]
		check_eq "$s: $what's root is read-only but for its sandbox" \
			"Read-only file system" "$(cd "/proc/$pid/root" && touch ./x 2>&1 | sed 's/.*: //')"
	done
done
cgroup_v2_mount
for s in ja jb; do
	for p in "vmm:$(field $s vmm_pid)" "QEMU:$(field $s qemu_pid)"; do
		lim=$(memory_limit_of "${p#*:}")
		check_sh "$s: ${p%%:*}'s cgroup has a memory limit ($lim)" \
			'[ -n "$lim" ] && [ "$lim" -lt $((4 << 30)) ]'
	done
done
check_eq "the vmm's core limit" 0 "$(awk '/^Max core file size/ { print $5 }' "/proc/$(field ja vmm_pid)/limits")"

# One sandbox's uid against the other's files and processes.
as_a() { setpriv --reuid="$ua" --regid="$ua" --clear-groups "$@"; }
check "ja's uid cannot enter jb's directory" sh -c "! $(command -v setpriv) --reuid=$ua --regid=$ua --clear-groups ls '$(sb jb)' >/dev/null 2>&1"
# A python3 that the sandbox's uid can run (not one under /root).
py=/usr/bin/python3; [ -x $py ] || py=$(command -v python3)
out=$(as_a $py -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])" "$(sb jb)/vsock.sock" 2>&1); rc=$?
echo "$out"
check_sh "ja's uid cannot connect to jb's vsock socket (exit $rc)" '[ $rc -ne 0 ] && echo "$out" | grep -q "Permission denied"'
out=$(as_a kill -0 "$(field jb vmm_pid)" 2>&1); rc=$?
check_sh "ja's uid cannot signal jb's vmm (exit $rc)" '[ $rc -ne 0 ]'
out=$(as_a kill -0 "$(field jb qemu_pid)" 2>&1); rc=$?
check_sh "ja's uid cannot signal jb's QEMU (exit $rc)" '[ $rc -ne 0 ]'

# The agent talks only to the host: a guest process dialling it over
# vsock (loopback CID 1, or the guest's own CID) gets no answer. (The
# guest kernel has no vsock loopback transport; the agent's own refusal of
# any CID but the host's is test_agent_peer's.)
out=$(timeout 60 "$MSB" ssh ja -- 'for cid in 1 $(cat /sys/class/vsock/*/local_cid 2>/dev/null) 3; do
	echo ping | timeout 5 socat -u - VSOCK-CONNECT:$cid:1024,connect-timeout=3 2>/dev/null && echo reached-$cid; done; echo done' 2>&1)
check_eq "a guest process cannot reach the agent over vsock" done "$(echo "$out" | tail -n 1)"
check "... nothing reached it" sh -c "! echo '$out' | grep -q reached"

# A live session worker: the sandbox's uid, no capabilities.
"$MSB" ssh ja -- 'echo up; sleep 60' > "$TMP/ssh.out" 2>&1 & SSH=$!
at_exit "kill $SSH 2>/dev/null"
wait_for 60 grep -q up "$TMP/ssh.out"
ses=""
for p in $(pgrep -x msb-session); do
	grep -qs "MSB_HOME=$MSB_HOME" "/proc/$p/environ" && ses=$p
done
check "a session worker serves ja (pid $ses)" [ -n "$ses" ]
if [ -n "$ses" ]; then
	check_eq "the session worker's uids" "$ua $ua $ua $ua" "$(status_of "$ses" Uid)"
	check_eq "the session worker's effective capabilities" 0000000000000000 "$(status_of "$ses" CapEff)"
	check_eq "the session worker's bounding set" 0000000000000000 "$(status_of "$ses" CapBnd)"
	check_eq "the session worker has NO_NEW_PRIVS" 1 "$(status_of "$ses" NoNewPrivs)"
	SES_GROUP=$(group_of "$ses" memory)
	check "the session worker is in a group of its own ($SES_GROUP)" \
		sh -c "echo '$SES_GROUP' | grep -q '/msb/session-[0-9]*\$'"
	check_eq "... whose memory limit is the session's (320 MiB)" $((320 << 20)) "$(memory_limit_of "$ses")"
	check_eq "... and pids limit" 4 "$(val "$(group_of "$ses" pids)" pids.max)"
fi
kill $SSH 2>/dev/null; wait $SSH 2>/dev/null
[ -n "${SES_GROUP:-}" ] && check "the session's group is gone with the connection" wait_for 10 test ! -d "$SES_GROUP"

# Stopping keeps the uid; rm gives it back.
"$MSB" stop ja >/dev/null || fail "stop ja"
check_eq "stopped cleanly" stopped "$(state_of ja)"
"$MSB" rm ja >/dev/null || fail "rm ja"
check "rm releases the uid" [ ! -e "$TMP/uids/$ua" ]
"$MSB" create jc --accel tcg --disk-size 128M >/dev/null 2>&1 || fail "create jc"
check_eq "a released uid is handed out again" "$ua" "$(sed -n 's/^uid=//p' "$(sb jc)/config")"
"$MSB" stop --force jb >/dev/null 2>&1

# Not root: the same namespaces from an unprivileged user namespace, the
# caller's own uid inside.
# The user runs copies of the build: the tree may be under a directory
# (/root) that only root can enter.
U="$TMP/unpriv" NB="$TMP/nb"; mkdir -p "$U" "$NB"; chown 65534:65534 "$U"; chmod 711 "$TMP"
for f in "$MSB" "$MSB_BUILDDIR"/msb-*; do
	[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$NB/"
done
[ -n "${MSB_GUEST_AGENT:-}" ] && cp "$MSB_GUEST_AGENT" "$NB/msb-agent"
chmod -R a+rX "$NB"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$U" MSB_HOME="$U" \
	MSB_LIBEXECDIR="$NB" MSB_TEST_RUN="${MSB_TEST_RUN:-}" "$@"; }
MSB="$NB/msb"
at_exit "as_nobody '$MSB' stop --force un >/dev/null 2>&1"
as_nobody "$MSB" create un --accel tcg --disk-size 128M >/dev/null 2>&1 || fail "create as nobody"
as_nobody "$MSB" start un > "$TMP/un.out" 2>&1; rc=$?
check_eq "an ordinary user's sandbox starts" 0 $rc
vmm=$(sed -n 's/^vmm_pid=//p' "$U/sandboxes/un/state")
if [ -n "$vmm" ] && [ -e "/proc/$vmm" ]; then
	check_eq "... its vmm runs as that user" "65534 65534 65534 65534" "$(status_of "$vmm" Uid)"
	check_eq "... with no capabilities" 0000000000000000 "$(status_of "$vmm" CapEff)"
	for n in user mnt pid net; do
		check "... in a $n namespace of its own" [ "$(ns "$vmm" $n)" != "$(ns $$ $n)" ]
	done
	check "... with no /etc/shadow in its root" [ ! -e "/proc/$vmm/root/etc/shadow" ]
else
	fail "no vmm for the ordinary user's sandbox: $(cat "$TMP/un.out")"
fi
check_eq "... and answers" un "$(as_nobody "$MSB" ssh un -- hostname 2>&1)"
as_nobody "$MSB" stop un >/dev/null 2>&1 || fail "stop as nobody"
done_testing
