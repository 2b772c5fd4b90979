#!/bin/bash
# Failing requests under OpenSSH's sftp client are reported as errors
# (sftp -b exits non-zero; "-" commands continue) and never take the
# server down: missing files, permission denied as an unprivileged user,
# non-empty rmdir, existing targets, a read-only session.
. "$(dirname "$0")/../lib.sh"
need_cmd sftp setpriv
need_root
id nobody >/dev/null 2>&1 || skip "no user nobody"
[ -x "$MSB_SFTP_SERVER" ] || die "$MSB_SFTP_SERVER not built"

chmod 755 "$TMP"
mkdir "$TMP/local" "$TMP/remote"
chmod 1777 "$TMP/remote"  # nobody may add files, not remove root's
R="$TMP/remote"
nogroup=$(id -gn nobody)

# nobody runs a copy: the checkout may be where nobody cannot reach
# (under /root, 0700 on Debian).
cp "$MSB_SFTP_SERVER" "$TMP/msb-sftp-server" && chmod 755 "$TMP/msb-sftp-server" || die "cp"
sftp_server_wrapper "$TMP/msb-sftp-server"
# A failed check shows what sftp said.
check_out() { check_sh "$@" || sed 's/^/    /' "$TMP/sftp.log"; }

as_root="$SFTP_SERVER -d $R"
as_nobody="setpriv --reuid=nobody --regid=$nogroup --clear-groups $SFTP_SERVER -d $R"

echo data > "$TMP/local/file"
mkdir "$R/full" && touch "$R/full/x"
mkdir "$R/secret" && echo s > "$R/secret/f" && chmod 700 "$R/secret"
echo mine > "$R/rootfile" && chmod 644 "$R/rootfile"

run_sftp "$as_root" <<'EOB'
get nosuch
EOB
rc=$?
check_out "get of a missing file fails the batch" '[ $rc -ne 0 ]'
check_out "missing file is reported as not found" 'grep -q "not found" "$TMP/sftp.log"'

run_sftp "$as_root" <<'EOB'
-get nosuch
-rm nosuch
-rmdir full
-mkdir full
-ls nosuchdir
-cd nosuchdir
-chmod 600 nosuch
-ln -s x full/x
-rename nosuch other
put file after-errors
EOB
rc=$?
check_out "errors in - commands do not stop the batch" '[ $rc -eq 0 ] && [ -f "$R/after-errors" ]'
check_out "rm of a missing file reports it" 'grep -q "remote delete .*: No such file" "$TMP/sftp.log"'
check_out "non-empty rmdir fails and keeps the directory" \
    'grep -q "remote rmdir .*: Failure" "$TMP/sftp.log" && [ -f "$R/full/x" ]'
check_out "mkdir of an existing directory fails" 'grep -q "remote mkdir .*: Failure" "$TMP/sftp.log"'
check_out "symlink over an existing file fails" 'grep -q "remote symlink .*: Failure" "$TMP/sftp.log"'
check_out "setstat of a missing file reports it" 'grep -q "remote setstat .*: No such file" "$TMP/sftp.log"'

run_sftp "$as_root" <<'EOB'
rmdir full
EOB
rc=$?
check_out "non-empty rmdir fails the batch" '[ $rc -ne 0 ]'

run_sftp "$as_nobody" <<'EOB'
-ls secret
-get secret/f
-put file secret/new
-rm rootfile
-chmod 666 rootfile
-chown 65534 rootfile
-mkdir secret/sub
get rootfile readable-by-nobody
EOB
rc=$?
check_out "as nobody, the readable file still downloads" \
    '[ $rc -eq 0 ] && [ "$(cat "$TMP/local/readable-by-nobody")" = mine ]'
check_out "as nobody, listing a 0700 root directory is denied" \
    'grep -q "remote readdir.*: Permission denied" "$TMP/sftp.log"'
check_out "as nobody, changing root's file is denied" \
    'grep -q "remote delete .*: Permission denied" "$TMP/sftp.log" && grep -q "remote setstat .*: Permission denied" "$TMP/sftp.log"'
check_out "as nobody, nothing in the secret directory changed" \
    '[ ! -e "$R/secret/new" ] && [ ! -e "$R/secret/sub" ] && [ ! -e "$TMP/local/f" ]'
check_out "as nobody, root's file is untouched" \
    '[ -f "$R/rootfile" ] && [ "$(stat -c %a:%u "$R/rootfile")" = 644:0 ]'

run_sftp "$as_nobody" <<'EOB'
get secret/f
EOB
rc=$?
check_out "unreadable file fails the batch" '[ $rc -ne 0 ]'
run_sftp "$as_nobody" <<'EOB'
put file secret/new
EOB
rc=$?
check_out "permission denied on upload fails the batch" '[ $rc -ne 0 ] && grep -q "Permission denied" "$TMP/sftp.log"'

# Read-only session (-R): reads work, every change is refused.
run_sftp "$as_root -R" <<'EOB'
get rootfile ro-copy
-put file ro-new
-rm rootfile
-mkdir ro-dir
-rename rootfile ro-renamed
-chmod 600 rootfile
-ln -s rootfile ro-link
EOB
rc=$?
check_out "read-only session still reads" '[ $rc -eq 0 ] && [ -f "$TMP/local/ro-copy" ]'
check_out "read-only session refuses every change" \
    '[ ! -e "$R/ro-new" ] && [ ! -e "$R/ro-dir" ] && [ ! -e "$R/ro-renamed" ] && [ ! -e "$R/ro-link" ] && [ "$(stat -c %a "$R/rootfile")" = 644 ]'

done_testing
