#!/bin/bash
# msb-sftp-server under OpenSSH's sftp client: directory listings, mkdir,
# rmdir, rm, rename, ln -s, ln, chmod, chown, chgrp, df, globbing, and
# names with spaces and quotes.
set -u

here=$(cd "$(dirname "$0")" && pwd)
MSB_BUILDDIR=${MSB_BUILDDIR:-$(cd "$here/../.." && pwd)}
server="$MSB_BUILDDIR/msb-sftp-server"

command -v sftp >/dev/null || { echo "SKIP: OpenSSH sftp client not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (chown)"; exit 77; }
[ -x "$server" ] || { echo "FAIL: $server not built"; exit 1; }

work=$(mktemp -d /tmp/msb-sftp-fileops.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
# The remote tree's parent is left alone, so ".." in listings stays unchanged.
mkdir -p "$work/local" "$work/parent/remote"
R="$work/parent/remote"

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

run_sftp() {
	rm -f "$work/server.status"
	(cd "$work/local" && timeout 30 sftp -b - -D "$work/server -d $R") \
	    > "$work/out" 2>&1
	local rc=$?
	if [ "$(cat "$work/server.status" 2>/dev/null)" != 0 ]; then
		echo "FAIL: server did not exit cleanly"
		fail=1
	fi
	return $rc
}

echo hello > "$R/a.txt"
echo world > "$R/b.txt"
echo log > "$R/c.log"
touch -d '2020-01-02 03:04:05' "$R/a.txt"
chmod 640 "$R/b.txt"
mkdir -m 1777 "$R/tmpdir"
ln -s a.txt "$R/link"
mkfifo "$R/fifo"

# Listings must read exactly as they do against OpenSSH's own server.
if [ -x /usr/lib/openssh/sftp-server ]; then
	for srv in "$work/server" /usr/lib/openssh/sftp-server; do
		printf 'ls -l\nls -ln\nls -la\nls -lS\nls -lt tmpdir\n' |
		    (cd "$work/local" && timeout 30 sftp -b - -D "$srv -d $R") > "$work/local/ls.$(basename "$srv")" 2>&1
	done
	check "ls -l/-ln/-la identical to OpenSSH's sftp-server" \
	    'cmp -s "$work/local/ls.server" "$work/local/ls.sftp-server"'
fi
run_sftp <<'EOB'
ls -l
ls -ln
mkdir sub
mkdir sub/deeper
rmdir sub/deeper
rename b.txt sub/b-renamed.txt
ln -s a.txt sym
ln a.txt hard
chmod 600 a.txt
chown 65534 c.log
chgrp 65534 c.log
df
df -i
ls -1 *.txt
ls sub/*
rm c.log
EOB
rc=$?
cp "$work/out" "$work/out1"
check "batch of file operations succeeds" '[ $rc -eq 0 ]'
check "ls -l shows mode, owner, size, old date" \
    'grep -Eq "^-rw-r--r-- +[?0-9]+ +root +root +6 Jan  2  2020 a.txt$" "$work/out1"'
check "ls -l shows a symlink, a fifo and a sticky directory" \
    'grep -q "^lrwxrwxrwx .* link$" "$work/out1" && grep -q "^prw-r--r-- .* fifo$" "$work/out1" && grep -q "^drwxrwxrwt .* tmpdir$" "$work/out1"'
check "mkdir made sub" '[ -d "$R/sub" ]'
check "rmdir removed sub/deeper" '[ ! -e "$R/sub/deeper" ]'
check "rename moved b.txt" '[ ! -e "$R/b.txt" ] && [ "$(cat "$R/sub/b-renamed.txt")" = world ]'
check "ln -s made a symlink to a.txt" '[ "$(readlink "$R/sym")" = a.txt ]'
check "ln made a hard link" '[ "$(stat -c %i "$R/hard")" = "$(stat -c %i "$R/a.txt")" ]'
check "chmod set 600" '[ "$(stat -c %a "$R/a.txt")" = 600 ]'
check "rm removed c.log" '[ ! -e "$R/c.log" ]'
check "df printed a size line" 'grep -Eq "^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+%" "$work/out1"'
check "glob *.txt listed only .txt files" \
    'grep -q "^a.txt$" "$work/out1" && ! grep -q "^c.log$" "$work/out1"'
check "glob sub/* found the renamed file" 'grep -q "sub/b-renamed.txt" "$work/out1"'

# chown/chgrp ran before rm; redo them on a file that stays to check the ids.
echo x > "$R/owned"
run_sftp <<'EOB'
chown 65534 owned
chgrp 65534 owned
EOB
check "chown and chgrp set nobody:nogroup" '[ "$(stat -c %u:%g "$R/owned")" = 65534:65534 ]'

# Names with spaces, quotes and a glob over them.
printf 'sp' > "$work/local/with space.txt"
printf 'sq' > "$work/local/it's.txt"
printf 'dq' > "$work/local/say \"hi\".txt"
run_sftp <<'EOB'
put "with space.txt"
put "it's.txt"
put 'say "hi".txt'
mkdir "dir with space"
rename "with space.txt" "dir with space/moved file.txt"
get "dir with space/moved file.txt" "back file.txt"
ls -l "dir with space"
EOB
rc=$?
cp "$work/out" "$work/out2"
check "quoted names round trip" '[ $rc -eq 0 ]'
check "space in names" '[ "$(cat "$R/dir with space/moved file.txt")" = sp ] && [ "$(cat "$work/local/back file.txt")" = sp ]'
check "single quote in name" '[ "$(cat "$R/it'"'"'s.txt")" = sq ]'
check "double quotes in name" '[ "$(cat "$R/say \"hi\".txt")" = dq ]'
check "listing of a spaced directory" 'grep -q "moved file.txt" "$work/out2"'

# Globbing get into a directory, and rm of a glob.
mkdir "$work/local/fetched"
for i in 1 2 3; do echo "$i" > "$R/g$i.dat"; done
run_sftp <<'EOB'
get g*.dat fetched/
rm g[12].dat
EOB
rc=$?
check "glob get and glob rm succeed" '[ $rc -eq 0 ]'
check "glob get fetched three files" '[ "$(cat "$work/local/fetched/"g*.dat | tr -d "\n")" = 123 ]'
check "glob rm removed two files" '[ ! -e "$R/g1.dat" ] && [ ! -e "$R/g2.dat" ] && [ -e "$R/g3.dat" ]'

# A large directory comes back complete (READDIR batches).
mkdir "$R/many"
(cd "$R/many" && seq 1 1000 | xargs touch)
run_sftp <<'EOB'
ls -1 many
EOB
rc=$?
check "listing of 1000 entries" '[ $rc -eq 0 ] && [ "$(grep -c "^many/[0-9]*$" "$work/out")" = 1000 ]'

exit $fail
