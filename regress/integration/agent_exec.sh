# The agent's EXEC request over its Unix socket: exit reports, streams,
# users, environment, working directory, signals and protocol abuse.
. "$(dirname "$0")/../lib.sh"
need_root
start_agent

out=$(agent exec -- 'exit 0'); check_eq "exit 0" 0 $?
agent exec -- 'exit 1'; check_eq "exit 1" 1 $?
agent exec -- 'exit 255'; check_eq "exit 255" 255 $?

agent exec -- 'kill -KILL $$' 2>"$TMP/err"; rc=$?
check_eq "SIGKILL death exits 128+9" 137 $rc
check "SIGKILL death is named" grep -q "killed by signal KILL" "$TMP/err"
agent exec -- 'kill -TERM $$' 2>"$TMP/err"; rc=$?
check_eq "SIGTERM death exits 128+15" 143 $rc
check "SIGTERM death is named" grep -q "killed by signal TERM" "$TMP/err"

agent exec -- 'echo to-out; echo to-err >&2; echo more-out' >"$TMP/o" 2>"$TMP/e"
check_eq "stdout kept apart" "to-out
more-out" "$(cat "$TMP/o")"
check_eq "stderr kept apart" "to-err" "$(cat "$TMP/e")"

out=$(printf 'line1\nline2\n' | agent exec -- 'cat; echo EOF-SEEN')
check_eq "stdin piped through and EOF delivered" "line1
line2
EOF-SEEN" "$out"
out=$(agent exec -- 'cat; echo EOF-SEEN' </dev/null)
check_eq "empty stdin is an immediate EOF" "EOF-SEEN" "$out"

# nobody's shell is nologin, which refuses commands as it does under sshd:
# argv mode runs sh itself.
check_eq "runs as nobody" "65534:nobody" "$(agent exec --user nobody --argv -- sh -c 'echo $(id -u):$(id -un)')"
check_eq "nobody's groups are its own" "$(id -G nobody)" "$(agent exec --user nobody --argv -- id -G)"
check_eq "login variables" "nobody nobody $(getent passwd nobody | cut -d: -f6)" \
	"$(agent exec --user nobody --argv -- sh -c 'echo $USER $LOGNAME $HOME')"
out=$(agent exec --user nobody -- 'echo ran' 2>&1); rc=$?
check_sh "a command under a nologin shell is refused, as by sshd (rc $rc: $out)" \
	'[ $rc -ne 0 ] && [ "$out" != ran ]'

# Commands run under the user's login shell (root's is bash), as sshd runs them.
check_eq "the login shell runs the command, named as sshd names it" \
	"$(basename "$(getent passwd root | cut -d: -f7)")" "$(agent exec -- 'echo $0')"
check_eq "bash syntax: brace expansion" "1 2 3" "$(agent exec -- 'echo {1..3}')"
check "bash syntax: the time keyword" agent exec -- 'time (true)' 2>/dev/null
check_eq "argv mode is no shell" '$0' "$(agent exec --argv -- printf '%s' '$0')"
agent exec --user no-such-user -- true 2>"$TMP/err"; rc=$?
check_eq "unknown user exits 127" 127 $rc
check "unknown user is a clear error" grep -q "unknown user 'no-such-user'" "$TMP/err"

check_eq "default cwd is the home directory" "$(getent passwd root | cut -d: -f6)" "$(agent exec -- pwd)"
check_eq "--cwd" "/tmp" "$(agent exec --cwd /tmp -- pwd)"
agent exec --cwd /no/such/dir -- pwd 2>"$TMP/err"; rc=$?
check_eq "bad cwd exits 126" 126 $rc
check "bad cwd is named" grep -q "/no/such/dir" "$TMP/err"
check_eq "--env" "bar baz" "$(agent exec --env FOO=bar --env 'QUX=baz' -- 'echo $FOO $QUX')"
check_eq "--env overrides a login variable" "/x" "$(agent exec --env HOME=/x -- 'echo $HOME')"
check_eq "argv mode keeps arguments apart" "a b|c|" "$(agent exec --argv -- printf '%s|' 'a b' c)"
agent exec --argv -- /no/such/program 2>"$TMP/err"; rc=$?
check_eq "argv mode: missing program exits 127" 127 $rc
check "argv mode: missing program is named" grep -q "/no/such/program" "$TMP/err"

start=$(date +%s%N)
agent exec -- 'exec >&- 2>&-; sleep 1; exit 5'; rc=$?
check_eq "exit reported after stdout closed early" 5 $rc
# As with sshd, output a background job writes after the command exits
# still arrives: the stream ends when the pipes do, the status stays.
start=$(date +%s%N)
out=$(agent exec -- '(sleep 2; echo late-output) & echo started'); rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "late output arrives after the exit" "started late-output 0" "$(echo $out) $rc"
check "... once the job is done (took ${ms} ms)" [ "$ms" -ge 1900 ]
agent exec -- '(sleep 1; echo late-err >&2) & echo started; exit 3' >"$TMP/o" 2>"$TMP/e"; rc=$?
check_eq "late stderr arrives, exit status kept" "started late-err 3" "$(cat "$TMP/o") $(cat "$TMP/e") $rc"
out=$(agent exec -- 'exit 4 & (sleep 1; echo bg) & exit 5'); rc=$?
check_eq "the command's status, not a background job's" "bg 5" "$out $rc"
# The jobs left behind note their pids here, to be ended with the test.
at_exit "kill \$(cat $TMP/jobs) 2>/dev/null"
for daemon in 'nohup sleep 30 >/dev/null 2>&1 &' 'sleep 30 >/dev/null 2>&1 </dev/null &'; do
	start=$(date +%s%N)
	out=$(agent exec -- "$daemon echo \$! >>$TMP/jobs; echo started")
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check_eq "a daemon with its output redirected: $daemon" started "$out"
	check "... does not hold the exec (took ${ms} ms)" [ "$ms" -lt 1000 ]
done
echo input | agent exec -- '(sleep 1; cat; echo cat-done) <&0 & exit 0' >"$TMP/o"
check_eq "stdin ends with the command, a background reader sees EOF" "cat-done" "$(tail -n 1 "$TMP/o")"
start=$(date +%s%N)
out=$(agent exec --tty -- '(sleep 3; echo late) & echo started' </dev/null | tr -d '\r')
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "a PTY exec ends with its command, as sshd ends it" started "$out"
check "... at once (took ${ms} ms)" [ "$ms" -lt 2000 ]
"$MSB" agent --socket "$AGENT_SOCK" exec -- "sleep 30 & echo \$! >>$TMP/jobs; echo started" >"$TMP/o" & cli=$!
wait_for 5 grep -q started "$TMP/o"
sleep 0.5
kill -INT $cli; wait $cli; rc=$?
check_eq "a signal while waiting for late output ends the client" 130 $rc
out=$(agent exec -- 'for i in 1 2 3; do echo $i; done; exit 7'); rc=$?
check_eq "output written before exit arrives before it" "1 2 3 7" "$(echo $out) $rc"

"$MSB" agent --socket "$AGENT_SOCK" exec -- 'sleep 30' & cli=$!
sleep 0.5; kill -TERM $cli; wait $cli; rc=$?
check_eq "a signal to the client reaches the command" 143 $rc

check "info answers" sh -c "'$MSB' agent --socket '$AGENT_SOCK' info | grep -q '^software: msb-agent'"

# Protocol abuse: each must leave the agent serving.
printf '\377\377\377\377garbage' | timeout 5 socat - "UNIX-CONNECT:$AGENT_SOCK" >/dev/null 2>&1
head -c 4096 /dev/urandom | timeout 5 socat - "UNIX-CONNECT:$AGENT_SOCK" >/dev/null 2>&1
printf '\000\000\000\005\001MSBA' | timeout 5 socat - "UNIX-CONNECT:$AGENT_SOCK" >/dev/null 2>&1
timeout 5 socat -u /dev/null "UNIX-CONNECT:$AGENT_SOCK" 2>/dev/null
check "agent still serves after malformed input" agent ping
check "agent process alive" kill -0 "$AGENT_PID"

# Exec round trip: connect, hello, exec true, exit report; median of 100.
for i in $(seq 100); do
	s=$(date +%s%N); agent exec --argv -- true; e=$(date +%s%N)
	echo $(( (e - s) / 1000 ))
done | sort -n | sed -n 50p > "$TMP/median"
echo "metric: exec round trip median over the Unix socket: $(cat "$TMP/median") us"

done_testing
