#!/bin/sh
# msb ssh serve's limits, each set to a value other than its default with
# real OpenSSH clients: --max-startups, --per-source-max-startups,
# --penalty (and connections that leave without trying to authenticate
# counting toward it), --max-sessions, --max-connections; and what their
# defaults allow. IPv6 sources are grouped by /64 (with two addresses of
# one /64 added to lo for the test). No VM: the sandbox reads as running
# and its agent runs on the host.
# msb-test-timeout: 300
. "$(dirname "$0")/../lib.sh"
need_ssh_no_vm python3

host_agent_sandbox
for k in good bad; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$TMP/$k" || die ssh-keygen
done
"$MSB" ssh authorize --file "$TMP/good.pub" 2>/dev/null || die authorize

OPTS="-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o NumberOfPasswordPrompts=0 -o ConnectTimeout=10"
HOST=127.0.0.1
# s SOURCE_ADDR KEY [SSH ARGS...]: every case has its own source address.
s() {
	src=$1 key=$2; shift 2
	timeout 30 ssh $OPTS -p "$PORT" -b "$src" -i "$TMP/$key" "root@$HOST" "$@"
}
served() { [ "$(s "$1" good echo hi 2>/dev/null)" = hi ]; }
# silent SOURCE...: one connection from each source in turn, held open
# until all are made, that never authenticates; prints A (it got the
# server's banner) or R (closed at once) for each.
silent() {
	timeout 60 python3 -c '
import socket, sys
host, port, out, held = sys.argv[1], int(sys.argv[2]), "", []
for src in sys.argv[3:]:
    s = socket.socket(socket.AF_INET6 if ":" in src else socket.AF_INET)
    s.bind((src, 0))
    s.connect((host, port))
    s.settimeout(10)
    try:
        data = s.recv(8)
    except OSError:
        data = b""
    out += "A" if data.startswith(b"SSH-") else "R"
    held.append(s)
print(out)
' "$HOST" "$PORT" "$@"
}
# The monitors of silent connections take a moment to exit once closed.
no_monitors() { ! pgrep -P "$SERVE_PID" -x msb-monitor >/dev/null; }
# until_logged SECONDS PATTERN: the listener counts a failure once the monitor exited.
until_logged() { wait_for "$1" grep -q "$2" "$TMP/serve.log"; }

# --- defaults: nothing of the new limits applies unless asked ---
serve_bg box --port 0 --log-level verbose
check_eq "default: one source may hold 9 unauthenticated connections" AAAAAAAAA \
	"$(silent 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10 127.0.0.10)"
check "their monitors end" wait_for 15 no_monitors
# Those nine left without trying to authenticate: as three failures would, they penalize.
check "default: leaving without authenticating counts toward the penalty" \
	until_logged 30 "127.0.0.10 failed to authenticate 3 times within 60 s"
s 127.0.0.10 good echo hi >"$TMP/out" 2>&1
check_eq "default: that source is turned away even with the right key" 255 $?
# Two no-auth connections stay below the default threshold of three.
check_eq "two are admitted" AA "$(silent 127.0.0.11 127.0.0.11)"
check "and counted" until_logged 30 "source 127.0.0.11: left without authenticating (2 in the last 60 s)"
check "default: two no-auth connections leave a source served" served 127.0.0.11

# One connection, four sessions at once (ControlMaster); three connections at once.
CM="$TMP/cm"
s 127.0.0.12 good -o ControlMaster=yes -o ControlPath="$CM" -o ControlPersist=yes -fN >/dev/null 2>&1 \
	|| die "control master"
at_exit "ssh -o ControlPath=$CM -O exit x 2>/dev/null"
pids=""
for i in 1 2 3 4; do
	timeout 30 ssh -o ControlPath="$CM" x "sleep 3; echo s$i" >"$TMP/sess$i" 2>&1 &
	pids="$pids $!"
done
wait $pids
check_eq "default: four sessions at once on one connection" "s1 s2 s3 s4" \
	"$(cat "$TMP/sess1" "$TMP/sess2" "$TMP/sess3" "$TMP/sess4" | paste -sd' ')"
ssh -o ControlPath="$CM" -O exit x 2>/dev/null
pids=""
for i in 1 2 3; do s 127.0.0.13 good "sleep 3; echo c$i" >"$TMP/conn$i" 2>/dev/null & pids="$pids $!"; done
wait $pids
check_eq "default: three connections at once to one sandbox" "c1 c2 c3" \
	"$(cat "$TMP/conn1" "$TMP/conn2" "$TMP/conn3" | paste -sd' ')"
stop_bg

# --- --max-startups, --per-source-max-startups ---
serve_bg box --port 0 --log-level verbose --max-startups 3 --per-source-max-startups 2
check_eq "--per-source-max-startups 2: the third from one source is refused" AAR \
	"$(silent 127.0.0.20 127.0.0.20 127.0.0.20)"
check "and logged" grep -q "refused 127.0.0.20 port [0-9]*: too many unauthenticated connections from 127.0.0.20" "$TMP/serve.log"
check "their monitors end" wait_for 15 no_monitors
check_eq "--max-startups 3 (START alone: a hard cap): the fourth is refused" AAAR \
	"$(silent 127.0.0.21 127.0.0.22 127.0.0.23 127.0.0.24)"
check "and logged" grep -q "refused 127.0.0.24 port [0-9]*: too many unauthenticated connections$" "$TMP/serve.log"
check "their monitors end" wait_for 15 no_monitors
check "service goes on" served 127.0.0.25
stop_bg
"$MSB" ssh serve box --max-startups 5:30:4 >"$TMP/out" 2>&1
check_eq "a bad --max-startups is refused" 1 $?
check "saying why" grep -q "max-startups 5:30:4: START (5) is above FULL (4)" "$TMP/out"

# --- --penalty ---
# 8 s of penalty: long enough that a loaded machine still makes the next
# connection inside it.
serve_bg box --port 0 --log-level verbose --penalty 8:2:60
s 127.0.0.30 bad true 2>/dev/null
check "one failure is counted" until_logged 30 "source 127.0.0.30: failed to authenticate (1 in the last 60 s)"
check "--penalty 8:2: one failure leaves the source served" served 127.0.0.30
s 127.0.0.31 bad true 2>/dev/null
s 127.0.0.31 bad true 2>/dev/null
check "--penalty 8:2: two failures penalize" until_logged 30 "127.0.0.31 failed to authenticate 2 times within 60 s: refusing its connections for 8 s"
start=$(date +%s)
s 127.0.0.31 good echo hi >"$TMP/out" 2>&1
check_eq "the penalized source is turned away with the right key" 255 $?
check "at once" [ $(($(date +%s) - start)) -le 3 ]
check "and served again after 8 s" wait_for 15 served 127.0.0.31
# A real client that leaves before authenticating: it cannot verify the host key.
: >"$TMP/kh"
for i in 1 2; do
	timeout 30 ssh -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$TMP/kh" -p "$PORT" -b 127.0.0.32 -i "$TMP/good" root@$HOST true \
		>"$TMP/out" 2>&1
done
check "the client left at the host key" grep -q "Host key verification failed" "$TMP/out"
check "leaving without authenticating twice penalizes" until_logged 30 "127.0.0.32 failed to authenticate 2 times"
s 127.0.0.32 good echo hi >"$TMP/out" 2>&1
check_eq "that source is turned away" 255 $?
stop_bg
serve_bg box --port 0 --log-level verbose --penalty 0
for i in 1 2 3 4; do s 127.0.0.33 bad true 2>/dev/null; done
check_eq "silent: four no-auth connections" AAAA "$(silent 127.0.0.33 127.0.0.33 127.0.0.33 127.0.0.33)"
check "all eight counted" until_logged 30 "source 127.0.0.33: left without authenticating (8 in the last 60 s)"
check "--penalty 0: a failing source is still served" served 127.0.0.33
check "no penalty is logged" sh -c '! grep -q "refusing its connections" "$1"' _ "$TMP/serve.log"
stop_bg

# --- --max-sessions, --max-connections ---
serve_bg box --port 0 --log-level verbose --max-sessions 2 --max-connections 2
s 127.0.0.40 good -o ControlMaster=yes -o ControlPath="$CM" -o ControlPersist=yes -E "$TMP/master.log" \
	-fN >/dev/null 2>&1 \
	|| die "control master"
pids=""
for i in 1 2; do
	timeout 30 ssh -o ControlPath="$CM" x "sleep 10; echo s$i" >"$TMP/sess$i" 2>&1 &
	pids="$pids $!"
done
sessions_open() { [ "$(grep -c "channel [0-9]* open session" "$AUDIT")" -ge "$1" ]; }
check "two sessions open" wait_for 30 sessions_open 2
timeout 30 ssh -o ControlPath="$CM" x echo third >"$TMP/out" 2>&1
check_eq "--max-sessions 2: a third session is refused" 255 $?
check "the client's mux is refused" grep -q "Session open refused by peer" "$TMP/out"
# libssh sends the reason code of a refused session channel without its text.
check "with the SSH open failure" grep -q "open failed: administratively prohibited" "$TMP/master.log"
check "the refusal is logged" grep -q "refused a session channel: 2 open (--max-sessions)" "$TMP/serve.log"
wait $pids
check_eq "the two sessions finish" "s1 s2" "$(cat "$TMP/sess1" "$TMP/sess2" | paste -sd' ')"
check_eq "and the connection goes on: a new session is served" again \
	"$(timeout 30 ssh -o ControlPath="$CM" x echo again 2>/dev/null)"
# The master is one connection; one more makes two.
s 127.0.0.41 good "sleep 10; echo second" >"$TMP/conn2" 2>/dev/null &
CONN2=$!
authed() { grep -q "peer=$1 accepted publickey" "$AUDIT"; }
check "two connections are authenticated" wait_for 30 authed 127.0.0.41
s 127.0.0.42 good echo third >"$TMP/out" 2>&1
check_eq "--max-connections 2: a third connection is turned away" 255 $?
check "the client is told why: $(cat "$TMP/out")" grep -q "too many connections to this sandbox" "$TMP/out"
check "the audit log says so" grep -q "peer=127.0.0.42 refused root: sandbox 'box' has all the connections it may have (--max-connections)" "$AUDIT"
check "the listener logs it" grep -q "refused 127.0.0.42: sandbox 'box' has 2 connections (--max-connections)" "$TMP/serve.log"
wait $CONN2
check_eq "the second connection was unaffected" second "$(cat "$TMP/conn2")"
check "once it ended, a new connection is served, from the same source" wait_for 10 served 127.0.0.42
check "a refusal is no failure" sh -c '! grep -q "source 127.0.0.42:" "$1"' _ "$TMP/serve.log"
ssh -o ControlPath="$CM" -O exit x 2>/dev/null
stop_bg
"$MSB" ssh serve box --max-connections 0 >"$TMP/out" 2>&1
check_eq "--max-connections 0 is refused" 1 $?

# --- IPv6: the per-source limits and the penalty count by /64 ---
NET=fd00:6d73:62
if ip -6 addr add $NET::1/64 dev lo nodad 2>/dev/null; then
	at_exit "ip -6 addr del $NET::1/64 dev lo 2>/dev/null"
	ip -6 addr add $NET::2/64 dev lo nodad && at_exit "ip -6 addr del $NET::2/64 dev lo 2>/dev/null"
	ip -6 addr add $NET::3/64 dev lo nodad && at_exit "ip -6 addr del $NET::3/64 dev lo 2>/dev/null"
	ip -6 addr add fd00:6d73:63::2/64 dev lo nodad &&
		at_exit "ip -6 addr del fd00:6d73:63::2/64 dev lo 2>/dev/null"
	HOST=$NET::1
	serve_bg box --host $NET::1 --port 0 --log-level verbose --per-source-max-startups 1 --penalty 30:2:60
	check_eq "IPv6: two addresses of one /64 are one source" AR "$(silent $NET::2 $NET::3)"
	check "logged as the /64" grep -q "too many unauthenticated connections from $NET::/64" "$TMP/serve.log"
	check_eq "another /64 is another source" A "$(silent fd00:6d73:63::2)"
	check "their monitors end" wait_for 15 no_monitors
	s $NET::2 bad true 2>/dev/null
	check "IPv6: a failure is counted for the /64" until_logged 30 "source $NET::/64: "
	s $NET::3 bad true 2>/dev/null
	check "IPv6: the /64 is penalized" until_logged 30 "$NET::/64 failed to authenticate 2 times"
	s $NET::3 good echo hi >"$TMP/out" 2>&1
	check_eq "every address of it is turned away" 255 $?
	check "another /64 is served" served fd00:6d73:63::2
	stop_bg
else
	echo "# IPv6 /64 grouping not checked here (cannot add addresses to lo); see test_serve_limits"
fi
done_testing
