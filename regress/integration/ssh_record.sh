#!/bin/sh
# msb-test-timeout: 180
# Session recording (msb ssh serve --record DIR): every session channel
# (a PTY shell, an exec, the sftp subsystem) becomes an asciicast v2 file
# that the monitor creates (root's, 0600, append-only) and hands to the
# session worker, which runs as the sandbox's own uid and cannot open it
# for writing. The PTY session's cast parses as JSON lines and replays
# (asciinema cat) to exactly what the OpenSSH client printed; --record-input
# adds "i" events; --record-max cuts a recording with a marker while the
# session goes on; a missing or world-writable directory is refused at
# serve start. No VM: the sandbox reads as running and its agent runs on
# the host.
. "$(dirname "$0")/../lib.sh"
need_ssh_no_vm sftp python3 asciinema setpriv lsattr chattr
SANDBOX_UID=65534

host_agent_sandbox
# The session worker runs as the sandbox's owner: not root here.
chown "$SANDBOX_UID" "$MSB_HOME/sandboxes/box"
chmod 711 "$TMP"
chmod 666 "$AGENT_SOCK"
ssh-keygen -q -t ed25519 -N '' -C rec -f "$TMP/id" || die ssh-keygen
"$MSB" ssh authorize --sandbox box --file "$TMP/id.pub" >/dev/null 2>&1 || die authorize
FP=$(ssh-keygen -lf "$TMP/id.pub" | cut -d' ' -f2 | tr -c 'A-Za-z0-9._\n-' '-')
# Recordings are append-only: even root removes them only after chattr -a.
at_exit "chattr -R -a '$TMP/rec' '$TMP/rec2' '$TMP/rec3' 2>/dev/null"

# --- refused at serve start ---------------------------------------------------------------
"$MSB" ssh serve box --port 0 --record "$TMP/nosuch" >"$TMP/nodir.out" 2>&1
check_eq "a recording directory that does not exist is refused" 1 $?
check "... saying so" grep -q "record $TMP/nosuch: no such directory" "$TMP/nodir.out"
mkdir -m 777 "$TMP/open"
"$MSB" ssh serve box --port 0 --record "$TMP/open" >"$TMP/open.out" 2>&1
check_eq "a world-writable one is refused" 1 $?
check "... saying so" grep -q "record $TMP/open: writable by everyone (chmod go-w" "$TMP/open.out"
"$MSB" ssh serve box --port 0 --record-input >"$TMP/noarg.out" 2>&1
check_eq "--record-input without --record is refused" 1 $?

OPTS="-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o NumberOfPasswordPrompts=0 -o ConnectTimeout=10 -o LogLevel=ERROR"
sshc() { timeout 30 ssh $OPTS -p "$PORT" -i "$TMP/id" root@127.0.0.1 "$@"; }

# casts DIR: the recordings in DIR, oldest channel first.
casts() { ls -1tr "$1" 2>/dev/null; }
# cast_with DIR WORD: the recording whose header mentions WORD.
cast_with() { grep -l "$2" "$1"/*.cast 2>/dev/null | head -n 1; }

# A Python check of one cast: JSON lines, a v2 header, events in time order.
cat >"$TMP/check_cast.py" <<'EOF'
import json, sys
lines = open(sys.argv[1], 'rb').read().decode('utf-8').split('\n')
assert lines[-1] == '', 'no final newline'
head = json.loads(lines[0])
assert head['version'] == 2 and head['width'] > 0 and head['height'] > 0, head
assert isinstance(head['timestamp'], int)
last = 0.0
kinds = set()
for l in lines[1:-1]:
    t, kind, data = json.loads(l)
    assert t >= last and kind in 'oirm' and isinstance(data, str), l
    last = t
    kinds.add(kind)
print(''.join(sorted(kinds)))
EOF
# events CAST KIND: the data of KIND events, joined, as UTF-8.
events() {
	python3 -c 'import json, sys
out = sys.stdout.buffer
for l in open(sys.argv[1], encoding="utf-8").read().splitlines()[1:]:
    t, k, d = json.loads(l)
    if k == sys.argv[2]:
        out.write(d.encode("utf-8"))' "$1" "$2"
}

# --- a PTY shell, an exec and sftp, output only --------------------------------------------
mkdir -m 700 "$TMP/rec"
serve_bg box --port 0 --record "$TMP/rec" --log-level verbose
printf 'printf "caf\\303\\251 \\033[1mbold\\033[0m %%s\\\\n" $((6*7))\nexit\n' |
	sshc -tt >"$TMP/pty.out" 2>"$TMP/pty.err"
check "a PTY shell through --record works" grep -q "café .*bold.* 42" "$TMP/pty.out"
sshc 'echo exec-out' >"$TMP/exec.out" 2>&1
check_eq "an exec channel works" exec-out "$(cat "$TMP/exec.out")"
printf 'put %s/id.pub up.pub\nls\n' "$TMP" >"$TMP/batch"
timeout 30 sftp -q $OPTS -P "$PORT" -i "$TMP/id" -b "$TMP/batch" root@127.0.0.1 >"$TMP/sftp.out" 2>&1
check "an sftp session works" grep -q "up.pub" "$TMP/sftp.out"
stop_bg
rm -f up.pub /root/up.pub

check_eq "each session channel has a recording of its own" 3 "$(casts "$TMP/rec" | wc -l)"
PTY=$(cast_with "$TMP/rec" '"title": "shell')
EXEC=$(cast_with "$TMP/rec" '"command": "echo exec-out"')
SFTP=$(cast_with "$TMP/rec" '"command": "subsystem sftp"')
check "the shell's recording is there" [ -n "$PTY" ]
check "the exec's recording is there" [ -n "$EXEC" ]
check "the sftp subsystem's recording is there" [ -n "$SFTP" ]
[ -n "$PTY" ] && [ -n "$EXEC" ] && [ -n "$SFTP" ] || die "recordings missing: $(casts "$TMP/rec")"
check "named by time, sandbox, key fingerprint and channel" sh -c \
	"casts() { ls -1 \"\$1\"; }; casts '$TMP/rec' | grep -Evq '^[0-9]{8}T[0-9]{6}Z_box_${FP}_ch[0-9]+(-[0-9]+)?\\.cast\$' && exit 1 || exit 0"
for f in "$PTY" "$EXEC" "$SFTP"; do
	k=$(python3 "$TMP/check_cast.py" "$f" 2>"$TMP/py.err")
	check "$(basename "$f") parses as asciicast v2 JSON lines" [ -n "$k" ]
	check_eq "... output events only without --record-input" o "$k"
	check_eq "... belongs to root, mode 0600" "root 600" "$(stat -c '%U %a' "$f")"
	check "... is append-only (FS_APPEND_FL)" sh -c "lsattr '$f' | cut -c1-22 | grep -q a"
	check "... the sandbox's uid cannot open it for writing" sh -c \
		"! setpriv --reuid=$SANDBOX_UID --regid=$SANDBOX_UID --clear-groups sh -c 'echo x >>\"$f\"' 2>/dev/null"
done
check "the PTY header has the terminal" grep -q '"env": {"TERM": "' "$PTY"
check "the session worker ran as the sandbox's uid" grep -q "session worker [0-9]* as uid $SANDBOX_UID" "$TMP/serve.log"
# asciinema cat wants a terminal (/dev/tty) even when its output is a file.
cat >"$TMP/replay.py" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    os.execvp("asciinema", ["asciinema", "cat", sys.argv[1]])
while True:
    try:
        if not os.read(fd, 4096):
            break
    except OSError:
        break
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
EOF
python3 "$TMP/replay.py" "$PTY" "$TMP/replay.out" >"$TMP/asciinema.log" 2>&1
check_eq "asciinema cat reads the PTY recording" 0 $?
check "asciinema cat replays the PTY recording to what the client saw" cmp -s "$TMP/pty.out" "$TMP/replay.out"
events "$PTY" o >"$TMP/pty.o"
check "... and so do its output events, joined" cmp -s "$TMP/pty.out" "$TMP/pty.o"
check_eq "the exec's recording holds its output" exec-out "$(events "$EXEC" o)"
check "the audit log names each recording" sh -c \
	"for f in '$PTY' '$EXEC' '$SFTP'; do grep -q \"recording to \$(basename \"\$f\")\" '$AUDIT' || exit 1; done"
check "... and its size when the channel closed" grep -q "recording $(basename "$EXEC") closed: $(stat -c %s "$EXEC") bytes" "$AUDIT"
check "the file cannot be rewritten, even by root, while append-only" sh -c "! truncate -s 0 '$EXEC' 2>/dev/null"

# --- --record-input -----------------------------------------------------------------------
mkdir -m 700 "$TMP/rec2"
serve_bg box --port 0 --record "$TMP/rec2" --record-input
printf 'echo typed-$((40+2))\nexit\n' | sshc -tt >"$TMP/pty2.out" 2>&1
check "a shell recorded with its input works" grep -q "typed-42" "$TMP/pty2.out"
IN=$(casts "$TMP/rec2" | head -n 1)
# A window change: ssh in a tmux window that is then resized.
TMUX_SOCK="$TMP/tmux.sock"
at_exit "tmux -S '$TMUX_SOCK' kill-server 2>/dev/null"
tmux -S "$TMUX_SOCK" new-session -d -x 100 -y 30 \
	"ssh $OPTS -p $PORT -i $TMP/id -tt root@127.0.0.1; sleep 30" || die "tmux"
wait_for 20 sh -c "[ \$(ls '$TMP/rec2' | wc -l) -ge 2 ]"
python3 -c 'import time; time.sleep(1)'
tmux -S "$TMUX_SOCK" resize-window -x 120 -y 40
python3 -c 'import time; time.sleep(1)'
tmux -S "$TMUX_SOCK" send-keys 'exit' Enter
# (three recordings closed before, the one with input, then this one)
wait_for 20 sh -c "[ \$(grep -c 'recording .* closed' '$AUDIT') -ge 5 ]"
tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
RS=$(casts "$TMP/rec2" | tail -n 1)
check "a PTY's header has its size" grep -q '"width": 100, "height": 30' "$TMP/rec2/$RS"
check "a window change is an \"r\" event" grep -q '"r", "120x40"' "$TMP/rec2/$RS"
stop_bg
[ -n "$IN" ] || die "no recording with --record-input"
check_eq "--record-input adds input events" io "$(python3 "$TMP/check_cast.py" "$TMP/rec2/$IN")"
check_eq "... holding what was typed" "$(printf 'echo typed-$((40+2))\nexit\n')" "$(events "$TMP/rec2/$IN" i)"

# --- --stdio (a ProxyCommand) records too --------------------------------------------------
mkdir -m 700 "$TMP/rec4"
at_exit "chattr -R -a '$TMP/rec4' 2>/dev/null"
timeout 30 ssh $OPTS -i "$TMP/id" -o "ProxyCommand=$MSB ssh serve box --stdio --record $TMP/rec4" \
	root@box 'echo via-stdio' >"$TMP/stdio.out" 2>&1
check_eq "a --stdio connection with --record works" via-stdio "$(cat "$TMP/stdio.out")"
ST=$(casts "$TMP/rec4" | head -n 1)
check "... and is recorded" sh -c "[ -n '$ST' ] && grep -q '\"o\", \"via-stdio' '$TMP/rec4/$ST'"

# --- the gateway (--all) records under the sandbox the login name picked ----------------------
mkdir -m 700 "$TMP/rec5"
at_exit "chattr -R -a '$TMP/rec5' 2>/dev/null"
serve_bg --all --port 0 --record "$TMP/rec5"
timeout 30 ssh $OPTS -p "$PORT" -i "$TMP/id" box@127.0.0.1 'echo via-gateway' >"$TMP/gw.out" 2>&1
check_eq "a gateway connection with --record works" via-gateway "$(cat "$TMP/gw.out")"
stop_bg
GW=$(casts "$TMP/rec5" | head -n 1)
check "... recorded under the sandbox's name" sh -c "echo '$GW' | grep -q '^[0-9T]*Z_box_${FP}_ch'"
check "... with its output" grep -q '"o", "via-gateway' "$TMP/rec5/$GW"

# --- --record-max -------------------------------------------------------------------------
mkdir -m 700 "$TMP/rec3"
serve_bg box --port 0 --record "$TMP/rec3" --record-max 64K
sshc 'head -c 300000 /dev/zero | tr "\0" x; echo' >"$TMP/big.out" 2>&1
check_eq "past the cap the session goes on" 300001 "$(wc -c <"$TMP/big.out")"
stop_bg
BIG=$(casts "$TMP/rec3" | head -n 1)
[ -n "$BIG" ] || die "no recording with --record-max"
check "the recording stays within its cap" [ "$(stat -c %s "$TMP/rec3/$BIG")" -le 65536 ]
check "... ends with a marker that says it was cut" sh -c \
	"tail -n 1 '$TMP/rec3/$BIG' | grep -q '\"m\", \"msb: recording cut at its size cap\"'"
check_eq "... and still parses" mo "$(python3 "$TMP/check_cast.py" "$TMP/rec3/$BIG")"
check "the audit log says it was cut" grep -q "recording $BIG closed: .* (cut at the size cap)" "$AUDIT"
done_testing
