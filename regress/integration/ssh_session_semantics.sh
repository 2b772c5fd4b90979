#!/bin/sh
# What users rely on from sshd, through msb ssh serve with the real OpenSSH
# client and through the native client (msb ssh): commands run under the
# user's login shell, output a background job writes after the command
# exits still arrives (the status is the command's), a daemon that
# redirects its output does not hold the session, a PTY session ends with
# its shell, and the end of a connection is not logged as news.
# No VM: the sandbox reads as running and its agent runs on the host.
. "$(dirname "$0")/../lib.sh"
need_ssh_no_vm

serve_host_agent
s() { timeout 30 ssh $OPTS root@127.0.0.1 "$@"; }
# The jobs left behind note their pids here, to be ended with the test.
at_exit "kill \$(cat $TMP/jobs) 2>/dev/null"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

shell=$(basename "$(getent passwd root | cut -d: -f7)")
check_eq "ssh: \$0 is the login shell, brace expansion works" "$shell 1 2 3" \
	"$(s 'echo $0; echo {1..3}' </dev/null | tr '\n' ' ' | sed 's/ $//')"
check "ssh: the time keyword" s 'time (true)' </dev/null 2>/dev/null

start=$(date +%s%N)
out=$(s '(sleep 2; echo late-output) & echo started' </dev/null); rc=$?
ms=$(ms_since "$start")
check_eq "ssh: late output arrives, exit status 0" "started late-output 0" "$(echo $out) $rc"
check "ssh: ... once the job is done (${ms} ms)" [ "$ms" -ge 1900 ]
s '(sleep 1; echo late-err >&2) & echo started; exit 3' </dev/null >"$TMP/o" 2>"$TMP/e"; rc=$?
check_eq "ssh: late stderr arrives, exit status 3" "started late-err 3" "$(cat "$TMP/o") $(cat "$TMP/e") $rc"
out=$(s 'exit 4 & (sleep 1; echo bg) & exit 5' </dev/null); rc=$?
check_eq "ssh: the command's status, not a background job's" "bg 5" "$out $rc"
s 'exit 3' </dev/null; rc=$?
check_eq "ssh: exit 3" 3 $rc
for daemon in 'nohup sleep 30 >/dev/null 2>&1 &' 'sleep 30 >/dev/null 2>&1 </dev/null &'; do
	start=$(date +%s%N)
	out=$(s "$daemon echo \$! >>$TMP/jobs; echo started" </dev/null)
	ms=$(ms_since "$start")
	check_eq "ssh: daemon with redirected output: $daemon" started "$out"
	check "ssh: ... returns at once (${ms} ms)" [ "$ms" -lt 1000 ]
done
start=$(date +%s%N)
out=$(s -tt '(sleep 3; echo late) & echo started' </dev/null 2>/dev/null | tr -d '\r')
ms=$(ms_since "$start")
check_eq "ssh -tt: a PTY session ends with its command" started "$out"
check "ssh -tt: ... at once (${ms} ms)" [ "$ms" -lt 2000 ]
check_eq "ssh -tt: the login shell too" "$shell" "$(s -tt 'echo $0' </dev/null 2>/dev/null | tr -d '\r')"

# The native client (libmsb) waits for the channel's end as ssh does.
start=$(date +%s%N)
out=$(timeout 30 "$MSB" ssh box -- '(sleep 2; echo late-native) & echo $0' </dev/null); rc=$?
ms=$(ms_since "$start")
check_eq "msb ssh: login shell and late output" "$shell late-native 0" "$(echo $out) $rc"
check "msb ssh: ... once the job is done (${ms} ms)" [ "$ms" -ge 1900 ]
out=$(timeout 30 "$MSB" ssh box -- '(sleep 1; echo bg) & exit 6' </dev/null); rc=$?
check_eq "msb ssh: exit status kept" "bg 6" "$out $rc"
start=$(date +%s%N)
out=$(timeout 30 "$MSB" ssh box -- "sleep 30 >/dev/null 2>&1 </dev/null & echo \$! >>$TMP/jobs; echo started" </dev/null)
ms=$(ms_since "$start")
check_eq "msb ssh: a daemon" started "$out"
check "msb ssh: ... returns at once (${ms} ms)" [ "$ms" -lt 2000 ]

# Every connection above ended by the monitor's SIGTERM to its children.
check "no 'terminated by a signal' for ordinary closes" \
	sh -c "! grep -q 'terminated by' '$TMP/serve.log'"
check "no crash reported" sh -c "! grep -q 'killed by signal' '$TMP/serve.log'"
# A worker that crashes is still reported.
s 'sleep 20' </dev/null >/dev/null 2>&1 & cli=$!
workers() { # the session workers under serve_bg's listener
	for m in $(pgrep -P "$SERVE_PID"); do
		for c in $(pgrep -P "$m"); do
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = msb-session ] && echo "$c"
		done
	done
}
has_worker() { [ -n "$(workers)" ]; }
wait_for 10 has_worker
w=$(workers)
check "a session worker to crash" [ -n "$w" ]
# KILL, not SEGV: under ASan a SEGV becomes its report and an abort.
[ -n "$w" ] && kill -KILL $w
wait $cli
wait_for 5 grep -q 'session worker killed by signal KILL' "$TMP/serve.log"
check "a crashed worker is reported" grep -q 'session worker killed by signal KILL' "$TMP/serve.log"
done_testing
