#!/bin/sh
# regress/leftovers.sh SINCE BEFORE: fails if the tests left anything behind
# (a process of the kinds they start, begun after unix time SINCE, or a
# /tmp/msb* entry not listed in the file BEFORE), names it, and ends it.
# A process is this run's when it carries this run's MSB_TEST_RUN; one with
# none (started through sshd, say) is counted only under CI, where no other
# run shares the machine. Files are removed only under CI for the same
# reason. A process still exiting (a monitor's leak check under ASan, say)
# gets 15 s.
set -u
since=$1 before=$2
pattern='qemu-system|msb-(vmm|monitor|session|preauth|agent|sftp-server)|(^|/)msb |sleep [0-9]|sshd|socat|flock|tmux|dbclient|http\.server'

ours() { # ours PID: whether the process belongs to this run
	tag=$(tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | sed -n 's/^MSB_TEST_RUN=//p')
	[ "$tag" = "${MSB_TEST_RUN:-}" ] && [ -n "$tag" ] && return 0
	[ -z "$tag" ] && [ -n "${CI:-}" ]
}

procs() {
	now=$(date +%s)
	# The pattern goes through the environment: in awk's own arguments it
	# would match awk.
	ps -eo pid=,etimes=,args= | RE=$pattern awk -v age=$((now - since)) \
		'$2 <= age { a = $0; sub(/^ *[0-9]+ +[0-9]+ +/, "", a); if (a ~ ENVIRON["RE"]) print $1 " " a }' |
	while read -r pid args; do
		[ "$pid" != $$ ] && ours "$pid" && echo "$pid $args"
	done
}

left=""
for _ in $(seq 150); do
	left=$(procs)
	[ -z "$left" ] && break
	sleep 0.1
done
files=$(ls -1d /tmp/msb* 2>/dev/null | grep -vxF -f "$before")
status=0
if [ -n "$left" ]; then
	echo "FAIL: processes left running:"
	printf '%s\n' "$left" | sed 's/^/    /'
	printf '%s\n' "$left" | awk '{ print $1 }' | xargs -r kill -9 2>/dev/null
	status=1
fi
if [ -n "$files" ]; then
	echo "FAIL: left in /tmp:"
	printf '%s\n' "$files" | sed 's/^/    /'
	[ -n "${CI:-}" ] && printf '%s\n' "$files" | xargs -r rm -rf
	status=1
fi
[ $status -eq 0 ] && echo "ok: nothing left running or in /tmp"
exit $status
