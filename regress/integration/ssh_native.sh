# Native sessions on one booted sandbox: `msb ssh NAME` (streams, stdin,
# exit codes and signals, PTY choice, --name, auto-start), the interactive
# shell under tmux (prompt, size, resize, detach keys, the terminal after),
# and the C API test program (every call, two threads, error paths, the
# server endpoint with real OpenSSH clients). Prints the latency figures.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 tmux ssh sftp ssh-keygen sha256sum
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
API="$MSB_BUILDDIR/regress/api/api-test"
at_exit '"$MSB" stop --force dev >/dev/null 2>&1; "$MSB" stop --force serve >/dev/null 2>&1'

"$MSB" create dev --accel tcg --net user --disk-size 1G >/dev/null 2>&1 || die "create dev"
"$MSB" create stopped --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create stopped"
"$MSB" create serve --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create serve"
"$MSB" start dev >/dev/null 2>&1 || die "start dev"
n() { timeout 120 "$MSB" ssh "$@"; }

# --- the CLI ---------------------------------------------------------------
n dev -- sh -c "'echo out; echo err >&2; exit 3'" >"$TMP/o" 2>"$TMP/e"
check_eq "-- sh -c '...': exit 3" 3 $?
check_eq "stdout apart" out "$(cat "$TMP/o")"
check_eq "stderr apart" err "$(cat "$TMP/e")"
n connect dev -- echo via connect >"$TMP/o"
check_eq "msb ssh connect NAME -- CMD" "via connect" "$(cat "$TMP/o")"
# The first line of a slow command must arrive while it still runs: 5 s
# before the last one, whatever the machine's load does to connecting.
lines=$(n dev -- 'echo first; sleep 5; echo last' | while read -r l; do echo "$l $(date +%s%N)"; done)
first=$(echo "$lines" | awk '$1 == "first" { print $2 }')
last=$(echo "$lines" | awk '$1 == "last" { print $2 }')
gap=$(( (${last:-0} - ${first:-0}) / 1000000 ))
check "output is streamed: the first line came ${gap} ms before the last" [ "$gap" -ge 4000 ]
head -c 67108864 /dev/urandom >"$TMP/big"
check "64 MiB through stdin and back" echoes "$TMP/big" n dev -- cat
tar -C "$MSB_SRCDIR" -cf - lib/api | n dev -- 'mkdir -p /app && tar -xf - -C /app'
check_eq "tar c . | msb ssh dev -- tar x" "$(cat "$MSB_SRCDIR/lib/api/run.c" | sha256sum)" \
	"$(n dev -- cat /app/lib/api/run.c | sha256sum)"
n dev -- 'kill -TERM $$' 2>"$TMP/e"
check_eq "death by SIGTERM exits 143" 143 $?
check "the message names the signal" grep -q "signal 15 (Terminated)" "$TMP/e"
n dev -- 'kill -KILL $$' 2>/dev/null
check_eq "death by SIGKILL exits 137" 137 $?
check_eq "no PTY for a command by default" "not a tty" "$(n dev -- tty)"
check "-t forces a PTY" sh -c "timeout 60 '$MSB' ssh -t dev -- tty </dev/null | grep -q /dev/pts/"
check_eq "-T refuses one for a shell" "not a tty" "$(echo tty | n -T dev)"
check_eq "--user" "root" "$(n --user root dev -- id -un)"
n --user no-such-user dev -- true 2>"$TMP/e"
check "an unknown guest user fails" test $? -ne 0
n no-such-box -- true 2>"$TMP/e"
check_eq "unknown sandbox: exit 255" 255 $?
check "unknown sandbox: a message naming it" grep -q "no sandbox named 'no-such-box'" "$TMP/e"
n dev extra 2>/dev/null
check "words after NAME without -- are a usage error" test $? -eq 2
check_eq "--name reaches a sandbox called serve, starting it" "hi from serve" \
	"$(n --name serve -- echo hi from serve 2>/dev/null)"
"$MSB" stop serve >/dev/null 2>&1

# --- the interactive shell under tmux ----------------------------------------
sock=
pane() { tmux -S "$sock" capture-pane -p; }
pane_has() { pane | grep -q -- "$1"; }
wait_pane() { # wait_pane PATTERN
	wait_for 30 pane_has "$1" && return 0
	pane; return 1
}
# in_tmux N COLS ROWS SCRIPT: a tmux server of its own (socket N) with one
# pane running SCRIPT, where $RUN stands for this test's environment.
RUN="env MSB_HOME='$MSB_HOME' MSB_LIBEXECDIR='$MSB_LIBEXECDIR'"
in_tmux() {
	[ -n "$sock" ] && tmux -S "$sock" kill-server
	sock="$TMP/tmux$1.sock"
	at_exit "tmux -S '$sock' kill-server 2>/dev/null"
	tmux -S "$sock" new-session -d -x "$2" -y "$3" "$4"
}
in_tmux 1 100 30 "$RUN '$MSB' ssh dev; echo EXITED-\$?; stty -a > '$TMP/stty.after'; sleep 600"
check "the shell's prompt appears" wait_pane '^#'
tmux -S "$sock" send-keys 'stty size' Enter
check "stty size matches the pane (30 100)" wait_pane '^30 100$'
tmux -S "$sock" resize-window -x 120 -y 40
tmux -S "$sock" send-keys 'stty size' Enter
check "resizing the pane resizes the PTY (40 120)" wait_pane '^40 120$'
# A lone ctrl-p that is not followed by ctrl-q reaches the shell.
# Once the line is out, the shell has handed the terminal over and what is
# typed next is cat's, whenever cat gets to read it.
tmux -S "$sock" send-keys "sh -c 'echo CAT-READY; exec cat -v'" Enter
check "cat runs" wait_pane '^CAT-READY$'
tmux -S "$sock" send-keys C-p
sleep 0.2
tmux -S "$sock" send-keys a Enter
check "a broken detach sequence is passed on (^Pa)" wait_pane '^\^Pa$'
tmux -S "$sock" send-keys C-d
tmux -S "$sock" send-keys C-p C-q
check "ctrl-p,ctrl-q detaches" wait_pane '^EXITED-0$'
check "it says so" wait_pane 'detached from sandbox'
wait_for 5 test -s "$TMP/stty.after"
check "the terminal is sane again (icanon, echo)" sh -c \
	"grep -qw icanon '$TMP/stty.after' && grep -qw echo '$TMP/stty.after' && ! grep -q -- '-icanon' '$TMP/stty.after'"
in_tmux 2 80 24 "$RUN '$MSB' ssh --detach-keys ctrl-x,y dev; echo EXITED-\$?; sleep 600"
check "prompt again" wait_pane '^#'
tmux -S "$sock" send-keys 'exit 7' Enter
check "the shell's exit status is msb's (7)" wait_pane '^EXITED-7$'
# A shell killed by a signal: 128+N, as ssh exits (msb_ssh_client_attach_run).
in_tmux 4 80 24 "$RUN '$MSB' ssh dev; echo EXITED-\$?; sleep 600"
check "prompt for the killed shell" wait_pane '^#'
tmux -S "$sock" send-keys 'kill -KILL $$' Enter
check "a shell killed by SIGKILL: msb exits 137" wait_pane '^EXITED-137$'
check "... and names the signal" wait_pane 'killed by signal 9'
# The C API's attach: its term option, its exit code, its detach keys.
in_tmux 3 80 24 "$RUN '$API' attach dev; $RUN '$API' attach dev; sleep 600"
check "C attach: prompt" wait_pane '^#'
tmux -S "$sock" send-keys 'echo "T=$TERM"; exit 5' Enter
check "C attach: the term option is the shell's TERM" wait_pane '^T=xterm-256color$'
check "C attach: returns the shell's exit code" wait_pane '^attach: MSB_OK exit 5$'
two_prompts() { [ "$(pane | grep -c '^#')" -ge 2 ]; }
wait_for 10 two_prompts
tmux -S "$sock" send-keys C-x y
check "C attach: ctrl-x,y gives MSB_DETACHED" wait_pane '^attach: MSB_DETACHED exit -1$'
tmux -S "$sock" kill-server

# --- the C API ----------------------------------------------------------------
timeout 300 "$API" check dev stopped </dev/null >"$TMP/api.log" 2>&1
rc=$?
cat "$TMP/api.log"
check_eq "C API test program: every call and error path" 0 $rc

ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
O="-i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
timeout 60 ssh $O -o ProxyCommand="$API serve-stdio dev $TMP/id.pub" root@dev 'echo via-stdio; exit 4' >"$TMP/o"
check_eq "server endpoint on stdio: OpenSSH's exit status" 4 $?
check_eq "server endpoint on stdio: output" via-stdio "$(cat "$TMP/o")"
PORT=$((20000 + $$ % 20000))
"$API" serve-tcp dev "$TMP/id.pub" "$PORT" 2 >"$TMP/srv.log" 2>&1 &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 5 grep -q listening "$TMP/srv.log"
check_eq "serve_fd: first connection" one "$(timeout 60 ssh $O -p "$PORT" root@127.0.0.1 echo one)"
echo "put $TMP/id.pub /tmp/k" >"$TMP/batch"
check "serve_fd: a second connection, sftp" timeout 60 sftp -b "$TMP/batch" $O -P "$PORT" root@127.0.0.1
wait_for 20 dead "$SRV"
check "the endpoint served both and returned MSB_OK" sh -c \
	"grep -q 'connection 2: MSB_OK' '$TMP/srv.log' && grep -q 'connection 1: MSB_OK' '$TMP/srv.log'"

# --- latency, for the record --------------------------------------------------
t=""
for _ in $(seq 50); do
	s=$(date +%s%N); n dev -- true; t="$t $(( ($(date +%s%N) - s) / 1000 ))"
done
med=$(echo $t | tr ' ' '\n' | sort -n | sed -n 25p)
echo "msb ssh dev -- true: median $((med / 1000)).$(( (med % 1000) / 10 )) ms over 50 runs"
"$API" latency dev 50
done_testing
