#!/bin/sh
# msb-preauth confines itself before the first client byte: while a
# connection is in pre-auth the child runs as a non-root uid with no
# capabilities, no new privileges, seccomp in filter mode and the empty
# directory as its root. Then, under that same allow-list, real OpenSSH
# clients authenticate, run commands, move data across rekeys, use sftp
# and -L, and see -R refused. regress/mux-driver plays the monitor to it
# (lib/monitor_proto.h) and hands its mux to a real msb-session, whose
# agent runs on the host; unprivileged, the child still has seccomp and
# says so.
. "$(dirname "$0")/../lib.sh"

need_root
need_cmd ssh ssh-keygen sftp python3 curl setpriv
need_mux_driver
PREAUTH="$MSB_BUILDDIR/msb-preauth"
[ -x "$PREAUTH" ] || die "no msb-preauth at $PREAUTH (build first)"

EMPTY="$TMP/empty"
mkdir -m 0755 "$EMPTY"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" || die "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/wrong" || die "ssh-keygen"
chmod 0644 "$TMP/hostkey" "$TMP/id.pub"
start_agent
# The unprivileged monitor's session worker dials it too.
chmod 0666 "$AGENT_SOCK"

# Copies the unprivileged user can reach wherever the build tree lives.
BIN="$TMP/bin"
mkdir -m 0755 "$BIN"
cp "$MUX_DRIVER" "$PREAUTH" "$MSB_BUILDDIR/msb-session" "$BIN/" || die "cp"

# start_monitor NAME [PREFIX...]: mux-driver in preauth mode, run under
# PREFIX with $MONITOR_OPTS; its port in $TMP/NAME.port, its log in
# $TMP/NAME.log.
start_monitor() {
	name=$1; shift
	"$@" "$BIN/mux-driver" --session "$BIN/msb-session" --agent "unix:$AGENT_SOCK" \
		--log-level 2 --rekey-bytes 1048576 --pidfile "$TMP/$name.pid" $MONITOR_OPTS \
		preauth "$BIN/msb-preauth" "$TMP/hostkey" "$TMP/id.pub" "$TMP/$name.port" \
		>"$TMP/$name.log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	wait_for 5 test -s "$TMP/$name.port" || die "monitor $name did not start"
}

seccomp_on() { [ "$(status_field Seccomp)" = 2 ]; }
# hold_preauth NAME: a client connected but silent, so the child sits in
# pre-auth; sets HOLD_PID and CHILD.
hold_preauth() {
	rm -f "$TMP/$1.pid"
	python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); time.sleep(30)' \
		"$(cat "$TMP/$1.port")" &
	HOLD_PID=$!
	at_exit "kill $HOLD_PID 2>/dev/null"
	wait_for 5 test -s "$TMP/$1.pid" || die "no msb-preauth started for $1"
	CHILD=$(cat "$TMP/$1.pid")
	# The sandbox is in place once seccomp is on; give the child that long.
	wait_for 5 seccomp_on
}

status_field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$CHILD/status"; }
status_line() { awk -v f="$1:" '$1 == f { $1 = ""; print substr($0, 2) }' "/proc/$CHILD/status"; }

MONITOR_OPTS="--chroot $EMPTY --uid 65534 --gid 65534"
start_monitor root
hold_preauth root
check_eq "pre-auth child runs seccomp in filter mode" 2 "$(status_field Seccomp)"
check_eq "pre-auth child has NoNewPrivs" 1 "$(status_field NoNewPrivs)"
check_eq "pre-auth child has no effective capabilities" 0000000000000000 "$(status_field CapEff)"
check_eq "pre-auth child has no permitted capabilities" 0000000000000000 "$(status_field CapPrm)"
check_eq "pre-auth child has an empty bounding set" 0000000000000000 "$(status_field CapBnd)"
check_eq "pre-auth child's uids are all the preauth user" "65534 65534 65534 65534" "$(status_line Uid)"
check_eq "pre-auth child's gids are all the preauth group" "65534 65534 65534 65534" "$(status_line Gid)"
check_eq "pre-auth child has no supplementary groups" "" "$(status_line Groups)"
check_eq "pre-auth child's root is the empty directory" "$EMPTY" "$(readlink "/proc/$CHILD/root")"
check_eq "pre-auth child's cwd is its root" "$EMPTY" "$(readlink "/proc/$CHILD/cwd")"
check_eq "pre-auth child holds only fds 0-5" "0 1 2 3 4 5" "$(ls "/proc/$CHILD/fd" | sort -n | tr '\n' ' ' | sed 's/ $//')"
check_eq "pre-auth child may open no more files" 6 "$(awk '/^Max open files/ { print $4 }' "/proc/$CHILD/limits")"
check_eq "pre-auth child may start no processes" 0 "$(awk '/^Max processes/ { print $3 }' "/proc/$CHILD/limits")"
check_eq "pre-auth child is not dumpable (root owns its /proc files)" 0 "$(stat -c %u "/proc/$CHILD/mem")"
kill "$HOLD_PID" 2>/dev/null

P=$(cat "$TMP/root.port")
SSHO="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR"
run_ssh() { timeout 60 ssh $SSHO -p "$P" -i "$TMP/id" root@127.0.0.1 "$@"; }

out=$(run_ssh 'echo out; echo err >&2; exit 42' 2>"$TMP/err"); rc=$?
check_eq "exec: exit status crosses" 42 "$rc"
check_eq "exec: stdout" out "$out"
check_eq "exec: stderr apart" err "$(cat "$TMP/err")"
run_ssh 'kill -9 $$' 2>/dev/null
check_eq "exec: a signal death is exit 255 in ssh" 255 "$?"

head -c 20000000 /dev/urandom >"$TMP/blob"
check "20 MB through cat across a rekey every MiB" echoes "$TMP/blob" run_ssh -o RekeyLimit=1M cat
check_eq "200 MB out" 200000000 "$(run_ssh 'head -c 200000000 /dev/zero' | wc -c)"

printf 'put %s %s\nget %s %s\n' "$TMP/blob" "$TMP/blob.up" "$TMP/blob.up" "$TMP/blob.down" >"$TMP/batch"
timeout 60 sftp $SSHO -P "$P" -i "$TMP/id" -b "$TMP/batch" root@127.0.0.1 >/dev/null 2>&1
check "sftp put/get round trip" cmp -s "$TMP/blob" "$TMP/blob.down"

mkdir "$TMP/www" && echo page >"$TMP/www/index.html"
# -u: the line naming its port reaches the log at once, not at exit.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
at_exit "kill $! 2>/dev/null"
http_port() { HP=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$TMP/http.log" | head -n 1); [ -n "$HP" ]; }
wait_for 5 http_port || die "no http server"
LP=$((P + 1))
timeout 20 ssh $SSHO -p "$P" -i "$TMP/id" -N -L "$LP:127.0.0.1:$HP" root@127.0.0.1 &
at_exit "kill $! 2>/dev/null"
fetch() { got=$(curl -s "http://127.0.0.1:$LP/" 2>/dev/null); }
wait_for 5 fetch
check_eq "ssh -L reaches a TCP service" page "$got"

out=$(timeout 20 ssh $(echo "$SSHO" | sed 's/LogLevel=ERROR/LogLevel=INFO/') -p "$P" -i "$TMP/id" \
	-R "$LP:127.0.0.1:$HP" root@127.0.0.1 'sleep 0.3; echo still-up' 2>"$TMP/r.err")
check "ssh -R is refused" grep -q "remote port forwarding failed" "$TMP/r.err"
check_eq "the session stays up after -R is refused" still-up "$out" || { cat "$TMP/r.err"; tail "$TMP/root.log"; }

timeout 10 ssh $SSHO -p "$P" -i "$TMP/wrong" root@127.0.0.1 true 2>/dev/null
check_eq "a wrong key is refused" 255 "$?"
check "no child was killed by the filter" sh -c "! grep -q 'killed by signal 31' '$TMP/root.log'"

# Unprivileged: no chroot or uid change, but seccomp and the notice.
chown 65534:65534 "$TMP" "$TMP/hostkey"
MONITOR_OPTS=""
start_monitor user setpriv --reuid=65534 --regid=65534 --clear-groups
hold_preauth user
check_eq "unprivileged child still runs seccomp" 2 "$(status_field Seccomp)"
check_eq "unprivileged child has NoNewPrivs" 1 "$(status_field NoNewPrivs)"
kill "$HOLD_PID" 2>/dev/null
check "unprivileged child says what is off" \
	grep -q "running unprivileged: chroot and uid separation are off" "$TMP/user.log"
out=$(timeout 20 ssh $SSHO -p "$(cat "$TMP/user.port")" -i "$TMP/id" root@127.0.0.1 'echo ok' 2>/dev/null)
check_eq "unprivileged child serves a command" ok "$out"

done_testing
