#!/bin/bash
# msb-sftp-server under OpenSSH's sftp client: a 64 MiB random file up and
# down (sha256 compared), resumed transfers (put -a / get -a), server-side
# copy (copy-data), and a clean server exit afterwards.
set -u

here=$(cd "$(dirname "$0")" && pwd)
MSB_BUILDDIR=${MSB_BUILDDIR:-$(cd "$here/../.." && pwd)}
server="$MSB_BUILDDIR/msb-sftp-server"

command -v sftp >/dev/null || { echo "SKIP: OpenSSH sftp client not installed"; exit 77; }
command -v sha256sum >/dev/null || { echo "SKIP: sha256sum missing"; exit 77; }
[ -x "$server" ] || { echo "FAIL: $server not built"; exit 1; }

work=$(mktemp -d /tmp/msb-sftp-transfer.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir "$work/local" "$work/remote"

# The wrapper records how the server ended: a crash must not pass unnoticed.
cat > "$work/server" <<EOS
#!/bin/sh
"$server" "\$@"
echo \$? > "$work/server.status"
EOS
chmod +x "$work/server"

fail=0
check() {
	if eval "$2"; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		fail=1
	fi
}

# Runs a batch (stdin) in the local dir against the remote dir.
run_sftp() {
	rm -f "$work/server.status"
	(cd "$work/local" && timeout 60 sftp -q -b - -D "$work/server -d $work/remote") \
	    > "$work/out" 2>&1
	local rc=$?
	if [ "$(cat "$work/server.status" 2>/dev/null)" != 0 ]; then
		echo "FAIL: server did not exit cleanly (status $(cat "$work/server.status" 2>/dev/null))"
		cat "$work/out"
		fail=1
	fi
	return $rc
}

sum() { sha256sum "$1" | cut -d' ' -f1; }

head -c 64M /dev/urandom > "$work/local/big.bin" || exit 1
want=$(sum "$work/local/big.bin")

run_sftp <<'EOB'
put big.bin up.bin
get up.bin down.bin
cp up.bin copy.bin
EOB
rc=$?
check "put/get/cp of 64 MiB succeed" '[ $rc -eq 0 ]'
check "uploaded file intact" '[ "$(sum "$work/remote/up.bin")" = "$want" ]'
check "downloaded file intact" '[ "$(sum "$work/local/down.bin")" = "$want" ]'
check "server-side copy intact" '[ "$(sum "$work/remote/copy.bin")" = "$want" ]'

# Resume: a partial upload and a partial download are completed.
head -c 10000000 "$work/local/big.bin" > "$work/remote/partial-up.bin"
head -c 33333333 "$work/local/big.bin" > "$work/local/partial-down.bin"
run_sftp <<'EOB'
put -a big.bin partial-up.bin
get -a up.bin partial-down.bin
EOB
rc=$?
check "put -a / get -a succeed" '[ $rc -eq 0 ]'
check "resumed upload intact" '[ "$(sum "$work/remote/partial-up.bin")" = "$want" ]'
check "resumed download intact" '[ "$(sum "$work/local/partial-down.bin")" = "$want" ]'

# Small and empty files, and a preserved mode and mtime (put -p / get -p).
: > "$work/local/empty"
printf 'x' > "$work/local/one"
chmod 640 "$work/local/one"
touch -d '2001-02-03 04:05:06' "$work/local/one"
run_sftp <<'EOB'
put empty
put -p one
get -p one one.back
EOB
rc=$?
check "small transfers succeed" '[ $rc -eq 0 ]'
check "empty file uploaded" '[ -f "$work/remote/empty" ] && [ ! -s "$work/remote/empty" ]'
check "put -p keeps mode" '[ "$(stat -c %a "$work/remote/one")" = 640 ]'
check "put -p keeps mtime" '[ "$(stat -c %Y "$work/remote/one")" = "$(stat -c %Y "$work/local/one")" ]'
check "get -p round trip" '[ "$(cat "$work/local/one.back")" = x ] && [ "$(stat -c %Y "$work/local/one.back")" = "$(stat -c %Y "$work/local/one")" ]'

exit $fail
