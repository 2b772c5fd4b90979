# The guest does not get the host. A little network of the test's own: a
# listener on the host's 127.0.0.1, one on an address of the host itself
# (its side of a veth link), and one on an "outside" test host (a network
# namespace behind that link, reached through the host's routing). From a
# --net user guest, from a guest process and from the agent's dials that
# ssh -W and -L use (through msb ssh serve), the first two are refused and
# the third answers; --net user,host-loopback gives back the host's
# loopback at the gateway, 10.0.2.2, and its own addresses. QEMU's user
# network makes the guest's connections as QEMU: by default in a network
# namespace of the sandbox's own, whose one link to the host the host
# filter (nft table inet msb) keeps off the host and masquerades out; the
# opted-in QEMU stays in the host's namespace, where the filter refuses
# the sandbox uid range new connections to this host and to any sandbox's
# namespace. Two boots (TCG), started together.
# msb-test-timeout: 900
. "$(dirname "$0")/../lib.sh"
need_root
need_ssh_server
need_cmd qemu-system-x86_64 nft ip nsenter socat ssh ssh-keygen
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force iso >/dev/null 2>&1; "$MSB" stop --force open >/dev/null 2>&1'

# --- the test network -----------------------------------------------------------
N=$(( $$ % 250 + 1 ))
NS=msbnet$$ VH=mn$$h VO=mn$$o
HOST_LINK=10.201.$N.1 PEER=10.201.$N.2 OUTSIDE=10.200.$N.2
P_LO=$((20000 + $$ % 20000)) P_LINK=$((P_LO + 1)) P_OUT=$((P_LO + 2))
ip netns add "$NS" || die "ip netns add"
at_exit "ip netns del $NS 2>/dev/null; ip link del $VH 2>/dev/null"
ip link add "$VH" type veth peer name "$VO" && ip link set "$VO" netns "$NS" &&
	ip addr add "$HOST_LINK/24" dev "$VH" && ip link set "$VH" up &&
	ip -n "$NS" addr add "$PEER/24" dev "$VO" && ip -n "$NS" link set "$VO" up &&
	ip -n "$NS" link set lo up && ip -n "$NS" addr add "$OUTSIDE/32" dev lo &&
	ip route add "$OUTSIDE/32" via "$PEER" || die "cannot build the test network"
socat -U "TCP-LISTEN:$P_LO,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'echo host-loopback' & L1=$!
socat -U "TCP-LISTEN:$P_LINK,bind=$HOST_LINK,reuseaddr,fork" SYSTEM:'echo host-link' & L2=$!
ip netns exec "$NS" socat -U "TCP-LISTEN:$P_OUT,bind=$OUTSIDE,reuseaddr,fork" SYSTEM:'echo outside' & L3=$!
at_exit "kill $L1 $L2 $L3 2>/dev/null"
wait_for 10 answers 127.0.0.1 "$P_LO" host-loopback && wait_for 10 answers "$HOST_LINK" "$P_LINK" host-link &&
	wait_for 10 answers "$OUTSIDE" "$P_OUT" outside || die "the test listeners do not answer the host"

# --- two sandboxes: isolated (the default) and opted in ------------------------------
"$MSB" create iso --accel tcg --net user --disk-size 256M >/dev/null 2>&1 || die "create iso"
"$MSB" create open --accel tcg --net user,host-loopback --disk-size 256M >"$TMP/out" 2>&1 ||
	die "create open: $(cat "$TMP/out")"
check "the config records the opt-in" grep -qx "net=user,host-loopback" "$MSB_HOME/sandboxes/open/config"
check "msb ls shows it" sh -c "'$MSB' ls | grep -q '^open .*user,host-loopback'"
OPEN_UID=$(sed -n 's/^uid=//p' "$MSB_HOME/sandboxes/open/config")
timeout 300 "$MSB" start iso >"$TMP/iso.log" 2>&1 & S1=$!
timeout 300 "$MSB" start open >"$TMP/open.log" 2>&1 & S2=$!
wait $S1 || die "start iso: $(cat "$TMP/iso.log")"
wait $S2 || die "start open: $(cat "$TMP/open.log")"

field() { sed -n "s/^$2=//p" "$MSB_HOME/sandboxes/$1/state"; }
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
iso_qemu=$(field iso qemu_pid)
check_sh "iso's QEMU (its user network) runs as a uid of the filtered range ($(uid_of "$iso_qemu"))" \
	'[ "$(uid_of "$iso_qemu")" -ge $((0x70000000)) ] && [ "$(uid_of "$iso_qemu")" -lt $((0x70010000)) ]'
check_eq "open's QEMU runs as its sandbox's uid" "$OPEN_UID" "$(uid_of "$(field open qemu_pid)")"
check "the host filter is installed" sh -c "nft list table inet msb | grep -q 'fib daddr type'"
netns() { readlink "/proc/$1/ns/net"; }
ISO_UID=$(uid_of "$iso_qemu")
ISO_IF=$(printf 'msbh%04x' $((ISO_UID - 0x70000000)))
ISO_ADDR=10.254.$(( (ISO_UID - 0x70000000) >> 8 )).$(( (ISO_UID - 0x70000000) & 255 ))
check_sh "iso's QEMU has a network namespace of its own" '[ "$(netns "$iso_qemu")" != "$(netns $$)" ]'
check_eq "... its vmm shares it" "$(netns "$iso_qemu")" "$(netns "$(field iso vmm_pid)")"
check_eq "open's QEMU (opted in) stays in the host's" "$(netns $$)" "$(netns "$(field open qemu_pid)")"
check "iso's link is up on the host ($ISO_IF)" sh -c "ip -br link show $ISO_IF | grep -qw UP"
check "the host routes iso's address ($ISO_ADDR) to it" sh -c "ip route get $ISO_ADDR | grep -qw $ISO_IF"
check_eq "the host forwards (msb turned it on if it was off)" 1 "$(cat /proc/sys/net/ipv4/ip_forward)"
# A listener inside iso's namespace: the host may reach it, no sandbox may.
P_NS=$((P_LO + 10))
nsenter --net="/proc/$iso_qemu/ns/net" socat -U "TCP-LISTEN:$P_NS,bind=$ISO_ADDR,reuseaddr,fork" \
	SYSTEM:'echo in-iso' & L4=$!
at_exit "kill $L4 2>/dev/null"
wait_for 10 answers "$ISO_ADDR" "$P_NS" in-iso || die "the listener in iso's namespace does not answer the host"
check "the opt-in is in its set" sh -c "nft list set inet msb host_access | grep -qw $OPEN_UID"
check "... and the default is not" sh -c "! nft list set inet msb host_access | grep -qw $(uid_of "$iso_qemu")"

# What a guest process gets, and what the agent's dials (ssh -W/-L/-D) get.
from_guest() { timeout 60 "$MSB" ssh "$1" -- "socat -u TCP:$2:$3,connect-timeout=5 - 2>/dev/null"; }
dial() { echo | timeout 60 "$MSB" agent --vsock "$MSB_HOME/sandboxes/$1/vsock.sock" connect "$2" "$3" 2>/dev/null; }
for via in from_guest dial; do
	check_eq "$via iso: the outside host answers" outside "$($via iso "$OUTSIDE" "$P_OUT")"
	check_eq "$via iso: the host's loopback (gateway 10.0.2.2) is not reached" "" \
		"$($via iso 10.0.2.2 "$P_LO")"
	check_eq "$via iso: the host's own address is not reached" "" "$($via iso "$HOST_LINK" "$P_LINK")"
	check_eq "$via open: the host's loopback at 10.0.2.2" host-loopback "$($via open 10.0.2.2 "$P_LO")"
	check_eq "$via open: the host's own address" host-link "$($via open "$HOST_LINK" "$P_LINK")"
	check_eq "$via open: the outside host" outside "$($via open "$OUTSIDE" "$P_OUT")"
	check_eq "$via open: not into another sandbox's namespace" "" "$($via open "$ISO_ADDR" "$P_NS")"
done
# The guest's init publishes resolv.conf (a random temporary name, renamed
# over): the user network's resolver, and no temporary file left beside it.
check_eq "the guest's resolv.conf names the user network's resolver" "nameserver 10.0.2.3" \
	"$(timeout 60 "$MSB" ssh iso -- cat /etc/resolv.conf)"
check_eq "... and init left no temporary file in /etc" 0 \
	"$(timeout 60 "$MSB" ssh iso -- 'ls -A /etc | grep -c "^\.resolv"')"
# Refused at the host (QEMU's connect fails at once); the guest's own
# connect then ends within its timeout, never hangs.
t0=$(date +%s)
from_guest iso "$HOST_LINK" "$P_LINK" >/dev/null
check "a refused connection ends within the guest's connect timeout ($(( $(date +%s) - t0 )) s)" \
	[ $(( $(date +%s) - t0 )) -lt 15 ]

# --- through msb ssh serve: ssh -W and ssh -L --------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
"$MSB" ssh authorize --file "$TMP/id.pub" 2>/dev/null || die "authorize"
serve_bg iso --port 0
OPTS="-p $PORT -i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
# stdin stays open a while: a client at EOF at once half-closes the stream
# before the listener has written, and QEMU's user network may then drop
# the reply.
w() { sleep 3 | timeout 60 ssh $OPTS -W "$1:$2" root@127.0.0.1 2>/dev/null; }
check_eq "ssh -W to the outside host" outside "$(w "$OUTSIDE" "$P_OUT")"
check_eq "ssh -W to the host's loopback (10.0.2.2) is refused" "" "$(w 10.0.2.2 "$P_LO")"
check_eq "ssh -W to the host's own address is refused" "" "$(w "$HOST_LINK" "$P_LINK")"
check "the server log says the forward to the host failed" \
	grep -q "forward to $HOST_LINK:$P_LINK failed" "$TMP/serve.log"
LP=$((P_LO + 3))
timeout 120 ssh $OPTS -N -L "$LP:$OUTSIDE:$P_OUT" -L "$((LP + 1)):$HOST_LINK:$P_LINK" \
	-L "$((LP + 2)):10.0.2.2:$P_LO" root@127.0.0.1 & FWD=$!
at_exit "kill $FWD 2>/dev/null"
wait_listen "$((LP + 2))" || die "ssh -L did not listen"
l() { timeout 30 socat -u "TCP:127.0.0.1:$1" - 2>/dev/null; }
check_eq "ssh -L to the outside host" outside "$(l "$LP")"
check_eq "ssh -L to the host's own address gets nothing" "" "$(l "$((LP + 1))")"
check_eq "ssh -L to the host's loopback gets nothing" "" "$(l "$((LP + 2))")"
kill $FWD 2>/dev/null

"$MSB" stop iso >/dev/null 2>&1; "$MSB" stop open >/dev/null 2>&1
gone() { ! ip link show "$1" >/dev/null 2>&1; }
check "iso's link is gone with it" wait_for 5 gone "$ISO_IF"
done_testing
