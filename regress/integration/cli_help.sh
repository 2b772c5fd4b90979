#!/bin/sh
# The msb command line without a VM: --help everywhere, one-line usage
# errors, suggestions for typos, authorize of a private key, ls --json,
# ssh config (parsed by ssh -G, its host key pinned), the man pages and the
# bash completion.
. "$(dirname "$0")/../lib.sh"
need_cmd ssh-keygen python3
export MSB_HOME="$TMP/home"

# --- --help and -h ------------------------------------------------------------
for c in "" create start stop rm ls "image build" "image ls" "image rm" agent "agent exec" \
    "agent connect" ssh "ssh connect" "ssh serve" "ssh authorize" "ssh config" version; do
	for h in --help -h; do
		# shellcheck disable=SC2086 # $c is a command path of several words
		"$MSB" $c $h >"$TMP/out" 2>"$TMP/err"; rc=$?
		check_sh "msb $c $h: exit 0, usage on stdout, nothing on stderr (exit $rc)" \
		    '[ $rc -eq 0 ] && grep -q "^usage: msb" "$TMP/out" && [ ! -s "$TMP/err" ]'
	done
done

# --- usage errors: one line saying what, then the usage, exit 2 -----------------
usage_error() { # usage_error DESCRIPTION 'EXPECTED LINE' MSB-ARGS...
	d=$1 want=$2; shift 2
	"$MSB" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
	check_eq "$d: exit 2" 2 $rc
	check_eq "$d: the first line says what" "$want" "$(head -n 1 "$TMP/err")"
	check_sh "$d: then the usage, and only one message line" \
	    '[ "$(sed -n 2p "$TMP/err")" != "" ] && grep -q "^usage: msb" "$TMP/err" &&
	     [ "$(grep -c "^msb" "$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]'
}
usage_error "words after the name" \
    "msb ssh: 'uname' after the sandbox name: put the command after -- (msb ssh devbox -- uname)" \
    ssh devbox uname -a
usage_error "an option after the name" \
    "msb ssh: -t after the sandbox name? options go before it (msb ssh -t devbox -- COMMAND)" \
    ssh devbox -t -- tty
usage_error "start without a name" "msb start: no sandbox name" start
usage_error "a wrong option" "msb create: unknown option '--bogus'" create --bogus box
usage_error "an option without its value" "msb create: option '--image' needs a value" create box --image
usage_error "ls with a word" "msb ls: unexpected 'x'" ls x
usage_error "a typo" "msb: unknown command 'strat'; did you mean 'start'?" strat box
usage_error "a subcommand typo" "msb ssh: unknown command 'srve'; did you mean 'serve'?" ssh srve x
usage_error "an image typo" "msb image: unknown command 'bild'; did you mean 'build'?" image bild
usage_error "nothing near" "msb: unknown command 'frobnicate'" frobnicate
usage_error "no command" "msb: no command given"

# msb ssh NAME is a session, even for a name near a subcommand.
"$MSB" ssh srve >/dev/null 2>"$TMP/err"; rc=$?
check_sh "msb ssh srve (one word) is a session to 'srve' (exit $rc)" \
    '[ $rc -eq 255 ] && grep -q "no sandbox named .srve." "$TMP/err"'

# --- authorize of a private key -------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" && ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f "$TMP/pem" ||
	die "ssh-keygen failed"
for k in id pem; do
	"$MSB" ssh authorize --file "$TMP/$k" >"$TMP/out" 2>"$TMP/err"; rc=$?
	check_eq "authorize of the private key $k: exit 1" 1 $rc
	check_eq "... in one line naming the .pub" \
	    "msb: $TMP/$k is a private key; pass the public key ($TMP/$k.pub)" "$(cat "$TMP/err")"
done
check "nothing was written" [ ! -e "$MSB_HOME/ssh/authorized_keys" ]

# --- ls --json ----------------------------------------------------------------
"$MSB" ls --json >"$TMP/ls.json"; rc=$?
check_sh "ls --json of an empty home parses (exit $rc)" \
    '[ $rc -eq 0 ] && python3 -m json.tool "$TMP/ls.json" >/dev/null'
check_eq "... as an empty array" "[]" "$(cat "$TMP/ls.json")"
# A sandbox as msb create leaves it, without the image build and the disk.
mkdir -p "$MSB_HOME/sandboxes/dev-1" && printf '%s\n' image=default memory_mib=300 cpus=2 \
    disk_bytes=2147483648 net=user accel=tcg >"$MSB_HOME/sandboxes/dev-1/config" ||
	die "cannot write a sandbox config"
"$MSB" ls --json >"$TMP/ls.json"; rc=$?
check_sh "ls --json with a sandbox parses (exit $rc)" \
    '[ $rc -eq 0 ] && python3 -m json.tool "$TMP/ls.json" >/dev/null'
check_eq "... with its fields" "dev-1 stopped None None None user default 300 2 None" \
    "$(python3 -c 'import json, sys
for s in json.load(open(sys.argv[1])):
    print(*(s[k] for k in ("name", "state", "pid", "accel", "uptime", "net", "image",
                           "memory_mib", "cpus", "reason")))' "$TMP/ls.json")"
check "plain ls has a NET column" sh -c \
    "'$MSB' ls | grep -Eq '^NAME +STATE +PID +ACCEL +UPTIME +NET\$' && '$MSB' ls | grep -Eq '^dev-1 +stopped .* user\$'"

# --- ssh config ---------------------------------------------------------------
"$MSB" ssh config dev-1 >"$TMP/ssh_config" 2>"$TMP/err"; rc=$?
check_eq "ssh config: exit 0" 0 $rc
cat "$TMP/ssh_config"
ssh -G -F "$TMP/ssh_config" dev-1.msb >"$TMP/G" 2>/dev/null
check_eq "ssh -G: the ProxyCommand" "proxycommand $MSB_BUILDDIR/msb ssh serve dev-1 --stdio" \
    "$(grep '^proxycommand ' "$TMP/G" | sed 's#/\./#/#g')"
check_eq "ssh -G: the known hosts file" "userknownhostsfile $MSB_HOME/ssh/known_hosts" \
    "$(grep '^userknownhostsfile ' "$TMP/G")"
check_eq "ssh -G: user root" "user root" "$(grep '^user ' "$TMP/G")"
check_eq "ssh -G: strict host key checking" "stricthostkeychecking true" \
    "$(grep '^stricthostkeychecking ' "$TMP/G")"
pub=$(ssh-keygen -y -f "$MSB_HOME/ssh/host_ed25519_key" | cut -d' ' -f1,2)
check_eq "known_hosts pins the host key" "dev-1.msb $pub" "$(cat "$MSB_HOME/ssh/known_hosts")"
check_eq "... mode 0600" 600 "$(stat -c %a "$MSB_HOME/ssh/known_hosts")"
"$MSB" ssh config dev-1 --alias box --user user >"$TMP/ssh_config2" 2>/dev/null
"$MSB" ssh config dev-1 >/dev/null 2>&1
check_eq "again: one line per alias" "box dev-1.msb" \
    "$(cut -d' ' -f1 "$MSB_HOME/ssh/known_hosts" | sort | tr '\n' ' ' | sed 's/ $//')"
check "--alias and --user" grep -qx "Host box" "$TMP/ssh_config2"
check "... User user" grep -qx "  User user" "$TMP/ssh_config2"
"$MSB" ssh config nope >/dev/null 2>"$TMP/err"
check "ssh config of a missing sandbox fails" grep -q "no sandbox named 'nope'" "$TMP/err"

# --- man pages and completion ------------------------------------------------------
for page in msb.1 msb-sftp-server.8; do
	groff -man -Tutf8 -ww "$MSB_SRCDIR/doc/$page" >"$TMP/page" 2>"$TMP/warn"; rc=$?
	check_sh "man page $page renders without warnings (exit $rc)" \
	    '[ $rc -eq 0 ] && [ ! -s "$TMP/warn" ] && [ -s "$TMP/page" ]'
done
for c in create start stop rm ls image ssh agent version; do
	check "msb(1) documents $c" grep -q "^\.Cm $c\\b\|^\.It Cm $c\\b\|^\.Cm ssh $c" "$MSB_SRCDIR/doc/msb.1"
done
complete_words() { # complete_words WORD... (the last is the one completed)
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _msb
	    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$MSB_SRCDIR/completion/msb" "$@"
}
check "the completion script parses" bash -n "$MSB_SRCDIR/completion/msb"
check_eq "msb st<TAB>" "start stop " "$(complete_words msb st)"
check_eq "msb start <TAB>: sandbox names" "dev-1 " "$(complete_words msb start '')"
check_eq "msb ssh se<TAB>" "serve " "$(complete_words msb ssh se)"
check_eq "msb create x --net <TAB>" "none user user,host-loopback " "$(complete_words msb create x --net '')"
check_eq "msb ls --j<TAB>" "--json " "$(complete_words msb ls --j)"

done_testing
