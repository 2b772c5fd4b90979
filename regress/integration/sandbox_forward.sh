# msb create --forward: malformed specs are refused, the forwards are kept
# in the sandbox config, and a host port reaches a guest port through
# QEMU's user network (hostfwd) once the sandbox runs.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 socat
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force fw >/dev/null 2>&1'

for bad in tcp:127.0.0.1:0:22 tcp:127.0.0.1:2200:65536 tcp:localhost:2200:22 \
	udp:127.0.0.1:2200:22 tcp:127.0.0.1:2200 tcp:1.2.3:2200:22 tcp:127.0.0.1:22x:22; do
	"$MSB" create bad --net user --forward "$bad" >/dev/null 2>&1
	check_eq "--forward $bad is refused" 1 $?
done
"$MSB" create bad --forward tcp:127.0.0.1:2200:22 >"$TMP/out" 2>&1
check "--forward without --net user is refused" grep -q "needs --net user" "$TMP/out"
check "a refused create leaves no sandbox" test ! -e "$MSB_HOME/sandboxes/bad"

HP=$((20000 + $$ % 20000))
"$MSB" create fw --accel tcg --net user --disk-size 256M \
	--forward "tcp:127.0.0.1:$HP:7000" --forward "tcp:127.0.0.1:$((HP + 1)):7001" \
	>/dev/null 2>&1 || die "create failed"
check_eq "the forwards are in the config" \
	"forward=tcp:127.0.0.1:$HP:7000,forward=tcp:127.0.0.1:$((HP + 1)):7001" \
	"$(grep '^forward=' "$MSB_HOME/sandboxes/fw/config" | paste -sd,)"
timeout 120 "$MSB" start fw >/dev/null 2>&1 || die "start failed"
check "QEMU was given the hostfwd" grep -q "hostfwd=tcp:127.0.0.1:$((HP + 1))-:7001" \
	"/proc/$(sed -n 's/^qemu_pid=//p' "$MSB_HOME/sandboxes/fw/state")/cmdline"
timeout 30 "$MSB" agent --vsock "$MSB_HOME/sandboxes/fw/vsock.sock" exec -- \
	'setsid socat TCP-LISTEN:7000,reuseaddr EXEC:"echo from-guest" </dev/null >/dev/null 2>&1 &' ||
	die "cannot start a listener in the guest"
got=""
for _ in $(seq 50); do
	got=$(timeout 5 socat -u TCP:127.0.0.1:$HP - 2>/dev/null) && [ -n "$got" ] && break
	sleep 0.1
done
check_eq "host port $HP reaches guest port 7000" from-guest "$got"
done_testing
