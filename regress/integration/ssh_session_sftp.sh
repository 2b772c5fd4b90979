# subsystem sftp through msb-session, driven by OpenSSH's sftp client
# (sftp -D runs mux-driver as its "server"), and the subsystem policy.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd sftp
need_mux_driver
start_agent
DRV=$(drv_line)

mkdir "$TMP/dir"
head -c 33554432 /dev/urandom > "$TMP/big"
cat > "$TMP/batch" <<B
put $TMP/big $TMP/dir/up
get $TMP/dir/up $TMP/down
mkdir $TMP/dir/sub
rename $TMP/dir/up $TMP/dir/sub/moved
ls $TMP/dir/sub
B
timeout 60 sftp -b "$TMP/batch" -D "$DRV subsystem sftp" > "$TMP/out" 2>&1; rc=$?
check_eq "sftp -b over msb-session" 0 "$rc"
check_eq "put then get: 32 MiB intact" "$(sha256sum < "$TMP/big")" "$(sha256sum < "$TMP/down")"
check "rename and ls" grep -q "sub/moved" "$TMP/out"

drv subsystem nope </dev/null 2>"$TMP/err"; rc=$?
check "unknown subsystem refused (exit $rc)" grep -q "subsystem refused" "$TMP/err"
drv --flags no-sftp subsystem sftp </dev/null 2>"$TMP/err"
check "no-sftp: subsystem refused" grep -q "subsystem refused" "$TMP/err"
timeout 20 sftp -b "$TMP/batch" -D "$DRV --flags no-sftp subsystem sftp" >/dev/null 2>&1; rc=$?
check "no-sftp: the sftp client fails (exit $rc)" [ "$rc" -ne 0 ]
echo "ls /" > "$TMP/b2"
timeout 20 sftp -b "$TMP/b2" -D "$DRV --guest-user no-such-user subsystem sftp" >/dev/null 2>"$TMP/err"; rc=$?
check "sftp as an unknown user fails (exit $rc)" [ "$rc" -ne 0 ]
check "... saying why" grep -q "unknown user" "$TMP/err"
done_testing
