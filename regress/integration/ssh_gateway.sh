#!/bin/sh
# One gateway for every sandbox (msb ssh serve --all): two sandboxes, two
# tenants' keys (msb ssh authorize --sandbox), one listener. The login name
# picks the sandbox (SANDBOX, or USER+SANDBOX for that guest user); each
# key opens its own sandbox only, through ssh, sftp, scp (both modes),
# rsync, -W, -L, ControlMaster and ~/.ssh/config's User; a stopped sandbox boots on the first
# connection; an unknown sandbox gets the answer a wrong key gets; the
# session worker runs as the sandbox's uid; --stdio --all serves one
# connection the same way (ProxyCommand); --idle-stop stops a sandbox the
# gateway served once it had no connection for that long, and the next
# connection boots it again. Two boots (TCG), and tb's again.
# msb-test-timeout: 600
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 ssh sftp scp rsync ssh-keygen socat
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force ta >/dev/null 2>&1; "$MSB" stop --force tb >/dev/null 2>&1'
AUDIT="$MSB_HOME/ssh/audit.log"

"$MSB" create ta --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create ta"
"$MSB" create tb --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create tb"
for k in ka kb stranger; do ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$TMP/$k" || die ssh-keygen; done
"$MSB" ssh authorize --sandbox ta --file "$TMP/ka.pub" >/dev/null 2>&1 || die "authorize ta"
"$MSB" ssh authorize --sandbox tb --file "$TMP/kb.pub" >/dev/null 2>&1 || die "authorize tb"
timeout 300 "$MSB" start ta >/dev/null 2>&1 || die "start ta"

"$MSB" ssh serve tb --all >"$TMP/out" 2>&1
check_eq "--all takes no sandbox name" 2 $?
serve_bg --all --port 0 --idle-stop 8s
check "the gateway says how to log in" grep -q "serving every sandbox of .*SANDBOX@127.0.0.1 or USER+SANDBOX@127.0.0.1" "$TMP/serve.log"
OPTS="-p $PORT -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o NumberOfPasswordPrompts=0 -o LogLevel=ERROR"
# as KEY LOGIN CMD
as() { timeout 300 ssh $OPTS -i "$TMP/$1" "$2@127.0.0.1" "$3" </dev/null 2>"$TMP/ssh.err"; }
# denied KEY LOGIN: from a loopback address of its own (127.0.0.N), so that
# the listener's per-source penalty for failures does not turn the next
# case away; the exit status.
N=10
denied() {
	N=$((N + 1))
	timeout 60 ssh $OPTS -b "127.0.0.$N" -i "$TMP/$1" "$2@127.0.0.1" true </dev/null 2>"$TMP/ssh.err"
	echo $?
}

check_eq "ka logs in to ta" "ta root" "$(as ka ta 'echo $(hostname) $(id -un)')"
check_eq "tb is stopped" stopped "$(state_of tb)"
check_eq "ka does not open tb" 255 "$(denied ka tb)"
check "... Permission denied (publickey)" grep -q "Permission denied (publickey)" "$TMP/ssh.err"
cp "$TMP/ssh.err" "$TMP/wrongkey.err"
check_eq "tb is still stopped (a refused login starts nothing)" stopped "$(state_of tb)"
check_eq "kb logs in to tb, which boots on the way" "tb root" "$(as kb tb 'echo $(hostname) $(id -un)')"
check_eq "tb runs now" running "$(state_of tb)"
check "the monitor says it started tb" grep -q "sandbox 'tb' was not running: started it" "$TMP/serve.log"
check_eq "kb does not open ta" 255 "$(denied kb ta)"

# An unknown sandbox: the wrong key's answer, and the audit log says why.
check_eq "an unknown sandbox: the same exit" 255 "$(denied ka nosuch)"
words() { sed 's/^[^ ]*@127.0.0.1: //' "$1"; }
check_eq "... and the same words" "$(words "$TMP/wrongkey.err")" "$(words "$TMP/ssh.err")"
check "... the audit log says no such sandbox" grep -q "sandbox=\* .*rejected publickey for nosuch: .*(no such sandbox)" "$AUDIT"
check_eq "a login that names no valid sandbox likewise" 255 "$(denied ka 'bad name+x')"
check_eq "a stranger's key opens nothing" 255 "$(denied stranger ta)"
check "the audit lines name the sandbox once it is known" grep -q "sandbox=ta .*accepted publickey for ta" "$AUDIT"

# USER+SANDBOX: that guest user (the image has "user", uid 1000).
check_eq "USER+SANDBOX logs in as USER" "ta user /home/user" "$(as ka user+ta 'echo $(hostname) $(id -un) $HOME')"
check_eq "+SANDBOX with no user is refused" 255 "$(denied ka +ta)"

# The session worker runs as the sandbox's uid.
UA=$(sed -n 's/^uid=//p' "$MSB_HOME/sandboxes/ta/config")
timeout 60 ssh $OPTS -i "$TMP/ka" ta@127.0.0.1 'echo up; sleep 30' >"$TMP/long" 2>/dev/null & LONG=$!
wait_for 60 grep -q up "$TMP/long"
ses=""
for p in $(pgrep -x msb-session); do grep -qs "MSB_HOME=$MSB_HOME" "/proc/$p/environ" && ses=$p; done
check_eq "the session worker runs as ta's uid" "$UA" "$(awk '/^Uid:/ { print $2 }' "/proc/$ses/status" 2>/dev/null)"
kill $LONG 2>/dev/null; wait $LONG 2>/dev/null

# sftp, scp (both modes), rsync, -W, through the one door.
head -c 1048576 /dev/urandom >"$TMP/blob"
printf 'put %s /root/blob\nget /root/blob %s\n' "$TMP/blob" "$TMP/blob.sftp" >"$TMP/batch"
timeout 120 sftp -b "$TMP/batch" $(echo "$OPTS" | sed 's/-p /-P /') -i "$TMP/ka" ta@127.0.0.1 >/dev/null 2>&1
check "sftp to ta" cmp -s "$TMP/blob" "$TMP/blob.sftp"
SCPO="$(echo "$OPTS" | sed 's/-p /-P /') -i $TMP/ka"
timeout 120 scp $SCPO "$TMP/blob" ta@127.0.0.1:/root/blob.scp >/dev/null 2>&1 &&
	timeout 120 scp -O $SCPO ta@127.0.0.1:/root/blob.scp "$TMP/blob.scp" >/dev/null 2>&1
check "scp (SFTP mode up, -O down) to ta" cmp -s "$TMP/blob" "$TMP/blob.scp"
timeout 120 scp $SCPO -o BindAddress=127.0.0.99 "$TMP/blob" tb@127.0.0.1:/root/blob >/dev/null 2>&1
check "scp with ka to tb is refused" [ $? -ne 0 ]
mkdir -p "$TMP/tree/sub" && echo a >"$TMP/tree/a" && echo b >"$TMP/tree/sub/b"
timeout 120 rsync -a -e "ssh $OPTS -i $TMP/ka" "$TMP/tree/" user+ta@127.0.0.1:tree/ >/dev/null 2>&1
check_eq "rsync as user+ta lands in user's home" "a b user" \
	"$(as ka ta 'cat /home/user/tree/a /home/user/tree/sub/b; stat -c %U /home/user/tree/a' | paste -sd' ')"
as ka ta "$(guest_service 8080 hello-from-ta)" || die "no service in ta"
check_eq "ssh -W through ta" hello-from-ta "$(timeout 30 ssh $OPTS -i "$TMP/ka" -W 127.0.0.1:8080 ta@127.0.0.1 </dev/null 2>/dev/null)"
LP=$((PORT + 1))
timeout 60 ssh $OPTS -i "$TMP/ka" -N -L "$LP:127.0.0.1:8080" ta@127.0.0.1 & FWD=$!
wait_listen "$LP"
check_eq "ssh -L through ta" hello-from-ta "$(timeout 10 socat - TCP:127.0.0.1:$LP </dev/null 2>/dev/null)"
kill $FWD 2>/dev/null
CM="-o ControlMaster=auto -o ControlPath=$TMP/cm-%r -o ControlPersist=30"
timeout 60 ssh $OPTS $CM -i "$TMP/ka" ta@127.0.0.1 true </dev/null 2>/dev/null
check_eq "ControlMaster: a second session over the first connection" "ta root" \
	"$(timeout 60 ssh $OPTS $CM -i "$TMP/ka" ta@127.0.0.1 'echo $(hostname) $(id -un)' </dev/null 2>/dev/null)"
check "... which the master carried" timeout 10 ssh $OPTS $CM -O check ta@127.0.0.1
timeout 10 ssh $OPTS $CM -O exit ta@127.0.0.1 2>/dev/null
cat >"$TMP/config" <<EOF
Host tenant-a
	HostName 127.0.0.1
	Port $PORT
	User user+ta
	IdentityFile $TMP/ka
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
EOF
check_eq "~/.ssh/config with User user+ta" user "$(timeout 60 ssh -F "$TMP/config" tenant-a 'id -un' </dev/null 2>/dev/null)"

# --idle-stop: tb had its last connection long ago (ta has just had one).
check "tb, idle for 8 s, is stopped by the gateway" wait_for 60 reads tb stopped
check "... as the gateway says" grep -q "sandbox 'tb' had no connection for 8 s: stopping it" "$TMP/serve.log"
check_eq "... and its tenant's next connection boots it again" "tb root" \
	"$(as kb tb 'echo $(hostname) $(id -un)')"
stop_bg

# --stdio --all, as a ProxyCommand.
PROXY="$MSB ssh serve --all --stdio"
check_eq "ProxyCommand msb ssh serve --all --stdio" "tb root" \
	"$(timeout 120 ssh -o ProxyCommand="$PROXY" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -i "$TMP/kb" tb@gateway \
	'echo $(hostname) $(id -un)' </dev/null 2>/dev/null)"
done_testing
