# EXEC with a pseudo-terminal: terminal identity, size, resize, Ctrl-C.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd tmux
start_agent

check "tty reports a terminal" sh -c "'$MSB' agent --socket '$AGENT_SOCK' exec --tty -- tty </dev/null | grep -q '^/dev/pts/'"
out=$(agent exec --tty --size 123x45 -- 'stty size' </dev/null | tr -d '\r')
check_eq "stty size matches the requested size" "45 123" "$out"
out=$(agent exec --tty --term vt220 -- 'echo $TERM' </dev/null | tr -d '\r')
check_eq "TERM is the requested terminal" "vt220" "$out"
out=$(agent exec --tty -- 'echo out; echo err >&2' </dev/null 2>"$TMP/e" | tr -d '\r' | sort | tr '\n' ' ')
check_eq "stderr joins stdout on a terminal" "err out " "$out"
check_eq "nothing on the local stderr" "" "$(cat "$TMP/e")"

# Ctrl-C as a signal (the client relays SIGINT) interrupts sleep.
start=$(date +%s)
"$MSB" agent --socket "$AGENT_SOCK" exec --tty -- 'sleep 30; echo not-interrupted' </dev/null >"$TMP/o" & cli=$!
sleep 0.5; kill -INT $cli; wait $cli; rc=$?
check_eq "SIGINT interrupts sleep" 130 $rc
check "sleep did not finish" sh -c "! grep -q not-interrupted '$TMP/o'"
check "... promptly" [ $(( $(date +%s) - start )) -lt 10 ]
# Ctrl-C as a keystroke: the terminal turns it into SIGINT.
start=$(date +%s)
(sleep 0.5; printf '\003') | agent exec --tty -- 'sleep 30' >/dev/null; rc=$?
check_eq "a typed ^C interrupts sleep" 130 $rc
check "... promptly" [ $(( $(date +%s) - start )) -lt 10 ]

# Resize: run the client in a tmux pane, resize the window, and let the
# command report the size it sees after SIGWINCH.
pty_sizes 5 80 24 100 40 "'$MSB' agent --socket '$AGENT_SOCK' exec --tty --"
check_eq "size follows the pane before and after a resize" "24 80,40 100" "$PTY_SIZES"

done_testing
