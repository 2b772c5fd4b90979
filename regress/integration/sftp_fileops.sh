#!/bin/bash
# msb-sftp-server under OpenSSH's sftp client: directory listings, mkdir,
# rmdir, rm, rename, ln -s, ln, chmod, chown, chgrp, df, globbing, and
# names with spaces and quotes.
. "$(dirname "$0")/../lib.sh"
need_cmd sftp
need_root
[ -x "$MSB_SFTP_SERVER" ] || die "$MSB_SFTP_SERVER not built"
# The remote tree's parent is left alone, so ".." in listings stays unchanged.
mkdir -p "$TMP/local" "$TMP/parent/remote"
R="$TMP/parent/remote"
sftp_server_wrapper
SERVER="$SFTP_SERVER -d $R"

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
	printf 'ls -l\nls -ln\nls -la\nls -lS\nls -lt tmpdir\n' >"$TMP/ls.batch"
	run_sftp "$SERVER" <"$TMP/ls.batch"
	cp "$TMP/sftp.log" "$TMP/ls.ours"
	(cd "$TMP/local" && timeout 30 sftp -b - -D "/usr/lib/openssh/sftp-server -d $R") \
	    <"$TMP/ls.batch" >"$TMP/ls.theirs" 2>&1
	check "ls -l/-ln/-la identical to OpenSSH's sftp-server" cmp -s "$TMP/ls.ours" "$TMP/ls.theirs"
fi
run_sftp "$SERVER" <<'EOB'
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
cp "$TMP/sftp.log" "$TMP/out1"
check_eq "batch of file operations succeeds" 0 "$rc"
check_sh "ls -l shows mode, owner, size, old date" \
    'grep -Eq "^-rw-r--r-- +[?0-9]+ +root +root +6 Jan  2  2020 a.txt$" "$TMP/out1"'
check_sh "ls -l shows a symlink, a fifo and a sticky directory" \
    'grep -q "^lrwxrwxrwx .* link$" "$TMP/out1" && grep -q "^prw-r--r-- .* fifo$" "$TMP/out1" && grep -q "^drwxrwxrwt .* tmpdir$" "$TMP/out1"'
check_sh "mkdir made sub" '[ -d "$R/sub" ]'
check_sh "rmdir removed sub/deeper" '[ ! -e "$R/sub/deeper" ]'
check_sh "rename moved b.txt" '[ ! -e "$R/b.txt" ] && [ "$(cat "$R/sub/b-renamed.txt")" = world ]'
check_eq "ln -s made a symlink to a.txt" a.txt "$(readlink "$R/sym")"
check_sh "ln made a hard link" '[ "$(stat -c %i "$R/hard")" = "$(stat -c %i "$R/a.txt")" ]'
check_eq "chmod set 600" 600 "$(stat -c %a "$R/a.txt")"
check_sh "rm removed c.log" '[ ! -e "$R/c.log" ]'
check_sh "df printed a size line" 'grep -Eq "^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+%" "$TMP/out1"'
check_sh "glob *.txt listed only .txt files" \
    'grep -q "^a.txt$" "$TMP/out1" && ! grep -q "^c.log$" "$TMP/out1"'
check_sh "glob sub/* found the renamed file" 'grep -q "sub/b-renamed.txt" "$TMP/out1"'

# chown/chgrp ran before rm; redo them on a file that stays to check the ids.
echo x > "$R/owned"
run_sftp "$SERVER" <<'EOB'
chown 65534 owned
chgrp 65534 owned
EOB
check_eq "chown and chgrp set nobody:nogroup" 65534:65534 "$(stat -c %u:%g "$R/owned")"

# Names with spaces, quotes and a glob over them.
printf 'sp' > "$TMP/local/with space.txt"
printf 'sq' > "$TMP/local/it's.txt"
printf 'dq' > "$TMP/local/say \"hi\".txt"
run_sftp "$SERVER" <<'EOB'
put "with space.txt"
put "it's.txt"
put 'say "hi".txt'
mkdir "dir with space"
rename "with space.txt" "dir with space/moved file.txt"
get "dir with space/moved file.txt" "back file.txt"
ls -l "dir with space"
EOB
rc=$?
cp "$TMP/sftp.log" "$TMP/out2"
check_eq "quoted names round trip" 0 "$rc"
check_sh "space in names" '[ "$(cat "$R/dir with space/moved file.txt")" = sp ] && [ "$(cat "$TMP/local/back file.txt")" = sp ]'
check_sh "single quote in name" '[ "$(cat "$R/it'"'"'s.txt")" = sq ]'
check_eq "double quotes in name" dq "$(cat "$R/say \"hi\".txt")"
check_sh "listing of a spaced directory" 'grep -q "moved file.txt" "$TMP/out2"'

# Globbing get into a directory, and rm of a glob.
mkdir "$TMP/local/fetched"
for i in 1 2 3; do echo "$i" > "$R/g$i.dat"; done
run_sftp "$SERVER" <<'EOB'
get g*.dat fetched/
rm g[12].dat
EOB
rc=$?
check_eq "glob get and glob rm succeed" 0 "$rc"
check_eq "glob get fetched three files" 123 "$(cat "$TMP/local/fetched/"g*.dat | tr -d "\n")"
check_sh "glob rm removed two files" '[ ! -e "$R/g1.dat" ] && [ ! -e "$R/g2.dat" ] && [ -e "$R/g3.dat" ]'

# A large directory comes back complete (READDIR batches).
mkdir "$R/many"
(cd "$R/many" && seq 1 1000 | xargs touch)
run_sftp "$SERVER" <<'EOB'
ls -1 many
EOB
rc=$?
check_sh "listing of 1000 entries" '[ $rc -eq 0 ] && [ "$(grep -c "^many/[0-9]*$" "$TMP/sftp.log")" = 1000 ]'

done_testing
