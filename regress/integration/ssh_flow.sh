# End-to-end flow control through msb ssh serve: 2 GiB streamed to a fast
# reader, and a stalled reader that must not grow any process's memory
# (listener, monitor, network child, session worker, vmm).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 ssh ssh-keygen
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force flow >/dev/null 2>&1'
BYTES=${MSB_FLOW_BYTES:-2147483648}

"$MSB" create flow --accel tcg --disk-size 512M >/dev/null 2>&1 || die "create failed"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
"$MSB" ssh authorize --file "$TMP/id.pub" >/dev/null 2>&1 || die "authorize"
PORT=$((20000 + ($$ + 7) % 20000))
"$MSB" ssh serve flow --port "$PORT" 2>"$TMP/serve.log" & SERVE=$!
at_exit "kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null"
wait_alive 60 "$SERVE" grep -q "listening on" "$TMP/serve.log" || die "server did not listen"
s() { ssh -p "$PORT" -i "$TMP/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes root@127.0.0.1 "$@"; }

# The msb processes of this test: the server and everything under it, and the vmm.
procs() {
	vmm=$(grep '^vmm_pid=' "$MSB_HOME/sandboxes/flow/state" | cut -d= -f2)
	echo "$SERVE $vmm"
	pgrep -f 'msb-(monitor|preauth|session)' | while read -r p; do
		grep -qs "MSB_HOME=$MSB_HOME" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done
}
# Sum of VmRSS (KiB) per process name, and the largest single one.
rss_report() {
	for p in $(procs); do
		[ -r "/proc/$p/status" ] || continue
		awk -v p="$p" '/^Name:/ { n = $2 } /^VmRSS:/ { print n, $2 }' "/proc/$p/status"
	done
}

s true || die "ssh does not work"
# OpenSSH's client tells only servers that call themselves OpenSSH that
# its output is gone (eow@openssh.com); against libssh (as against any
# other server) 'cat /dev/zero' runs until the client is ended, so the
# test ends it once head has its bytes.
mkfifo "$TMP/out"
s 'cat /dev/zero' > "$TMP/out" & client=$!
start=$(date +%s.%N)
n=$(head -c "$BYTES" < "$TMP/out" | wc -c)
end=$(date +%s.%N)
kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
check_eq "cat /dev/zero | head -c $BYTES gets every byte" "$BYTES" "$n"
awk -v b="$BYTES" -v s="$start" -v e="$end" 'BEGIN { printf "metric: ssh stream out %.1f MiB/s (TCG guest)\n", b / 1048576 / (e - s) }'

# Stalled reader: nothing is read for 8 s while the command writes.
mkfifo "$TMP/stall"
s 'cat /dev/zero' > "$TMP/stall" & client=$!
{ sleep 8; head -c 67108864 >/dev/null; } < "$TMP/stall" & reader=$!
sleep 3; rss_report > "$TMP/rss1"
sleep 4; rss_report > "$TMP/rss2"
wait $reader
kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
cat "$TMP/rss1" "$TMP/rss2"
check "every process's RSS stays under 48 MiB while the reader stalls" \
	awk '$1 != "msb-vmm" && $2 > 49152 { bad = 1 } END { exit bad }' "$TMP/rss2"
check "and does not grow between two samples (within 4 MiB)" \
	awk 'NR == FNR { a[$1] += $2; next } { b[$1] += $2 } END { for (k in b) if (b[k] > a[k] + 4096) exit 1 }' "$TMP/rss1" "$TMP/rss2"

# Idle connection: the summed RSS of its per-connection processes.
s 'sleep 30' & idle=$!
sleep 3
for p in $(procs); do awk '/^Name:/ { n = $2 } /^VmRSS:/ { print n, $2 }' "/proc/$p/status" 2>/dev/null; done > "$TMP/idle"
kill $idle 2>/dev/null
echo "metric: idle connection RSS: $(awk '$1 ~ /^msb-(monitor|preauth|session)$/ { s += $2 } END { print s }' "$TMP/idle") KiB (monitor + network child + session worker)"

done_testing
