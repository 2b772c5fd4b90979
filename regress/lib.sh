# Shared by the integration tests: paths, a private agent, assertions.
# Source it with: . "$(dirname "$0")/../lib.sh"
set -u

MSB_SRCDIR=${MSB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MSB_BUILDDIR=${MSB_BUILDDIR:-$MSB_SRCDIR}
MSB="$MSB_BUILDDIR/msb"
MSB_AGENT="$MSB_BUILDDIR/msb-agent"
MSB_SFTP_SERVER="$MSB_BUILDDIR/msb-sftp-server"

TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "/tmp/msb-$TEST_NAME.XXXXXX")
AGENT_PID=""
CLEANUP_CMDS=""
FAILS=0

cleanup() {
	eval "$CLEANUP_CMDS"
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Adds a shell command to run at exit.
at_exit() { CLEANUP_CMDS="$1; $CLEANUP_CMDS"; }

skip() { echo "skip: $*"; exit 77; }
die() { echo "FATAL: $*"; show_logs; exit 1; }
ok() { echo "ok: $*"; }
# A failed check returns 1, so that a test can add what would explain it.
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); return 1; }

check() { # check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

# For conditions joined with && or ||, which the shell would otherwise
# split off check's own command line.
check_sh() { # check_sh DESCRIPTION 'SHELL CONDITION'
	if eval "$2"; then ok "$1"; else fail "$1"; fi
}

check_eq() { # check_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# A failing test shows the end of the logs it kept in $TMP (a server's
# stderr, say), which go with $TMP when it exits.
show_logs() {
	for f in "$TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "--- end of $(basename "$f"):"
		tail -n 30 "$f"
	done
}

done_testing() {
	[ $FAILS -eq 0 ] && { echo "all checks passed"; exit 0; }
	show_logs
	echo "$FAILS checks failed"; exit 1
}

# Runs COMMAND (a shell function too) every 0.1 s until it succeeds, for
# up to SECONDS; fails if it never did. Fixed sleeps fail on a loaded machine.
wait_for() { # wait_for SECONDS COMMAND...
	wf_end=$(( $(now_ms) + $(awk -v s="$1" 'BEGIN { print int(s * 1000) }') )); shift
	until "$@"; do
		[ "$(now_ms)" -lt "$wf_end" ] || return 1
		sleep 0.1
	done
}
now_ms() { date +%s%3N; }

# As wait_for, but gives up as soon as process PID has died; then
# returns COMMAND's status once more.
wait_alive() { # wait_alive SECONDS PID COMMAND...
	wa_s=$1 wa_pid=$2; shift 2
	wait_for "$wa_s" done_or_dead "$wa_pid" "$@"
	"$@"
}
done_or_dead() { dd_pid=$1; shift; "$@" || dead "$dd_pid"; }

listening() { [ -n "$(ss -Hltn "sport = :$1")" ]; }
# Whether a TCP connection to HOST:PORT gets REPLY (all it says, within
# 5 s); what it got is in $ANSWER, for a check to show.
answers() { # answers HOST PORT REPLY
	ANSWER=$(timeout 5 socat -u "TCP:$1:$2" - 2>/dev/null)
	[ "$ANSWER" = "$3" ]
}
# Shell text for a guest's shell, which has no lib.sh: starts a TCP
# service on the guest's 127.0.0.1:PORT that says REPLY to each
# connection, and ends once it accepts one; fails if it did not in 30 s.
guest_service() { # guest_service PORT REPLY
	echo "nohup socat -U TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo $2' >/dev/null 2>&1 &
	timeout 30 sh -c 'until socat -u OPEN:/dev/null TCP:127.0.0.1:$1 2>/dev/null; do sleep 0.1; done'"
}
# Waits up to 30 s for a TCP listener on the host's PORT.
wait_listen() { wait_for 30 listening "$1"; }
# A TCP listener on PORT in the network namespace of process PID.
listening_in() { [ -n "$(nsenter --net="/proc/$1/ns/net" ss -Hltn "sport = :$2")" ]; }

# The terminal size a command on the far side of CLIENT sees, in a tmux
# window of COLSxROWS and after it is resized to COLS2xROWS2, each wait
# bounded by SECONDS. CLIENT, shell text, runs its last word, a shell
# command, on a PTY (ssh -tt HOST, msb agent exec --tty --). Sets
# PTY_SIZES to what stty size said, "ROWS COLS,ROWS2 COLS2".
pty_sizes() { # pty_sizes SECONDS COLS ROWS COLS2 ROWS2 CLIENT
	ps_sock="$TMP/tmux.sock"
	at_exit "tmux -S '$ps_sock' kill-server 2>/dev/null"
	tmux -S "$ps_sock" new-session -d -x "$2" -y "$3" \
		"$6 'trap \"stty size; exit 0\" WINCH; stty size; while :; do sleep 0.2; done' > '$TMP/size' 2>&1"
	wait_for "$1" has_lines 1 "$TMP/size" &&
		tmux -S "$ps_sock" resize-window -x "$4" -y "$5" &&
		wait_for "$1" has_lines 2 "$TMP/size"
	PTY_SIZES=$(tr -d '\r' <"$TMP/size" 2>/dev/null | paste -sd,)
}
has_lines() { [ -f "$2" ] && [ "$(wc -l < "$2")" -ge "$1" ]; } # has_lines N FILE

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_cmd() { for c; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }
# What msb ssh serve runs per connection, and the account its network child uses.
need_ssh_server() {
	for b in msb-monitor msb-preauth msb-session; do
		[ -x "$MSB_BUILDDIR/$b" ] || skip "$b not built"
	done
	id msb-preauth >/dev/null 2>&1 || skip "no msb-preauth user (scripts/install-deps.sh creates it)"
}

# For a test of msb ssh serve whose sandboxes are fake (no VM): root,
# the server's programs, OpenSSH's client, ssh-keygen, flock (for the
# fake sandbox's lock) and COMMANDs; msb's home in $TMP, its audit log
# at $AUDIT.
need_ssh_no_vm() { # need_ssh_no_vm [COMMAND...]
	need_root
	need_cmd ssh ssh-keygen flock "$@"
	export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
	need_ssh_server
	AUDIT="$MSB_HOME/ssh/audit.log"
}

# Whether the file FILE comes back whole through COMMAND, stdin to stdout.
echoes() { # echoes FILE COMMAND...
	ec_f=$1; shift
	[ "$("$@" <"$ec_f" | sha256sum)" = "$(sha256sum <"$ec_f")" ]
}

# Starts msb-agent on a Unix socket in $TMP; sets AGENT_SOCK and AGENT_PID.
# Extra arguments are a command prefix (e.g. a network namespace).
start_agent() {
	[ -x "$MSB_AGENT" ] || die "no agent at $MSB_AGENT (build first)"
	AGENT_SOCK="$TMP/agent.sock"
	"$@" "$MSB_AGENT" --listen "unix:$AGENT_SOCK" --log-level verbose 2>"$TMP/agent.log" &
	AGENT_PID=$!
	wait_alive 5 "$AGENT_PID" agent_answers && return 0
	cat "$TMP/agent.log"
	die "agent did not come up"
}
agent_answers() { [ -S "$AGENT_SOCK" ] && agent ping >/dev/null 2>&1; }

# Starts msb-agent in a private network namespace with only loopback, and
# there TCP servers on 127.0.0.1: 7001 echoes, 7002 answers "got-eof" after
# the client's EOF. EXTRA, shell text, starts more there (each appending
# its pid to "$NS_PIDS"). Sets AGENT_SOCK and AGENT_PID.
start_agent_netns() { # start_agent_netns [EXTRA]
	NS_PIDS="$TMP/ns-pids"
	: >"$NS_PIDS"
	at_exit "xargs -r kill < '$NS_PIDS' 2>/dev/null"
	AGENT_SOCK="$TMP/agent.sock"
	# Everything in the namespace is started by this one shell.
	cat >"$TMP/ns.sh" <<NS
NS_PIDS='$NS_PIDS'
ip link set lo up || exit 1
socat TCP-LISTEN:7001,bind=127.0.0.1,reuseaddr,fork EXEC:cat & echo \$! >> "\$NS_PIDS"
socat TCP-LISTEN:7002,bind=127.0.0.1,reuseaddr,fork SYSTEM:'cat >/dev/null; echo got-eof' & echo \$! >> "\$NS_PIDS"
${1:-}
exec "$MSB_AGENT" --listen "unix:$AGENT_SOCK" --log-level verbose
NS
	unshare --net sh "$TMP/ns.sh" 2>"$TMP/agent.log" &
	AGENT_PID=$!
	wait_alive 5 "$AGENT_PID" agent_answers || die "agent did not come up in its namespace"
	wait_for 5 listening_in "$AGENT_PID" 7001 && wait_for 5 listening_in "$AGENT_PID" 7002 ||
		die "no TCP servers in the agent's namespace"
}

# A shell function: never background it with & (then $! is a subshell and
# signals do not reach msb); background "$MSB" agent --socket ... instead.
agent() { "$MSB" agent --socket "$AGENT_SOCK" "$@"; }

# regress/mux-driver playing the monitor and the network child against a
# real msb-session, whose agent is at $DRV_AGENT (unix:PATH or vsock:PATH;
# by default the one start_agent started); each run is bounded by
# $DRV_TIMEOUT seconds (20 by default).
MUX_DRIVER="$MSB_BUILDDIR/regress/mux-driver"
need_mux_driver() {
	[ -x "$MUX_DRIVER" ] || die "no $MUX_DRIVER (make check-programs)"
	[ -x "$MSB_BUILDDIR/msb-session" ] || die "no msb-session (build first)"
}
drv() {
	timeout "${DRV_TIMEOUT:-20}" "$MUX_DRIVER" --session "$MSB_BUILDDIR/msb-session" \
		--agent "${DRV_AGENT:-unix:$AGENT_SOCK}" "$@"
}
# drv's command line as one string, for a program that runs it (sftp -D).
drv_line() {
	echo "$MUX_DRIVER --session $MSB_BUILDDIR/msb-session --agent ${DRV_AGENT:-unix:$AGENT_SOCK}"
}

# Starts "msb ssh serve SANDBOX ARGS..." in the background (stderr to
# $TMP/serve.log) and waits for its listening line; sets SERVE_PID and PORT.
serve_bg() {
	: >"$TMP/serve.log"
	"$MSB" ssh serve "$@" 2>"$TMP/serve.log" &
	SERVE_PID=$!
	at_exit "kill $SERVE_PID 2>/dev/null"
	wait_alive 5 "$SERVE_PID" serve_port || die "serve did not start"
}
# PORT from the listening line of $TMP/serve.log.
serve_port() { PORT=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$TMP/serve.log"); [ -n "$PORT" ]; }
# Ends the server serve_bg started; returns its exit status.
stop_bg() {
	kill -TERM "$SERVE_PID"
	wait_for 10 dead "$SERVE_PID"
	wait "$SERVE_PID"
}
# A process that is gone or a zombie waiting for its parent counts as dead.
dead() { ! [ -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# msb-sftp-server (or BINARY) behind $SFTP_SERVER, a wrapper that keeps its
# exit status: a crash must not pass unnoticed.
sftp_server_wrapper() { # sftp_server_wrapper [BINARY]
	SFTP_SERVER="$TMP/sftp-server-wrapper"
	printf '#!/bin/sh\n"%s" "$@"\necho $? >"%s"\n' "${1:-$MSB_SFTP_SERVER}" \
		"$TMP/sftp-server.status" >"$SFTP_SERVER" && chmod 755 "$SFTP_SERVER" ||
		die "cannot write $SFTP_SERVER"
}
# Runs OpenSSH's sftp on the batch on stdin, in $TMP/local, against
# SERVER-COMMAND (sftp -D; the wrapper, with arguments); its output goes to
# $TMP/sftp.log. Returns sftp's status; a server that did not exit 0 is a
# failed check.
run_sftp() { # run_sftp SERVER-COMMAND <BATCH
	# Written by the server's user, who may be unprivileged.
	: >"$TMP/sftp-server.status" && chmod 666 "$TMP/sftp-server.status"
	(cd "$TMP/local" && timeout 60 sftp -b - -D "$1") >"$TMP/sftp.log" 2>&1
	sftp_rc=$?
	sftp_st=$(cat "$TMP/sftp-server.status")
	[ "$sftp_st" = 0 ] || fail "the server did not exit cleanly (status '$sftp_st')"
	return $sftp_rc
}

# The largest number COMMAND printed, sampled every INTERVAL seconds until
# the file STOP appears: run it in the background, create STOP when done,
# then wait for it. It also stops once the test's shell has gone.
peak_until() { # peak_until STOP INTERVAL COMMAND...
	pu_stop=$1 pu_dt=$2; shift 2
	pu_max=0
	while [ ! -e "$pu_stop" ] && [ -e "/proc/$$" ]; do
		pu_v=$("$@")
		[ -n "$pu_v" ] && [ "$pu_v" -gt "$pu_max" ] && pu_max=$pu_v
		sleep "$pu_dt"
	done
	echo "$pu_max"
}

# Peak resident memory (VmHWM, KiB) of a process.
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# A sandbox that reads as running: its state says so and its lock is held,
# as a live vmm would hold it. No VM is needed for what this test checks.
fake_sandbox() {
	d="$MSB_HOME/sandboxes/$1"
	mkdir -p "$d"
	: >"$d/config"
	printf 'state=running\nvmm_pid=1\nqemu_pid=1\naccel=tcg\nstarted_at=1\nreason=\n' >"$d/state"
	# --no-fork: the lock's holder is sleep itself, so the kill at exit
	# leaves no orphan behind.
	flock --no-fork -x "$d/vmm.lock" sleep 600 &
	at_exit "kill $! 2>/dev/null"
	wait_for 5 reads "$1" running || die "fake sandbox $1 does not read as running"
}
# The state msb ls shows for sandbox NAME.
state_of() { "$MSB" ls 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; } # state_of NAME
reads() { [ "$(state_of "$1")" = "$2" ]; } # reads NAME STATE

# Installs libmsb into $TMP/stage and points pkg-config, the linker and the
# loader there (regress/stage-libmsb.sh), so an SDK builds against an
# installed libmsb found with `pkg-config msb`, as a user's would.
stage_libmsb() {
	STAGE="$TMP/stage"
	sh "$MSB_SRCDIR/regress/stage-libmsb.sh" "$MSB_BUILDDIR" "$STAGE" >"$TMP/stage.env" 2>"$TMP/stage.log" ||
		{ cat "$TMP/stage.log"; die "cannot stage libmsb"; }
	while IFS= read -r kv; do export "$kv"; done <"$TMP/stage.env"
}

# What every SDK's test runs against, under MSB_HOME=$TMP/home: sandbox
# dev booted (TCG, user network), sandbox stopped never started, and two
# Ed25519 key pairs $TMP/id and $TMP/id2 commented COMMENT and
# COMMENT-other (only the first is ever authorized).
sdk_sandboxes() { # sdk_sandboxes COMMENT
	export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
	at_exit '"$MSB" stop --force dev >/dev/null 2>&1'
	"$MSB" create dev --accel tcg --net user --disk-size 1G >/dev/null 2>&1 || die "create dev"
	"$MSB" create stopped --accel tcg --disk-size 256M >/dev/null 2>&1 || die "create stopped"
	"$MSB" start dev >/dev/null 2>&1 || die "start dev"
	ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$TMP/id" || die "ssh-keygen"
	ssh-keygen -q -t ed25519 -N '' -C "$1-other" -f "$TMP/id2" || die "ssh-keygen"
}

# Fake sandboxes (by default "box") whose agent runs on the host: what msb
# ssh serve needs to serve them without a VM.
host_agent_sandbox() { # host_agent_sandbox [NAME...]
	[ $# -gt 0 ] || set -- box
	for has_sb; do fake_sandbox "$has_sb"; done
	start_agent
	export MSB_SESSION_VSOCK="unix:$AGENT_SOCK"
}

# msb ssh serve for a fake sandbox "box" whose agent runs on the host (no
# VM), with the key $TMP/id authorized; $PORT is its port and $OPTS what
# ssh needs to log in with that key.
serve_host_agent() {
	host_agent_sandbox
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die ssh-keygen
	"$MSB" ssh authorize --file "$TMP/id.pub" 2>/dev/null || die authorize
	serve_bg box --port 0
	OPTS="-p $PORT -i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
}

# The cgroup hierarchy msb uses: $CG_V2 is the cgroup2 mount where it has
# the memory controller, else empty (the v1 controllers).
cgroup_v2_mount() {
	CG_V2=""
	for m in $(awk '$3 == "cgroup2" { print $2 }' /proc/mounts); do
		grep -qw memory "$m/cgroup.controllers" 2>/dev/null && { CG_V2=$m; break; }
	done
}
# The directory of PID's group for a controller (one for all under v2);
# needs cgroup_v2_mount first.
group_of() { # group_of PID CONTROLLER
	if [ -n "$CG_V2" ]; then
		echo "$CG_V2$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
	else
		mnt=$(awk -v c="$2" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { print $2; exit }' /proc/mounts)
		echo "$mnt$(awk -F: -v c="$2" '("," $2 ",") ~ ("," c ",") { print $3; exit }' "/proc/$1/cgroup")"
	fi
}
val() { head -n 1 "$1/$2" 2>/dev/null; }
# The memory limit, in bytes, of the group a process is in.
memory_limit_of() { # memory_limit_of PID
	g=$(group_of "$1" memory)
	if [ -n "$CG_V2" ]; then val "$g" memory.max; else val "$g" memory.limit_in_bytes; fi
}
