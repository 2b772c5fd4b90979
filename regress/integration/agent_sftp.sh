# The agent's SFTP request: OpenSSH's sftp client through the agent socket,
# served as the requested guest user.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd sftp
start_agent

chmod 755 "$TMP"
dir="$TMP/share"
mkdir -p "$dir" && chmod 1777 "$dir"
head -c 8388608 /dev/urandom > "$TMP/src"
cat > "$TMP/batch" <<B
cd $dir
put $TMP/src copy
get copy $TMP/back
mkdir sub
rename copy sub/moved
ls -l sub
B
sftp -b "$TMP/batch" -D "$MSB agent --socket $AGENT_SOCK sftp --user nobody" > "$TMP/out" 2>&1; rc=$?
cat "$TMP/out"
check_eq "sftp batch through the agent succeeds" 0 $rc
check "8 MiB put/get intact" cmp -s "$TMP/src" "$TMP/back"
check_eq "files are created as the guest user" "nobody" "$(stat -c %U "$dir/sub/moved")"
check "long listing names the owner" grep -q "nobody" "$TMP/out"

# A root-owned directory stays closed to nobody.
mkdir -m 755 "$TMP/private"
printf 'put %s %s/planted\n' "$TMP/src" "$TMP/private" > "$TMP/batch2"
sftp -b "$TMP/batch2" -D "$MSB agent --socket $AGENT_SOCK sftp --user nobody" > "$TMP/out2" 2>&1; rc=$?
cat "$TMP/out2"
check "writing into root's directory as nobody fails (exit $rc)" [ $rc -ne 0 ]
check "... with permission denied" grep -qi "permission denied" "$TMP/out2"
check "... and nothing was written" [ ! -e "$TMP/private/planted" ]

"$MSB" agent --socket "$AGENT_SOCK" sftp --user no-such-user </dev/null 2>"$TMP/err"; rc=$?
check_eq "unknown user exits 127" 127 $rc
check "unknown user is named" grep -q "no-such-user" "$TMP/err"
check "agent still serves" agent ping

done_testing
