#!/bin/sh
# Authentication against msb ssh serve with real OpenSSH clients and keys
# from ssh-keygen: a good key gets a session, a wrong one is rejected and
# logged by fingerprint, the 7th attempt is cut off, from= is honoured (and
# never matches over --stdio), a connection that never authenticates is
# closed after the grace time, garbage and a truncated handshake leave the
# listener serving, MaxStartups and the per-source penalty turn connections
# away. No VM: the sandbox reads as running and its agent runs on the host.
. "$(dirname "$0")/../lib.sh"
need_ssh_no_vm python3

host_agent_sandbox

for k in good w1 w2 w3 w4 w5 w6 near far; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$TMP/$k" || die ssh-keygen
done
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$TMP/ec" || die ssh-keygen
"$MSB" ssh authorize --file "$TMP/good.pub" 2>/dev/null || die authorize
"$MSB" ssh authorize --file "$TMP/ec.pub" 2>/dev/null || die authorize
"$MSB" ssh authorize --key "from=\"127.0.0.0/8,!127.0.0.66\" $(cat "$TMP/near.pub")" 2>/dev/null || die authorize
"$MSB" ssh authorize --key "from=\"10.0.0.0/8\" $(cat "$TMP/far.pub")" 2>/dev/null || die authorize
fp() { ssh-keygen -lf "$TMP/$1.pub" | cut -d' ' -f2; }

OPTS="-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o NumberOfPasswordPrompts=0 -o ConnectTimeout=10"
# s SOURCE_ADDR KEY... -- COMMAND: every failing case has its own loopback
# source address so that the per-source penalty does not spill over.
s() {
	src=$1; shift
	ids=""
	while [ "$1" != "--" ]; do ids="$ids -i $TMP/$1"; shift; done
	shift
	timeout 30 ssh $OPTS -p "$PORT" -b "$src" $ids root@127.0.0.1 "$@"
}

serve_bg box --port 0 --log-level verbose
check_eq "the right key gets a session" hi "$(s 127.0.0.1 good -- echo hi 2>"$TMP/err")"
check_eq "ECDSA keys work too" ec "$(s 127.0.0.1 ec -- echo ec 2>/dev/null)"
check "the acceptance is logged by fingerprint" grep -q "accepted publickey for root: ssh-ed25519 $(fp good)" "$AUDIT"

s 127.0.0.2 w1 -- echo hi >"$TMP/out" 2>"$TMP/err"
check_eq "a wrong key is rejected" 255 $?
check "with OpenSSH's message" grep -q "Permission denied (publickey)" "$TMP/err"
check "and nothing ran" [ ! -s "$TMP/out" ]
check "the rejection is logged by fingerprint" grep -q "rejected publickey for root: ssh-ed25519 $(fp w1) (key not authorized)" "$AUDIT"
check "the audit log is 0600" [ "$(stat -c %a "$AUDIT")" = 600 ]

# Six wrong keys, then the right one: the 7th attempt never gets an answer.
s 127.0.0.3 w1 w2 w3 w4 w5 w6 good -- echo hi >"$TMP/out" 2>"$TMP/err"
check_eq "the 7th attempt is cut off" 255 $?
check "nothing ran" [ ! -s "$TMP/out" ]
check "the cut-off is logged" grep -q "peer=127.0.0.3 too many authentication failures for root (6)" "$AUDIT"
check_eq "six keys were rejected" 6 "$(grep -c "peer=127.0.0.3 rejected publickey" "$AUDIT")"
check "the good key was never accepted" sh -c '! grep -q "peer=127.0.0.3 accepted" "$1"' _ "$AUDIT"
check_eq "five wrong keys leave the 6th attempt" hi "$(s 127.0.0.4 w1 w2 w3 w4 w5 good -- echo hi 2>/dev/null)"

# from=
check_eq "from= admits a matching source" near "$(s 127.0.0.5 near -- echo near 2>/dev/null)"
s 127.0.0.66 near -- true 2>/dev/null
check_eq "from= with !negation refuses" 255 $?
s 127.0.0.7 far -- true 2>/dev/null
check_eq "from= refuses other sources" 255 $?
check "the from= refusal is logged" grep -q "peer=127.0.0.7 rejected publickey for root: ssh-ed25519 $(fp far) (key's from= does not admit this client)" "$AUDIT"

# --stdio: one connection, no network address, so from= never matches.
PROXY="ProxyCommand=$MSB ssh serve box --stdio"
check_eq "--stdio serves a connection" stdio \
	"$(timeout 30 ssh $OPTS -o "$PROXY" -i "$TMP/good" root@box echo stdio 2>/dev/null)"
timeout 30 ssh $OPTS -o "$PROXY" -i "$TMP/near" root@box true 2>/dev/null
check_eq "--stdio: a from= key does not match" 255 $?

# Garbage and a truncated handshake leave the listener serving, also while held open.
# Each from a source of its own: a connection that never authenticates
# counts toward the per-source penalty.
head -c 65536 /dev/urandom | timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.8", 0))
s.sendall(sys.stdin.buffer.read())
s.settimeout(5)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
' "$PORT"
check_eq "the listener survives random bytes" hi "$(s 127.0.0.1 good -- echo hi 2>/dev/null)"
timeout 20 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.9", 0))
s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x00\x05\xdc\x0a\x14" + b"\x11" * 40)
print(s.recv(256)[:8].decode(), flush=True)
time.sleep(int(sys.argv[2]))
' "$PORT" 3 >"$TMP/trunc" 2>&1 &
TRUNC=$!
# It prints the banner once the listener has answered: the handshake is held.
wait_for 5 test -s "$TMP/trunc"
check_eq "others are served while a truncated handshake is held" hi "$(s 127.0.0.1 good -- echo hi 2>/dev/null)"
wait $TRUNC
check_eq "the truncated handshake got the banner" "SSH-2.0-" "$(cat "$TMP/trunc")"
check_eq "and others are served after it" hi "$(s 127.0.0.1 good -- echo hi 2>/dev/null)"

# MaxStartups: 40 silent connections at once; past 30 unauthenticated every
# one is closed at once (and between 10 and 30 some are, at random).
timeout 30 python3 -c '
import socket, sys
port = int(sys.argv[1])
socks, admitted, refused = [], 0, 0
for i in range(40):
    s = socket.socket()
    s.bind(("127.0.0.20", 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(5)
    try:
        data = s.recv(8)
    except socket.timeout:
        data = b"?"
    if data.startswith(b"SSH-"):
        admitted += 1
    else:
        refused += 1
    socks.append(s)
print(admitted, refused)
' "$PORT" >"$TMP/startups"
read -r admitted refused <"$TMP/startups"
check "MaxStartups: at most 30 silent connections were let in ($admitted)" [ "${admitted:-99}" -le 30 ] 
check "MaxStartups: at least the first 10 were ($admitted)" [ "${admitted:-0}" -ge 10 ]
check "MaxStartups: the rest were closed at once ($refused)" [ "${refused:-0}" -ge 10 ]
# Their monitors take a moment to exit (longer under ASan, which checks
# for leaks at exit); until then the server may still shed new ones.
served() { [ "$(s 127.0.0.1 good -- echo hi 2>/dev/null)" = hi ]; }
check "service resumes once they are gone" wait_for 15 served

# Penalty: three failed connections in a minute, and the source is turned away.
for i in 1 2 3; do s 127.0.0.30 w1 -- true 2>/dev/null; done
# As in OpenSSH, a failure counts when its monitor has exited, which can be
# just after the client saw the connection close (later under ASan).
wait_for 5 grep -q "127.0.0.30 failed to authenticate" "$TMP/serve.log"
check "the penalty is logged" grep -q "127.0.0.30 failed to authenticate 3 times within 60 s" "$TMP/serve.log"
start=$(date +%s)
s 127.0.0.30 good -- echo hi >"$TMP/out" 2>"$TMP/err"
check_eq "a penalized source is turned away even with the right key" 255 $?
check "at once" [ $(($(date +%s) - start)) -le 3 ]
check_eq "other sources are still served" hi "$(s 127.0.0.31 good -- echo hi 2>/dev/null)"
stop_bg
check_eq "SIGTERM ends the server cleanly" 0 $?

# Login grace time (shortened): a client that never authenticates is closed.
MSB_LOGIN_GRACE_TIME=2 serve_bg box --port 0 --log-level verbose
start=$(date +%s)
timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
while s.recv(4096):
    pass
' "$PORT"
rc=$?
took=$(($(date +%s) - start))
check_eq "the connection is closed by the server" 0 $rc
check_sh "after the grace time ($took s)" '[ "$took" -ge 1 ] && [ "$took" -le 6 ]'
check "the grace time is logged" grep -q "login grace time (2 s) exceeded" "$AUDIT"
stop_bg
done_testing
