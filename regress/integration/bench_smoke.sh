# bench/run --smoke: every figure of the bench runs (tiny sizes, same code
# paths) against all three peers, the table has a number in every peer's
# column, and the results file lands where --out says, not in the tree.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 python3 ssh sftp rsync socat ssh-keygen
[ -x /usr/sbin/sshd ] || skip "needs /usr/sbin/sshd (openssh-server)"

out="$TMP/results"
timeout --kill-after=10 300 "$MSB_SRCDIR/bench/run" --smoke --accel tcg --out "$out" \
	>"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
[ $rc -eq 77 ] && skip "$(tail -n 1 "$TMP/stderr")"
check_eq "bench/run --smoke exits 0" 0 $rc
[ $rc -eq 0 ] || { tail -n 30 "$TMP/stderr"; cat "$TMP/stdout"; }
grep '^|' "$TMP/stdout" >"$TMP/table"
# A figure that failed for one peer leaves its cell empty; say why.
grep '^bench: .* failed' "$TMP/stdout"

# Columns: figure | unit | msb | sshd (host) | sshd (guest) | ratios... | target | met
check "the table's columns are msb, sshd (host), sshd (guest)" \
	grep -q '^| figure | unit | msb | sshd (host) | sshd (guest) |' "$TMP/table"
num='^ *[0-9]+(\.[0-9]+)? *$'
for fig in 'connect+auth+`true`+close, median' 'connect+auth+`true`+close, p95' \
	'keystroke echo through a PTY' 'remote to local' 'local to remote `cat' \
	'sftp -b put' 'sftp -b get' 'files of 4 KiB, sftp' 'files of 4 KiB, rsync' \
	'ssh -L' 'concurrent `sleep 1`: time' 'concurrent `sleep 1`: succeeded' \
	'refused before auth' 'server RSS per idle connection' 'sandbox start to ready'; do
	line=$(grep -F "$fig" "$TMP/table" | head -n 1)
	vals=$(printf '%s\n' "$line" | awk -F'|' -v re="$num" \
		'{ n = 0; for (i = 4; i <= 6; i++) n += ($i ~ re); print n }')
	check_eq "figure '$fig' has a number for each of the 3 peers" 3 "${vals:-0}"
done
check_eq "every concurrent connection succeeded, for every peer" "5 5 5" \
	"$(grep -F '| 5 concurrent `sleep 1`: succeeded' "$TMP/table" | awk -F'|' '{ print $4 + 0, $5 + 0, $6 + 0 }')"
check "idle RSS is above zero for every peer" awk -F'|' \
	'/server RSS per idle/ { exit !($4 > 0 && $5 > 0 && $6 > 0) }' "$TMP/table"
check "the negotiated kex and cipher are named for every peer" awk -F'|' \
	'/negotiated kex/ { for (i = 4; i <= 6; i++) if ($i !~ /[a-z0-9-]+.* \/ [a-z0-9-]+/) exit 1; ok = 1 }
	 END { exit !ok }' "$TMP/table"
# The native-session figures are numbers once msb ssh NAME and libmsb are
# built, and say they are pending until then.
for fig in 'native `msb ssh NAME -- true`' 'C API connect+exec'; do
	check "figure '$fig' is a number or marked pending" \
		sh -c "grep -F '$fig' '$TMP/table' | awk -F'|' '\$4 ~ /[0-9]/ || /pending/ { ok = 1 } END { exit !ok }'"
done

f=$(ls "$out"/*-smoke.md 2>/dev/null | head -n 1)
check "a results file was written under --out" test -n "$f"
if [ -n "$f" ]; then
	for s in '## Results' '## Machine' '## What limits each figure' '## Raw numbers'; do
		check "the results file has '$s'" grep -qF "$s" "$f"
	done
	check "the results file names the accelerator" grep -q '^| accelerator (guests) | tcg' "$f"
	check "the index lists it" grep -qF "($(basename "$f"))" "$out/README.md"
fi
work=$(sed -n 's/^bench: work directory //p' "$TMP/stdout")
# A bracket keeps the pattern from matching the shell that runs pgrep.
pat=$(printf '%s\n' "${work:-/nonexistent}" | sed 's/\./[.]/g')
check "bench/run named its work directory" test -n "$work"
check "the work directory is gone" test ! -e "${work:-/nonexistent}/home"
check "no sandbox, sshd or sink of the bench is left running" \
	sh -c "! pgrep -f '$pat' >/dev/null"
done_testing
