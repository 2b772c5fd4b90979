#!/bin/bash
# Failing requests under OpenSSH's sftp client are reported as errors
# (sftp -b exits non-zero; "-" commands continue) and never take the
# server down: missing files, permission denied as an unprivileged user,
# non-empty rmdir, existing targets, a read-only session.
set -u

here=$(cd "$(dirname "$0")" && pwd)
MSB_BUILDDIR=${MSB_BUILDDIR:-$(cd "$here/../.." && pwd)}
server="$MSB_BUILDDIR/msb-sftp-server"

command -v sftp >/dev/null || { echo "SKIP: OpenSSH sftp client not installed"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (to run the server as nobody)"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
[ -x "$server" ] || { echo "FAIL: $server not built"; exit 1; }

work=$(mktemp -d /tmp/msb-sftp-errors.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/local" "$work/remote"
chmod 1777 "$work/remote"  # nobody may add files, not remove root's
R="$work/remote"
nogroup=$(id -gn nobody)

# nobody runs a copy: the checkout may be where nobody cannot reach
# (under /root, 0700 on Debian).
cp "$server" "$work/msb-sftp-server" && chmod 755 "$work/msb-sftp-server" || exit 1
# The wrapper records how the server ended: a crash must not pass unnoticed.
cat > "$work/server" <<EOS
#!/bin/sh
"$work/msb-sftp-server" "\$@"
echo \$? > "$work/server.status"
EOS
chmod 755 "$work/server"

fail=0
check() {
	if eval "$2"; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		sed 's/^/    /' "$work/out"
		fail=1
	fi
}

# run_sftp "server command" < batch; output in $work/out.
run_sftp() {
	# Written by the server's user, who may be nobody.
	: > "$work/server.status" && chmod 666 "$work/server.status"
	(cd "$work/local" && timeout 30 sftp -b - -D "$1") > "$work/out" 2>&1
	local rc=$?
	local st
	st=$(cat "$work/server.status" 2>/dev/null)
	if [ "$st" != 0 ]; then
		echo "FAIL: server did not exit cleanly (status '$st')"
		fail=1
	fi
	return $rc
}

as_root="$work/server -d $R"
as_nobody="setpriv --reuid=nobody --regid=$nogroup --clear-groups $work/server -d $R"

echo data > "$work/local/file"
mkdir "$R/full" && touch "$R/full/x"
mkdir "$R/secret" && echo s > "$R/secret/f" && chmod 700 "$R/secret"
echo mine > "$R/rootfile" && chmod 644 "$R/rootfile"

run_sftp "$as_root" <<'EOB'
get nosuch
EOB
rc=$?
check "get of a missing file fails the batch" '[ $rc -ne 0 ]'
check "missing file is reported as not found" 'grep -q "not found" "$work/out"'

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
check "errors in - commands do not stop the batch" '[ $rc -eq 0 ] && [ -f "$R/after-errors" ]'
check "rm of a missing file reports it" 'grep -q "remote delete .*: No such file" "$work/out"'
check "non-empty rmdir fails and keeps the directory" \
    'grep -q "remote rmdir .*: Failure" "$work/out" && [ -f "$R/full/x" ]'
check "mkdir of an existing directory fails" 'grep -q "remote mkdir .*: Failure" "$work/out"'
check "symlink over an existing file fails" 'grep -q "remote symlink .*: Failure" "$work/out"'
check "setstat of a missing file reports it" 'grep -q "remote setstat .*: No such file" "$work/out"'

run_sftp "$as_root" <<'EOB'
rmdir full
EOB
rc=$?
check "non-empty rmdir fails the batch" '[ $rc -ne 0 ]'

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
check "as nobody, the readable file still downloads" \
    '[ $rc -eq 0 ] && [ "$(cat "$work/local/readable-by-nobody")" = mine ]'
check "as nobody, listing a 0700 root directory is denied" \
    'grep -q "remote readdir.*: Permission denied" "$work/out"'
check "as nobody, changing root's file is denied" \
    'grep -q "remote delete .*: Permission denied" "$work/out" && grep -q "remote setstat .*: Permission denied" "$work/out"'
check "as nobody, nothing in the secret directory changed" \
    '[ ! -e "$R/secret/new" ] && [ ! -e "$R/secret/sub" ] && [ ! -e "$work/local/f" ]'
check "as nobody, root's file is untouched" \
    '[ -f "$R/rootfile" ] && [ "$(stat -c %a:%u "$R/rootfile")" = 644:0 ]'

run_sftp "$as_nobody" <<'EOB'
get secret/f
EOB
rc=$?
check "unreadable file fails the batch" '[ $rc -ne 0 ]'
run_sftp "$as_nobody" <<'EOB'
put file secret/new
EOB
rc=$?
check "permission denied on upload fails the batch" '[ $rc -ne 0 ] && grep -q "Permission denied" "$work/out"'

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
check "read-only session still reads" '[ $rc -eq 0 ] && [ -f "$work/local/ro-copy" ]'
check "read-only session refuses every change" \
    '[ ! -e "$R/ro-new" ] && [ ! -e "$R/ro-dir" ] && [ ! -e "$R/ro-renamed" ] && [ ! -e "$R/ro-link" ] && [ "$(stat -c %a "$R/rootfile")" = 644 ]'

exit $fail
