# msb-session against a real agent on a Unix socket, driven by
# regress/mux-driver playing the monitor and the network child: exec,
# exit codes and signals, stderr, PTY and resize, env policy, forced
# command, unknown user, audit records, 10 concurrent channels, hangup.
. "$(dirname "$0")/../lib.sh"
need_root
need_mux_driver
start_agent

for code in 0 1 42 255; do
	drv exec "exit $code" </dev/null; rc=$?
	check_eq "exit status $code" "$code" "$rc"
done
out=$(drv exec 'echo out; echo err >&2' </dev/null 2>"$TMP/err")
check_eq "stdout alone on stdout" "out" "$out"
check_eq "stderr apart" "err" "$(cat "$TMP/err")"

drv exec 'kill -9 $$' </dev/null 2>"$TMP/err"; rc=$?
check_eq "killed: 128+9" 137 "$rc"
check "exit-signal KILL" grep -q "exit-signal KILL core=0" "$TMP/err"
drv --signal TERM@300 exec 'sleep 5' </dev/null 2>"$TMP/err"; rc=$?
check "signal request reaches the command (exit $rc)" grep -q "exit-signal TERM" "$TMP/err"
out=$(drv --signal INT@300 exec 'trap "echo got-int; exit 3" INT; sleep 5 & wait' </dev/null); rc=$?
check_eq "trapped INT" "got-int/3" "$out/$rc"

head -c 8388608 /dev/urandom > "$TMP/data"
check "8 MiB of stdin through cat intact" echoes "$TMP/data" drv exec cat
check_eq "output after the client's EOF still arrives" "late" \
	"$(echo x | drv exec 'cat >/dev/null; sleep 0.2; echo late')"
out=$(drv exec '(sleep 1; echo late-out; echo late-err >&2) & exit 7' </dev/null 2>"$TMP/err"); rc=$?
check_eq "output a background job writes after the exit arrives, status kept" \
	"late-out late-err 7" "$out $(grep -v '^driver:' "$TMP/err") $rc"

out=$(drv --pty 100x30 --resize 120x40@400 exec 'stty size; sleep 0.8; stty size' </dev/null | tr -d '\r' | tr '\n' ' ')
check_eq "pty of the requested size, then resized" "30 100 40 120 " "$out"
check_eq "pty term" "vt100" "$(drv --pty 80x24 --term vt100 exec 'echo $TERM' </dev/null | tr -d '\r')"
check_eq "no pty: not a tty" "not a tty" "$(drv exec tty </dev/null)"
out=$(drv --flags no-pty --pty 80x24 exec tty </dev/null 2>"$TMP/err")
check_eq "no-pty flag: runs without one" "not a tty" "$out"
check "no-pty flag: pty refused" grep -q "pty refused" "$TMP/err"

out=$(drv --env LANG=C.UTF-8 --env LC_TIME=C --env FOO=bar exec 'echo "$LANG|$LC_TIME|${FOO-unset}"' </dev/null 2>"$TMP/err")
check_eq "LANG and LC_* pass, FOO does not" "C.UTF-8|C|unset" "$out"
check "refused variable gets a failure reply" grep -q "env FOO refused" "$TMP/err"
check_eq "env_allow pattern" "bar" "$(drv --env-allow 'X,FO*' --env FOO=bar exec 'echo $FOO' </dev/null)"
out=$(drv --env PATH=/nowhere --env LD_PRELOAD=/x exec 'echo "$PATH ${LD_PRELOAD-unset}"' </dev/null 2>/dev/null)
check "PATH and LD_PRELOAD not settable" [ "$out" != "/nowhere /x" ]

out=$(drv --forced 'echo "forced [$SSH_ORIGINAL_COMMAND]"' exec 'rm -rf /nothing' </dev/null)
check_eq "forced command replaces exec" "forced [rm -rf /nothing]" "$out"
out=$(drv --forced 'echo "forced [${SSH_ORIGINAL_COMMAND-unset}]"' shell </dev/null)
check_eq "forced command replaces shell" "forced [unset]" "$out"
check_eq "shell runs the login shell" "ok" "$(echo 'echo ok' | drv shell)"

drv --guest-user no-such-user exec true 'echo second' </dev/null 2>"$TMP/err"; rc=$?
check_eq "unknown user: 127 (and the connection served a second channel)" 127 "$rc"
check "unknown user: message" grep -q "msb: unknown user 'no-such-user'" "$TMP/err"

# What the client names and what the agent answers is escaped in the
# worker's log: a terminal reading the log runs no escape sequence.
esc=$(printf '\033')
drv --log-level 3 --guest-user "no${esc}[2Jsuch" exec true </dev/null 2>"$TMP/err"
drv --log-level 3 --env "F${esc}O=x" --signal "X${esc}Y@200" exec 'sleep 1' </dev/null 2>>"$TMP/err"
grep '^msb-session:' "$TMP/err" > "$TMP/log"
check "log: the guest user escaped" grep -qF "as guest user 'no\x1b[2Jsuch'" "$TMP/log"
check "log: the agent's error escaped" grep -qF "unknown user 'no\x1b[2Jsuch'" "$TMP/log"
check "log: a refused variable escaped" grep -qF "refused environment variable F\x1bO" "$TMP/log"
check "log: an unknown signal escaped" grep -qF "unknown signal X\x1bY" "$TMP/log"
check "log: no raw escape character" sh -c "! grep -q '$esc' '$TMP/log'"
check "agent log: the user escaped" grep -qF "unknown user 'no\x1b[2Jsuch'" "$TMP/agent.log"
check "agent log: no raw escape character" sh -c "! grep -q '$esc' '$TMP/agent.log'"
# nobody's login shell is nologin, which answers every command so.
check_eq "guest user honoured (through the user's shell, nologin)" \
	"This account is currently not available." "$(drv --guest-user nobody exec 'id -un' </dev/null)"
drv exec 'exec /nonexistent' </dev/null 2>/dev/null; rc=$?
check_eq "command not found: 127" 127 "$rc"

drv --audit "$TMP/audit" exec 'printf 12345' </dev/null >/dev/null
check "audit open" grep -q "^open 1000 0 printf 12345$" "$TMP/audit"
check "audit close with byte counts and exit" grep -q "^close 1000 in=0 out=5 exit=0$" "$TMP/audit"

start=$(date +%s%N)
drv multi 10 'sleep 1; echo chan-%d' > "$TMP/multi"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "10 concurrent channels all exit 0" 0 "$rc"
check_eq "10 concurrent channels: each its own output" 10 "$(grep -c '^\([0-9]\) 0 [0-9]* chan-\1$' "$TMP/multi")"
check "10 concurrent channels run at once (${ms} ms)" [ "$ms" -lt 4000 ]

# Closing the mux hangs up every command and ends the worker cleanly.
drv --hangup 700 exec "trap 'echo hup > $TMP/hup; exit 1' HUP; sleep 10 & wait" </dev/null; rc=$?
check_eq "worker exits cleanly when the mux closes" 254 "$rc"
wait_for 5 test -s "$TMP/hup"
check "the command was hung up" [ -s "$TMP/hup" ]

start=$(date +%s%N)
drv --idle 1 idle 2>"$TMP/err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "idle worker exits cleanly" 0 "$rc"
check_sh "idle timeout closes the mux after about 1 s (${ms} ms)" '[ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]'
done_testing
