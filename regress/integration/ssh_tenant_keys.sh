#!/bin/sh
# Keys of a sandbox's own and SSH user certificates, with real OpenSSH
# clients and ssh-keygen: msb ssh authorize --sandbox writes the sandbox's
# authorized_keys, whose keys open that sandbox and no other; the global
# file still opens every sandbox (and serve warns about it off loopback);
# certificates (ssh-keygen -s) are checked by the monitor against the
# sandbox's cert-authority lines and --trusted-user-ca-keys: valid; expired;
# not yet valid; wrong principal; principals= lists; a CA trusted for
# another sandbox; a host certificate; force-command; source-address;
# no-pty; and the audit log names the certificate's ID, serial and CA.
# (A tampered certificate never leaves OpenSSH's client, which checks the
# CA's signature itself: test_ssh_cert covers that in the monitor's code.)
# No VM: the sandboxes read as running and their agent runs on the host.
. "$(dirname "$0")/../lib.sh"
need_ssh_no_vm

host_agent_sandbox box other

for k in own theirs global ca ca2 tca u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$TMP/$k" || die ssh-keygen
done
ssh-keygen -q -t ecdsa -b 384 -N '' -C ca3 -f "$TMP/ca3" || die ssh-keygen

# --- msb ssh authorize --sandbox -------------------------------------------------------
"$MSB" ssh authorize --sandbox box --file "$TMP/own.pub" >"$TMP/out" 2>&1
check "authorize --sandbox box" grep -q "authorized ssh-ed25519 .* for sandbox box" "$TMP/out"
check "it writes the sandbox's own file" grep -q "$(cut -d' ' -f2 "$TMP/own.pub")" \
	"$MSB_HOME/sandboxes/box/authorized_keys"
check_eq "... 0600" 600 "$(stat -c %a "$MSB_HOME/sandboxes/box/authorized_keys")"
check "... and not the global one" [ ! -e "$MSB_HOME/ssh/authorized_keys" ]
"$MSB" ssh authorize --sandbox other --file "$TMP/theirs.pub" >/dev/null 2>&1 || die "authorize other"
"$MSB" ssh authorize --sandbox nosuch --file "$TMP/own.pub" >"$TMP/out" 2>&1
check_eq "an unknown sandbox is refused" 1 $?
check "... saying so" grep -q "no sandbox named 'nosuch'" "$TMP/out"
"$MSB" ssh authorize --sandbox box --principals a --file "$TMP/ca.pub" >"$TMP/out" 2>&1
check_eq "--principals without --cert-authority is a usage error" 2 $?
"$MSB" ssh authorize --sandbox box --cert-authority --principals "alice,ops" --file "$TMP/ca.pub" \
	>"$TMP/out" 2>&1
check "authorize --cert-authority --principals" grep -q "authorized CA ssh-ed25519" "$TMP/out"
check "... writes a cert-authority line" grep -q "^cert-authority,principals=\"alice,ops\" ssh-ed25519 " \
	"$MSB_HOME/sandboxes/box/authorized_keys"
"$MSB" ssh authorize --sandbox box --cert-authority --principals "alice,ops" --file "$TMP/ca.pub" \
	>"$TMP/out" 2>&1
check "... once" grep -q "already authorized as a CA" "$TMP/out"
"$MSB" ssh authorize --sandbox box --cert-authority --key "no-pty $(cat "$TMP/ca2.pub")" >"$TMP/out" 2>&1
check_eq "a CA line with options of its own is refused" 1 $?
"$MSB" ssh authorize --sandbox box --cert-authority --principals 'a b' --file "$TMP/ca2.pub" \
	>/dev/null 2>&1
check_eq "a principals list with a blank is refused" 1 $?
"$MSB" ssh authorize --sandbox other --cert-authority --file "$TMP/ca2.pub" >/dev/null 2>&1 ||
	die "authorize ca2 for other"
cat "$TMP/tca.pub" "$TMP/ca3.pub" >"$TMP/trusted_cas"

serve_bg box --port 0 --trusted-user-ca-keys "$TMP/trusted_cas"
OPTS="-p $PORT -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o NumberOfPasswordPrompts=0 -o ConnectTimeout=10 -o LogLevel=ERROR"
# run KEY USER CMD: the key (and KEY-cert.pub, if there) as USER@box.
run() { timeout 30 ssh $OPTS -i "$TMP/$1" "$2@127.0.0.1" "$3" </dev/null 2>/dev/null; }
opens() { [ "$(run "$1" "${2:-root}" 'echo in')" = in ]; }
# refused KEY USER: not let in. Each refusal comes from a loopback address
# of its own (127.0.0.N), so that the listener's per-source penalty for
# failed logins does not turn the next case away.
N=10
refused() {
	N=$((N + 1))
	! timeout 30 ssh $OPTS -b "127.0.0.$N" -i "$TMP/$1" "${2:-root}@127.0.0.1" true </dev/null 2>/dev/null
}

check "the sandbox's own key opens it" opens own
check "another sandbox's key does not" refused theirs
check "the audit log says it is not authorized" grep -q "rejected publickey for root: ssh-ed25519 $(ssh-keygen -lf "$TMP/theirs.pub" | cut -d' ' -f2) (key not authorized)" "$AUDIT"
check "the audit log names the sandbox's file" grep -q "accepted publickey for root: .*sandboxes/box/authorized_keys line 1)" "$AUDIT"
"$MSB" ssh authorize --file "$TMP/global.pub" >/dev/null 2>&1 || die "authorize global"
check "a key of MSB_HOME/ssh/authorized_keys opens every sandbox" opens global

# --- certificates ---------------------------------------------------------------------
# cert NAME CA ARGS...: signs NAME's key with CA (NAME-cert.pub).
cert() { k=$1 c=$2; shift 2; ssh-keygen -q -s "$TMP/$c" -I "id-$k" "$@" "$TMP/$k.pub" 2>"$TMP/keygen.err" || die "ssh-keygen -s: $(cat "$TMP/keygen.err")"; }
cert u1 ca -n alice -z 41 -V -5m:+1h
check "a certificate with a principal of the CA line's list opens it" opens u1
check "the audit log names the certificate's ID, serial and CA" grep -q \
	"accepted certificate for root: ssh-ed25519-cert-v01@openssh.com ID \"id-u1\" serial 41 CA $(ssh-keygen -lf "$TMP/ca.pub" | cut -d' ' -f2) (.*sandboxes/box/authorized_keys line 2)" "$AUDIT"
cert u2 ca -n bob
check "a principal not in the list does not" refused u2 root
check "... logged why" grep -q 'rejected certificate for root: .*ID "id-u2".*principal' "$AUDIT"
cert u3 ca -n alice -V -2d:-1d
check "an expired certificate does not" refused u3 root
check "... logged as expired" grep -q 'ID "id-u3".*expired' "$AUDIT"
cert u4 ca -n alice -V +1d:+2d
check "a certificate not yet valid does not" refused u4 root
check "... logged as not yet valid" grep -q 'ID "id-u4".*not yet valid' "$AUDIT"
cert u5 ca2 -n box
check "a CA trusted for another sandbox does not open this one" refused u5 root
check "... logged as an untrusted CA" grep -q 'ID "id-u5".*untrusted CA' "$AUDIT"
cert u6 ca -h -n alice
# (OpenSSH's client does not offer a host certificate for a login at all:
# test_ssh_cert covers the monitor's refusal of one.)
check "a host certificate does not" refused u6 root
cert u7 ca -n ops -O force-command="echo forced"
check_eq "force-command runs instead of the client's command" forced "$(run u7 root 'echo mine')"
cert u8 ca -n alice -O source-address=10.9.9.0/24
check "a source-address the client is not in refuses it" refused u8 root
check "... logged" grep -q 'ID "id-u8".*source-address' "$AUDIT"
cert u9 ca -n alice -O source-address=10.9.9.0/24,127.0.0.1/32
check "a source-address the client is in admits it" opens u9
cert u10 ca -n alice -O no-pty
timeout 30 ssh $OPTS -o LogLevel=INFO -tt -i "$TMP/u10" root@127.0.0.1 tty </dev/null >/dev/null 2>"$TMP/u10.err"
check "without permit-pty the session gets no terminal" grep -q "PTY allocation request failed" "$TMP/u10.err"
check_eq "... and a command without one runs" in "$(run u10 root 'echo in')"
cert u11 tca -n box
check "a --trusted-user-ca-keys CA: the sandbox's name as principal opens it" opens u11
cert u12 ca3 -n root
check "... the login name as principal opens it (an ECDSA CA)" opens u12 root
check "... and not as another login name" refused u12 nobody
stop_bg

# --- serve's warning about the global file -----------------------------------------------
timeout 10 "$MSB" ssh serve box --host 0.0.0.0 --port 0 >"$TMP/wide.log" 2>&1 & W=$!
wait_for 10 grep -q "listening on" "$TMP/wide.log"
kill $W 2>/dev/null; wait $W 2>/dev/null
check "serve off loopback warns of the global file's keys" grep -q "warning: .*ssh/authorized_keys holds 1 key that opens every sandbox" "$TMP/wide.log"
rm -f "$MSB_HOME/ssh/authorized_keys"
"$MSB" ssh authorize --sandbox other --file "$TMP/own.pub" >/dev/null 2>&1
rm -f "$MSB_HOME/sandboxes/box/authorized_keys"
"$MSB" ssh serve box --port 0 >"$TMP/none.log" 2>&1
check_eq "serve with no key for the sandbox refuses to start" 1 $?
check "... saying how to add one" grep -q "no authorized keys for sandbox 'box'.*msb ssh authorize --sandbox box" "$TMP/none.log"
done_testing
