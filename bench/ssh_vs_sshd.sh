#!/bin/sh
# msb ssh serve side by side with OpenSSH's sshd on this host, same client,
# same key type, alternating runs; prints a Markdown table of medians and
# ratios. msb's commands run inside a TCG microVM; sshd's on the host.
#
#   bench/ssh_vs_sshd.sh [RUNS]      (run as root from a built tree)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${MSB_BUILDDIR:-$top}
RUNS=${1:-20}
work=$(mktemp -d /tmp/msb-bench.XXXXXX)
export MSB_HOME="$work/home" MSB_LIBEXECDIR="$B"
MSB="$B/msb"
cleanup() {
	[ -n "${SERVE:-}" ] && kill "$SERVE" 2>/dev/null
	[ -f "$work/sshd.pid" ] && kill "$(cat "$work/sshd.pid")" 2>/dev/null
	"$MSB" stop --force bench >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/id"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
cp "$work/id.pub" "$work/authorized_keys"
mkdir -p /run/sshd
cat > "$work/sshd_config" <<C
Port 2399
ListenAddress 127.0.0.1
HostKey $work/hostkey
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile $work/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
# libssh 0.10 has no sntrup761x25519: compare like with like.
KexAlgorithms curve25519-sha256
C
/usr/sbin/sshd -f "$work/sshd_config" || { echo "sshd did not start" >&2; exit 1; }

"$MSB" create bench --accel tcg --disk-size 2G >/dev/null 2>&1
"$MSB" ssh authorize --file "$work/id.pub" >/dev/null 2>&1
"$MSB" ssh serve bench --port 2398 2>"$work/serve.log" & SERVE=$!
for _ in $(seq 600); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done

O="-i $work/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes"
msb_ssh() { ssh -p 2398 $O root@127.0.0.1 "$@"; }
sshd_ssh() { ssh -p 2399 $O root@127.0.0.1 "$@"; }
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# 1. connect + auth + true + close, alternating
: > "$work/t.msb"; : > "$work/t.sshd"
for i in $(seq "$RUNS"); do
	for peer in msb sshd; do
		s=$(now); ${peer}_ssh true; e=$(now)
		awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f\n", (e - s) * 1000 }' >> "$work/t.$peer"
	done
done
# 2. 1 GiB stream out
mbps() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f", b / 1048576 / (e - s) }'; }
for peer in msb sshd; do
	s=$(now); ${peer}_ssh 'head -c 1073741824 /dev/zero' > /dev/null; e=$(now)
	mbps 1073741824 "$s" "$e" > "$work/s.$peer"
done
# 3. SFTP put/get of 256 MiB
head -c 268435456 /dev/urandom > "$work/f256"
for peer in msb sshd; do
	p=$([ $peer = msb ] && echo 2398 || echo 2399)
	printf 'put %s /root/f256\n' "$work/f256" > "$work/b.put"
	printf 'get /root/f256 %s/f256.back\n' "$work" > "$work/b.get"
	s=$(now); sftp -b "$work/b.put" -P $p $O root@127.0.0.1 >/dev/null; e=$(now); mbps 268435456 "$s" "$e" > "$work/p.$peer"
	s=$(now); sftp -b "$work/b.get" -P $p $O root@127.0.0.1 >/dev/null; e=$(now); mbps 268435456 "$s" "$e" > "$work/g.$peer"
	cmp -s "$work/f256" "$work/f256.back" || echo "WARNING: $peer sftp round trip differs" >&2
	[ $peer = sshd ] && rm -f /root/f256
done
# 4. idle connection RSS (sum over its processes)
msb_ssh 'sleep 20' & a=$!; sleep 4
msb_rss=$(for p in $(pgrep -f 'msb-(monitor|preauth|session)'); do awk '/^VmRSS:/ { print $2 }' /proc/$p/status; done | awk '{ s += $1 } END { print s }')
kill $a 2>/dev/null
sshd_ssh 'sleep 20' & a=$!; sleep 4
sshd_rss=$(for p in $(pgrep -f 'sshd: root'); do awk '/^VmRSS:/ { print $2 }' /proc/$p/status; done | awk '{ s += $1 } END { print s }')
kill $a 2>/dev/null

kex=$(ssh -v -p 2398 $O root@127.0.0.1 true 2>&1 | sed -n 's/.*kex: algorithm: //p' | head -n 1)
cipher=$(ssh -v -p 2398 $O root@127.0.0.1 true 2>&1 | sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' | head -n 1)
skex=$(ssh -v -p 2399 $O root@127.0.0.1 true 2>&1 | sed -n 's/.*kex: algorithm: //p' | head -n 1)
scipher=$(ssh -v -p 2399 $O root@127.0.0.1 true 2>&1 | sed -n 's/.*kex: server->client cipher: \([^ ]*\).*/\1/p' | head -n 1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mt=$(median < "$work/t.msb"); st=$(median < "$work/t.sshd")
echo "| figure | msb (TCG guest) | sshd (host) | msb/sshd |"
echo "|---|---|---|---|"
echo "| kex / cipher | $kex / $cipher | $skex / $scipher | |"
echo "| connect+auth+true, median of $RUNS (ms) | $mt | $st | $(ratio "$mt" "$st") |"
echo "| head -c 1G /dev/zero (MiB/s) | $(cat "$work/s.msb") | $(cat "$work/s.sshd") | $(ratio "$(cat "$work/s.msb")" "$(cat "$work/s.sshd")") |"
echo "| sftp put 256 MiB (MiB/s) | $(cat "$work/p.msb") | $(cat "$work/p.sshd") | $(ratio "$(cat "$work/p.msb")" "$(cat "$work/p.sshd")") |"
echo "| sftp get 256 MiB (MiB/s) | $(cat "$work/g.msb") | $(cat "$work/g.sshd") | $(ratio "$(cat "$work/g.msb")" "$(cat "$work/g.sshd")") |"
echo "| idle connection RSS (KiB, all its processes) | $msb_rss | $sshd_rss | $(ratio "$msb_rss" "$sshd_rss") |"
