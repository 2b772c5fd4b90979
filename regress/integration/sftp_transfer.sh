#!/bin/bash
# msb-sftp-server under OpenSSH's sftp client: a 64 MiB random file up and
# down (sha256 compared), resumed transfers (put -a / get -a), server-side
# copy (copy-data), and a clean server exit afterwards.
. "$(dirname "$0")/../lib.sh"
need_cmd sftp sha256sum
[ -x "$MSB_SFTP_SERVER" ] || die "$MSB_SFTP_SERVER not built"
mkdir "$TMP/local" "$TMP/remote"
sftp_server_wrapper
SERVER="$SFTP_SERVER -d $TMP/remote"

sum() { sha256sum "$1" | cut -d' ' -f1; }

head -c 64M /dev/urandom > "$TMP/local/big.bin" || die "no random data"
want=$(sum "$TMP/local/big.bin")

run_sftp "$SERVER" <<'EOB'
put big.bin up.bin
get up.bin down.bin
cp up.bin copy.bin
EOB
rc=$?
check_eq "put/get/cp of 64 MiB succeed" 0 "$rc"
check_eq "uploaded file intact" "$want" "$(sum "$TMP/remote/up.bin")"
check_eq "downloaded file intact" "$want" "$(sum "$TMP/local/down.bin")"
check_eq "server-side copy intact" "$want" "$(sum "$TMP/remote/copy.bin")"

# Resume: a partial upload and a partial download are completed.
head -c 10000000 "$TMP/local/big.bin" > "$TMP/remote/partial-up.bin"
head -c 33333333 "$TMP/local/big.bin" > "$TMP/local/partial-down.bin"
run_sftp "$SERVER" <<'EOB'
put -a big.bin partial-up.bin
get -a up.bin partial-down.bin
EOB
rc=$?
check_eq "put -a / get -a succeed" 0 "$rc"
check_eq "resumed upload intact" "$want" "$(sum "$TMP/remote/partial-up.bin")"
check_eq "resumed download intact" "$want" "$(sum "$TMP/local/partial-down.bin")"

# Small and empty files, and a preserved mode and mtime (put -p / get -p).
: > "$TMP/local/empty"
printf 'x' > "$TMP/local/one"
chmod 640 "$TMP/local/one"
touch -d '2001-02-03 04:05:06' "$TMP/local/one"
run_sftp "$SERVER" <<'EOB'
put empty
put -p one
get -p one one.back
EOB
rc=$?
check_eq "small transfers succeed" 0 "$rc"
check_sh "empty file uploaded" '[ -f "$TMP/remote/empty" ] && [ ! -s "$TMP/remote/empty" ]'
check_eq "put -p keeps mode" 640 "$(stat -c %a "$TMP/remote/one")"
check_sh "put -p keeps mtime" '[ "$(stat -c %Y "$TMP/remote/one")" = "$(stat -c %Y "$TMP/local/one")" ]'
check_sh "get -p round trip" '[ "$(cat "$TMP/local/one.back")" = x ] && [ "$(stat -c %Y "$TMP/local/one.back")" = "$(stat -c %Y "$TMP/local/one")" ]'

done_testing
