# msb create --forward: malformed specs are refused, the forwards are kept
# in the sandbox config, and a host port reaches a guest port through
# QEMU's user network (hostfwd) once the sandbox runs. QEMU is in a network
# namespace of the sandbox's own and listens on its link's address; the
# host filter maps the host's address and port there (0.0.0.0: any
# address of the host), and the keeper holds the host port, so a second
# sandbox (or anything else) cannot have it.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 socat ip
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force fw >/dev/null 2>&1; "$MSB" stop --force fw2 >/dev/null 2>&1'

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
	--forward "tcp:0.0.0.0:$((HP + 2)):7000" \
	>/dev/null 2>&1 || die "create failed"
check_eq "the forwards are in the config" \
	"forward=tcp:127.0.0.1:$HP:7000,forward=tcp:127.0.0.1:$((HP + 1)):7001,forward=tcp:0.0.0.0:$((HP + 2)):7000" \
	"$(grep '^forward=' "$MSB_HOME/sandboxes/fw/config" | paste -sd,)"
timeout 120 "$MSB" start fw >/dev/null 2>&1 || die "start failed"
QEMU=$(sed -n 's/^qemu_pid=//p' "$MSB_HOME/sandboxes/fw/state")
IDX=$(( $(sed -n 's/^uid=//p' "$MSB_HOME/sandboxes/fw/config") - 0x70000000 ))
LINK=10.254.$((IDX >> 8)).$((IDX & 255))
check "QEMU has a network namespace of its own" [ "$(readlink /proc/$QEMU/ns/net)" != "$(readlink /proc/$$/ns/net)" ]
check "QEMU was given the hostfwd on its link's address ($LINK)" \
	grep -q "hostfwd=tcp:$LINK:$((HP + 1))-:7001" "/proc/$QEMU/cmdline"
"$MSB" create fw2 --accel tcg --net user --disk-size 256M --forward "tcp:127.0.0.1:$HP:7000" \
	>/dev/null 2>&1 || die "create fw2"
timeout 60 "$MSB" start fw2 >"$TMP/fw2.out" 2>&1
check_eq "a second sandbox cannot start on a forwarded port" 1 $?
check "... and says the port is in use" grep -q "127.0.0.1:$HP: the host port is in use" "$TMP/fw2.out"
timeout 30 "$MSB" agent --vsock "$MSB_HOME/sandboxes/fw/vsock.sock" exec -- \
	'setsid socat -U TCP-LISTEN:7000,reuseaddr,fork EXEC:"echo from-guest" </dev/null >/dev/null 2>&1 &' ||
	die "cannot start a listener in the guest"
wait_for 10 answers 127.0.0.1 "$HP" from-guest
check_eq "host port $HP reaches guest port 7000" from-guest "$ANSWER"
check_eq "host port $((HP + 2)) (0.0.0.0) reaches it from the host's loopback" from-guest \
	"$(timeout 5 socat -u TCP:127.0.0.1:$((HP + 2)) - 2>/dev/null)"
ADDR=$(ip -4 -o addr show scope global | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$ADDR" ] && check_eq "... and from the host's address $ADDR" from-guest \
	"$(timeout 5 socat -u TCP:$ADDR:$((HP + 2)) - 2>/dev/null)"
check_eq "host port $((HP + 1)) is only on 127.0.0.1" "" \
	"$(timeout 5 socat -u TCP:${ADDR:-127.0.0.2}:$((HP + 1)) - 2>/dev/null)"
"$MSB" stop fw >/dev/null 2>&1
check "stopping unmaps the ports" sh -c "! nft list map inet msb forwards | grep -q '127.0.0.1 . $HP '"
check_eq "... and frees the host port (a listener gets it)" 124 \
	"$(timeout 1 socat TCP-LISTEN:$HP,bind=127.0.0.1 - </dev/null >/dev/null 2>&1; echo $?)"
done_testing
