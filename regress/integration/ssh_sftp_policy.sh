# msb ssh serve --sftp-deny, --sftp-allow and --sftp-read-only, end to end
# with OpenSSH's sftp client in batch mode against a booted sandbox (one
# TCG boot, its image built with this tree's agent), each run side by side
# with OpenSSH's own sftp-server given the same -P, -p or -R on an
# identical tree at the same path: for every request name, the deny list
# refuses it ("Permission denied", or the extension is not advertised) and
# the next command works; the allow list lets the request (with what its
# command needs) through and refuses the rest; read-only refuses the
# writes, also over TCP. The output of each run and the extensions the
# client was told of must be OpenSSH's. An unknown request name stops
# serve at startup. About 40 s here.
# msb-test-timeout: 300
. "$(dirname "$0")/../lib.sh"
need_root
need_ssh_server
need_cmd qemu-system-x86_64 sftp ssh ssh-keygen
REF=/usr/lib/openssh/sftp-server
[ -x "$REF" ] || skip "no OpenSSH sftp-server at $REF"
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
at_exit '"$MSB" stop --force box >/dev/null 2>&1'

# --- checks at startup, before anything is served ------------------------------
"$MSB" create box --accel tcg --disk-size 256M >"$TMP/out" 2>&1 || die "create: $(cat "$TMP/out")"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die ssh-keygen
"$MSB" ssh authorize --file "$TMP/id.pub" 2>/dev/null || die authorize
for bad in "--sftp-deny open,bogus" "--sftp-allow realpath,OPEN" "--sftp-allow ''" "--sftp-deny open,"; do
	eval "timeout 10 \"\$MSB\" ssh serve box --port 0 $bad" >"$TMP/out" 2>&1; rc=$?
	check_sh "serve $bad: refused at startup (exit $rc)" \
		'[ $rc = 1 ] && grep -q "sftp-.*request" "$TMP/out" && ! grep -q listening "$TMP/out"'
done
timeout 10 "$MSB" ssh serve box --stdio --sftp-allow realpath,OPEN </dev/null >"$TMP/out" 2>&1
check "... naming the unknown request" grep -q '"OPEN"' "$TMP/out"

timeout 300 "$MSB" start box >"$TMP/start.log" 2>&1 || die "start: $(cat "$TMP/start.log")"

# --- one tree per run, at the same path in the guest and on the host -------------
T="$TMP/trees"
L="$TMP/local"
NAMES=$("$REF" -Q requests)
check_eq "msb-sftp-server -Q requests is sftp-server's" "$NAMES" "$("$MSB_BUILDDIR/msb-sftp-server" -Q requests)"
RUNS="ro $(for n in $NAMES; do printf 'deny-%s allow-%s ' "$n" "$n"; done)"
MKTREES='for r in $RUNS; do d=$T/$r; mkdir -p $d/d $d/e && echo hello >$d/f && touch $d/d/in &&
	cp $d/f $d/f2 && cp $d/f $d/f4 && cp $d/f $d/r && ln -s f $d/l || exit 1; done'
SSHO="-i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes"
proxy() { echo "ProxyCommand=$MSB ssh serve box --stdio $*"; }
timeout 120 ssh $SSHO -o "$(proxy)" root@box "T=$T RUNS='$RUNS'; $MKTREES" >"$TMP/out" 2>&1 ||
	die "cannot make the trees in the guest: $(cat "$TMP/out")"
(eval "$MKTREES") || die "cannot make the trees on the host"

# The command that makes the client send each request, and the requests that
# command needs (found with sftp-server -p). No sftp(1) command sends fstat,
# readlink, fstatvfs, limits, expand-path, home-directory or
# users-groups-by-id where the reply would show, or fsync and posix-rename
# when the server does not offer them: for those the advertised extensions
# and the packet-level test (sftp_policy.sh) speak.
cmd_of() {
	case $1 in
	open | close | read | stat) echo "get @R/f @L/g" ;;
	write) echo "put @L/lf @R/w" ;;
	lstat) echo "ls @R/l" ;;
	setstat) echo "chmod 600 @R/f" ;;
	fsetstat) echo "put -p @L/lf @R/w2" ;;
	opendir | readdir) echo "ls -1 @R/d" ;;
	remove) echo "rm @R/r" ;;
	mkdir) echo "mkdir @R/m" ;;
	rmdir) echo "rmdir @R/e" ;;
	realpath) echo "cd @R/d" ;;
	rename) echo "rename -l @R/f2 @R/f3" ;;
	symlink) echo "ln -s @R/f @R/sl" ;;
	posix-rename) echo "rename @R/f4 @R/f5" ;;
	statvfs) echo "df @R" ;;
	hardlink) echo "ln @R/f @R/hl" ;;
	fsync) echo "put -f @L/lf @R/w3" ;;
	lsetstat) echo "chgrp -h 0 @R/l" ;;
	copy-data) echo "cp @R/f @R/cp" ;;
	*) echo "" ;;
	esac
}
needs_of() {
	case $1 in
	open | close | read | stat) echo open,close,read,lstat,realpath,stat ;;
	write | fsync) echo open,close,write,realpath,$1 ;;
	fsetstat) echo open,close,write,fsetstat,realpath ;;
	opendir | readdir) echo close,lstat,opendir,readdir,realpath ;;
	lsetstat) echo lstat,realpath,lsetstat ;;
	copy-data) echo open,close,realpath,stat,copy-data ;;
	realpath) echo realpath,stat ;;
	*) echo "realpath,$1" ;;
	esac
}

# run RUN SERVER_FLAGS SERVE_FLAGS BATCH_LINES...: the batch through msb ssh
# serve ($TMP/msb.out) and through sftp-server -D ($TMP/ref.out), the same
# local files for both; each .ext holds the extensions the client was told of.
split() { # split RAW OUT EXT
	grep -o 'Server supports extension "[^"]*"\|Unrecognised server extension "[^"]*"' "$1" |
		sed 's/.* "/"/' >"$3"
	# The guest's and the host's file systems differ in size: df's numbers do not count.
	grep -v '^debug[0-9]:\|^OpenSSH_\|^Authenticated to\|^Transferred:\|^Bytes per second:\|^Warning: Permanently added' "$1" |
		sed -E 's/^( +[0-9]+){4} +[0-9]+%$/(df numbers)/' >"$2"
}
run() {
	r=$1 refflags=$2 serveflags=$3
	shift 3
	printf '%s\n' "$@" | sed "s#@R#$T/$r#g; s#@L#$L/$r#g" >"$TMP/batch"
	for side in ref msb; do
		rm -rf "${L:?}/$r" && mkdir -p "$L/$r" && echo data >"$L/$r/lf" || die "local files"
		if [ $side = ref ]; then
			(cd "$T/$r" && timeout 60 sftp -vv -b "$TMP/batch" -D "$REF $refflags") >"$TMP/raw" 2>&1
		else
			timeout 60 sftp -vv -b "$TMP/batch" $SSHO -o "$(proxy "$serveflags")" root@box >"$TMP/raw" 2>&1
		fi
		rc=$?
		split "$TMP/raw" "$TMP/$side.out" "$TMP/$side.ext"
		echo "exit $rc" >>"$TMP/$side.out"
	done
	if cmp -s "$TMP/ref.out" "$TMP/msb.out"; then
		ok "$r ($serveflags): the client saw what sftp-server $refflags gives"
	else
		fail "$r ($serveflags): the client saw what sftp-server $refflags gives"
		diff "$TMP/ref.out" "$TMP/msb.out" | head -20
	fi
	if cmp -s "$TMP/ref.ext" "$TMP/msb.ext"; then
		ok "$r: the same extensions advertised"
	else
		fail "$r: the same extensions advertised"
		diff "$TMP/ref.ext" "$TMP/msb.ext"
	fi
}
# What the client said about the batch command that begins with $1.
after() { sed -n "\#^sftp> -$1#,\#^sftp> #p" "$TMP/msb.out" | sed 1d | grep -v '^sftp> \|^exit '; }
refused() { after "$1" | grep -q "Permission denied\|does not support\|not found"; }
is_ext() {
	case $1 in
	posix-rename | statvfs | fstatvfs | hardlink | fsync | lsetstat | limits | expand-path | \
	copy-data | home-directory | users-groups-by-id) return 0 ;;
	esac
	return 1
}

for n in $NAMES; do
	cmd=$(cmd_of "$n")
	# The next command must not need the refused request.
	case $n in
	close | lstat | opendir | readdir) probe="mkdir @R/probe"; shown="" ;;
	*) probe="ls -1 @R/d"; shown="$T/deny-$n/d/in" ;;
	esac
	run "deny-$n" "-P $n" "--sftp-deny $n" ${cmd:+"-$cmd"} "-$probe"
	# Without posix-rename or fsync, sftp(1) renames the old way or skips the fsync.
	case $n in
	realpath | posix-rename | fsync) ;;
	*) [ -n "$cmd" ] && check "--sftp-deny $n: $cmd is refused" refused "${cmd%% *}" ;;
	esac
	if is_ext "$n"; then
		check_sh "--sftp-deny $n: the extension is not offered" \
			'! grep -q "\"$n\"\|\"$n@openssh.com\"" "$TMP/msb.ext"'
	fi
	if [ "$n" = realpath ]; then
		# sftp(1) needs the start directory before anything else, from sshd too.
		check "--sftp-deny realpath: the client cannot start" grep -q "Need cwd" "$TMP/msb.out"
	elif [ -n "$shown" ]; then
		check_sh "--sftp-deny $n: then ${probe%% *} works" 'after "${probe%% *}" | grep -qx "$shown"'
	else
		check_sh "--sftp-deny $n: then ${probe%% *} works" '[ -z "$(after "${probe%% *}")" ]'
	fi

	allow=$(needs_of "$n")
	case ,$allow, in
	*,mkdir,*) outsider="rmdir @R/e" ;;
	*) outsider="mkdir @R/probe" ;;
	esac
	run "allow-$n" "-p $allow" "--sftp-allow $allow" ${cmd:+"-$cmd"} "-$outsider"
	[ -n "$cmd" ] && check_sh "--sftp-allow $allow: $cmd works" '! refused "${cmd%% *}"'
	if is_ext "$n"; then
		check "--sftp-allow $allow: $n is offered" grep -q "\"$n" "$TMP/msb.ext"
		check_eq "--sftp-allow $allow: and no other extension" 1 "$(wc -l <"$TMP/msb.ext")"
	fi
	if [ "$n" != realpath ]; then
		check_sh "--sftp-allow $allow: ${outsider%% *} is refused" 'after "${outsider%% *}" | grep -q "Permission denied"'
	fi
done

# Read-only: every command in one session; only those that write are refused.
set --
for n in $NAMES; do
	cmd=$(cmd_of "$n")
	[ -n "$cmd" ] && set -- "$@" "-$cmd"
done
run ro "-R" "--sftp-read-only" "$@"
for c in "put @L/lf @R/w" "chmod 600" "rm @R/r" "mkdir" "rmdir" "rename -l" "ln -s" "ln @R/f" "chgrp -h" "cp @R/f"; do
	c=$(echo "$c" | sed "s#@R#$T/ro#g; s#@L#$L/ro#g")
	check "--sftp-read-only: ${c%% /*} is refused" refused "$c"
done
check "--sftp-read-only: get works" test -s "$L/ro/g"
check "--sftp-read-only: ls works" grep -qx "$T/ro/d/in" "$TMP/msb.out"

# The TCP listener hands the policy to each connection's monitor the same way.
serve_bg box --port 0 --sftp-read-only
printf '%s\n' "-mkdir $T/ro/tcp" "ls -1 $T/ro/d" >"$TMP/batch"
timeout 60 sftp -b "$TMP/batch" -P "$PORT" $SSHO root@127.0.0.1 >"$TMP/msb.out" 2>&1
check "over TCP: --sftp-read-only refuses mkdir" refused "mkdir"
check "... and ls works" grep -qx "$T/ro/d/in" "$TMP/msb.out"
stop_bg
done_testing
