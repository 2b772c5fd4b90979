# msb ssh serve against real clients, all on one sandbox (one boot, TCG):
# OpenSSH ssh (exit codes, signals, streams, stdin, PTY, env, ControlMaster),
# sftp, scp (SFTP and -O), rsync, -L, -D, -W, -R refused, ProxyCommand with
# --stdio (also as msb ssh config prints it), and Dropbear's dbclient.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 ssh sftp scp rsync ssh-keygen socat curl dbclient dropbearconvert python3 tmux
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force dev >/dev/null 2>&1'

"$MSB" create dev --accel tcg --net user --disk-size 1G >/dev/null 2>&1 || die "create failed"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
"$MSB" ssh authorize --file "$TMP/id.pub" || die "authorize"
PORT=$((20000 + $$ % 20000))
"$MSB" ssh serve dev --port "$PORT" 2>"$TMP/serve.log" & SERVE=$!
at_exit "kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null"
wait_alive 60 "$SERVE" grep -q "listening on" "$TMP/serve.log"
grep -q "listening on 127.0.0.1:$PORT" "$TMP/serve.log" || die "server did not listen"

# ssh keeps the first value of each option: LogLevel is added last, per use.
BASE="-p $PORT -i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
OPTS="$BASE -o LogLevel=ERROR"
s() { timeout 120 ssh $OPTS root@127.0.0.1 "$@"; }

# exit codes and signals
s true; check_eq "exit 0" 0 $?
s false; check_eq "exit 1" 1 $?
s 'exit 42'; check_eq "exit 42" 42 $?
s 'exit 255'; check_eq "exit 255" 255 $?
# Keepalives are global requests with want-reply: unanswered, ssh would
# give up after ServerAliveCountMax of them.
out=$(s -o ServerAliveInterval=1 -o ServerAliveCountMax=2 'sleep 5; echo alive')
check_eq "keepalive@openssh.com requests are answered" alive "$out"
timeout 60 ssh -v $OPTS root@127.0.0.1 'kill -9 $$' >"$TMP/v" 2>&1; rc=$?
check_eq "kill -9: ssh exits 255 as with OpenSSH's sshd" 255 $rc
check "kill -9: ssh -v shows the exit-signal" grep -q "rtype exit-signal" "$TMP/v"

# streams
s 'echo out; echo err >&2' >"$TMP/o" 2>"$TMP/e"
check_eq "stdout apart" out "$(cat "$TMP/o")"
check_eq "stderr apart (extended data)" err "$(cat "$TMP/e")"
head -c 67108864 /dev/urandom > "$TMP/big"
check "64 MiB through stdin and back" echoes "$TMP/big" s cat
check_eq "output written after the client's EOF still arrives" "late" "$(s 'cat >/dev/null; sleep 1; echo late' </dev/null)"

# sshd's semantics in the guest: root's login shell (bash) runs commands,
# output a background job writes after the exit arrives, a daemon with
# its output redirected does not hold the session, /etc/hostname agrees.
check_eq "commands run under the login shell" "bash 1 2 3" "$(s 'echo $0 {1..3}' </dev/null)"
check "the time keyword works" s 'time (true)' </dev/null 2>/dev/null
s '(sleep 2; echo late-output; echo late-err >&2) & echo started; exit 3' </dev/null >"$TMP/o" 2>"$TMP/e"; rc=$?
check_eq "late output after the exit, status kept" "started late-output late-err 3" \
	"$(cat "$TMP/o" | tr '\n' ' ')$(cat "$TMP/e") $rc"
start=$(date +%s%N)
s 'echo started' </dev/null >/dev/null
base=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N)
out=$(s 'nohup sleep 100 >/dev/null 2>&1 & echo started' </dev/null)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a daemon with redirected output" started "$out"
check "... does not hold the session (${ms} ms, a plain command ${base} ms)" [ "$ms" -lt $((base + 1000)) ]
check_eq "/etc/hostname agrees with hostname" "dev dev" "$(s 'cat /etc/hostname; hostname' </dev/null | paste -sd' ')"

# PTY, env
out=$(timeout 60 ssh -tt $OPTS -o SetEnv="TERM=vt100" root@127.0.0.1 'tty; stty size' </dev/null | tr -d '\r')
check "ssh -tt gives a terminal" sh -c "echo '$out' | grep -q '^/dev/pts/'"
out=$(LANG=C.UTF-8 s -o SendEnv=LANG 'echo "LANG=$LANG"')
check_eq "SendEnv LANG arrives" "LANG=C.UTF-8" "$out"
out=$(FOO_SECRET=x s -o SendEnv=FOO_SECRET 'echo "FOO=${FOO_SECRET:-unset}"')
check_eq "a variable off the allow-list does not" "FOO=unset" "$out"
pty_sizes 30 90 30 120 40 "ssh -tt $OPTS root@127.0.0.1"
check_eq "PTY size follows the client's window" "30 90,40 120" "$PTY_SIZES"

# ControlMaster: 10 commands at once over one connection
CM="-o ControlMaster=auto -o ControlPath=$TMP/cm-%r -o ControlPersist=60"
s $CM true
pids=""
for i in $(seq 10); do s $CM "sleep 1; echo \$((6 * $i))" > "$TMP/cm.$i" & pids="$pids $!"; done
wait $pids
bad=0; for i in $(seq 10); do [ "$(cat "$TMP/cm.$i")" = "$((6 * i))" ] || bad=$((bad + 1)); done
check_eq "10 concurrent commands over one ControlMaster connection" 0 $bad
ssh $OPTS $CM -O exit root@127.0.0.1 2>/dev/null

# sftp, scp, rsync
cat > "$TMP/batch" <<B
put $TMP/big /root/big
get /root/big $TMP/big.back
ls -l /root
mkdir /root/d
rmdir /root/d
mkdir /root/d2
symlink /root/big /root/link
ls -l /root
rename /root/big /root/big2
chmod 600 /root/big2
df /
rm /root/big2
rm /root/link
rmdir /root/d2
B
timeout 120 sftp -b "$TMP/batch" -P "$PORT" -i "$TMP/id" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 > "$TMP/sftp.out" 2>&1; rc=$?
cat "$TMP/sftp.out"
check_eq "sftp -b covers put/get/ls/mkdir/rmdir/symlink/rename/chmod/df/rm" 0 $rc
check "sftp 64 MiB round trip intact" cmp -s "$TMP/big" "$TMP/big.back"
check "sftp made a symlink" grep -q "^lrwx.*/root/link$" "$TMP/sftp.out"
SCPO="-P $PORT -i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
timeout 120 scp $SCPO "$TMP/big" root@127.0.0.1:/root/scp1; rc=$?
check_eq "scp (SFTP mode) upload" 0 $rc
timeout 120 scp -O $SCPO root@127.0.0.1:/root/scp1 "$TMP/scp1.back"; rc=$?
check_eq "scp -O download" 0 $rc
check "scp round trip intact" cmp -s "$TMP/big" "$TMP/scp1.back"
mkdir -p "$TMP/tree/sub"; echo a > "$TMP/tree/a"; : > "$TMP/tree/empty"; echo b > "$TMP/tree/sub/b"
ln -s a "$TMP/tree/link"
RSH="ssh $OPTS"
timeout 120 rsync -av -e "$RSH" "$TMP/tree/" root@127.0.0.1:/root/tree/ > "$TMP/rs1" 2>&1; rc=$?
check_eq "rsync -av" 0 $rc
timeout 120 rsync -av -e "$RSH" "$TMP/tree/" root@127.0.0.1:/root/tree/ > "$TMP/rs2" 2>&1
check "rsync again transfers nothing" sh -c "! grep -Eq '^(a|empty|sub/b|link)' '$TMP/rs2'"
check_eq "rsync kept the symlink and the empty file" "a 0" "$(s 'readlink /root/tree/link; stat -c %s /root/tree/empty' | paste -sd' ')"

# forwarding: a TCP service inside the guest
s "$(guest_service 8080 hello-from-guest)"
check_eq "a service listens inside the guest" 0 $?
LP=$((PORT + 1))
timeout 60 ssh $OPTS -N -L "$LP:127.0.0.1:8080" root@127.0.0.1 & FWD=$!
wait_listen "$LP"
check_eq "ssh -L reaches a service inside the guest" hello-from-guest "$(timeout 10 socat - TCP:127.0.0.1:$LP </dev/null)"
kill $FWD 2>/dev/null
DP=$((PORT + 2))
timeout 60 ssh $OPTS -N -D "$DP" root@127.0.0.1 & DYN=$!
wait_listen "$DP"
check_eq "ssh -D with curl --socks5-hostname" hello-from-guest \
	"$(timeout 20 curl -s --http0.9 --socks5-hostname 127.0.0.1:$DP http://localhost:8080/ 2>/dev/null | head -n 1 | tr -d '\r')"
kill $DYN 2>/dev/null
check_eq "ssh -W" hello-from-guest "$(timeout 30 ssh $OPTS -W 127.0.0.1:8080 root@127.0.0.1 </dev/null 2>/dev/null)"
timeout 30 ssh $OPTS -W 127.0.0.1:8081 root@127.0.0.1 </dev/null 2>"$TMP/w"; rc=$?
check_sh "ssh -W to a closed port fails with a reason (exit $rc)" '[ $rc -ne 0 ] && grep -qi "refused\|failed" "$TMP/w"'
# libssh 0.10 refuses a channel only as "administratively prohibited",
# without text: the server's log has the reason.
check "the server log says why -W to a closed port failed" \
	grep -qi "forward to 127.0.0.1:8081 failed: .*refused" "$TMP/serve.log"
timeout 60 ssh $OPTS -W no-such-host.invalid:80 root@127.0.0.1 </dev/null 2>/dev/null; rc=$?
check_sh "ssh -W to a name that does not resolve fails (exit $rc)" '[ $rc -ne 0 ]'
check "the server log says why -W to an unknown name failed" \
	grep -q "forward to no-such-host.invalid:80 failed: ." "$TMP/serve.log"
out=$(timeout 30 ssh $BASE -o LogLevel=INFO -R 8999:127.0.0.1:22 root@127.0.0.1 'echo session-up' 2>&1)
check "ssh -R: remote port forwarding failed" sh -c "echo '$out' | grep -q 'remote port forwarding failed'"
check "ssh -R: the session stays up" sh -c "echo '$out' | grep -q session-up"

# ProxyCommand with --stdio and a Host alias
cat > "$TMP/config" <<C
Host devbox.msb
  User root
  IdentityFile $TMP/id
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ProxyCommand env MSB_HOME=$MSB_HOME MSB_LIBEXECDIR=$MSB_LIBEXECDIR $MSB ssh serve dev --stdio
C
check_eq "ProxyCommand: ssh" devbox "$(timeout 60 ssh -F "$TMP/config" devbox.msb 'echo devbox')"
printf 'put %s /root/pc\nget /root/pc %s/pc.back\n' "$TMP/id.pub" "$TMP" > "$TMP/pcb"
timeout 60 sftp -F "$TMP/config" -b "$TMP/pcb" devbox.msb >/dev/null 2>&1; rc=$?
check_eq "ProxyCommand: sftp" 0 $rc
timeout 60 scp -F "$TMP/config" "$TMP/id.pub" devbox.msb:/root/pc2; rc=$?
check_eq "ProxyCommand: scp" 0 $rc

# The entry msb ssh config prints, as printed: its pinned host key passes
# StrictHostKeyChecking with no prompt, and nothing but ssh's own errors
# (none here) reaches stderr: no msb-monitor or msb-preauth lines.
"$MSB" ssh config dev >"$TMP/config2" 2>/dev/null || die "msb ssh config failed"
PC="-F $TMP/config2 -i $TMP/id -o IdentitiesOnly=yes -o BatchMode=yes"
check_eq "ssh config entry: ssh" via-config "$(timeout 60 ssh $PC dev.msb 'echo via-config' 2>"$TMP/pc.err")"
printf 'put %s /root/pc3\nget /root/pc3 %s/pc3.back\n' "$TMP/id.pub" "$TMP" > "$TMP/pcb3"
timeout 60 sftp $PC -b "$TMP/pcb3" dev.msb >/dev/null 2>>"$TMP/pc.err"; rc=$?
check_sh "ssh config entry: sftp -b (exit $rc)" '[ $rc -eq 0 ] && cmp -s "$TMP/id.pub" "$TMP/pc3.back"'
timeout 60 scp $PC "$TMP/id.pub" dev.msb:/root/pc4 2>>"$TMP/pc.err"; rc=$?
check_eq "ssh config entry: scp" 0 $rc
check "ssh config entry: nothing on stderr" [ ! -s "$TMP/pc.err" ]
cat "$TMP/pc.err"

# Dropbear's client
dropbearconvert openssh dropbear "$TMP/id" "$TMP/id.db" >/dev/null 2>&1
out=$(timeout 60 dbclient -y -y -i "$TMP/id.db" -p "$PORT" root@127.0.0.1 'echo from-dropbear' 2>/dev/null)
check_eq "dbclient exec" from-dropbear "$out"
LP2=$((PORT + 3))
timeout 60 dbclient -y -y -i "$TMP/id.db" -p "$PORT" -N -L "$LP2:127.0.0.1:8080" root@127.0.0.1 2>/dev/null & DBF=$!
wait_listen "$LP2"
check_eq "dbclient -L" hello-from-guest "$(timeout 10 socat - TCP:127.0.0.1:$LP2 </dev/null)"
kill $DBF 2>/dev/null

# A server outlives its sandbox's runs: after msb stop, the next clients
# boot it again, once for all of them (three connect at the same time).
"$MSB" stop dev >/dev/null 2>&1
check "the sandbox is stopped under a running server" sh -c '"$1" ls | grep -q "^dev .*stopped"' _ "$MSB"
pids=""
for i in 1 2 3; do s "echo again-$i" >"$TMP/again.$i" 2>&1 & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
for i in 1 2 3; do check_eq "connection $i after the stop reached a booted sandbox" "again-$i" "$(cat "$TMP/again.$i")"; done
check_eq "the sandbox was booted once for the three" 1 "$(grep -c "was not running: started it" "$TMP/serve.log")"
check "msb rm refuses a sandbox a server is serving" sh -c '"$1" stop dev >/dev/null 2>&1; ! "$1" rm dev 2>"$2" && grep -q "served by a running" "$2"' _ "$MSB" "$TMP/rm.err"

done_testing
