#!/bin/sh
# msb-test-timeout: 600
# What root trusts and what it writes, on one sandbox (one boot, TCG):
# StrictModes refusals (a world-writable MSB_HOME or parent, a group-writable
# ssh/, a symlinked authorized_keys, a host key owned by another user, also
# when a file changes under a running server), the happy path through them,
# a guest flooding its serial console (console.log stays within its cap and
# still ends with the guest's latest line) and a flood of audit lines.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd qemu-system-x86_64 ssh ssh-keygen
need_ssh_server
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
# Lowered for the test; the defaults are 4 MiB and 16 MiB (README).
CONSOLE_CAP=$((256 * 1024))
AUDIT_CAP=4096
export MSB_CONSOLE_LOG_MAX=$CONSOLE_CAP MSB_AUDIT_LOG_MAX=$AUDIT_CAP
# The flood: the serial port carries about 1 MiB/s under TCG here, so the
# 100 MiB the issue asks for take about 100 s; MSB_TEST_CONSOLE_BYTES lowers it.
CONSOLE_BYTES=${MSB_TEST_CONSOLE_BYTES:-$((100 * 1024 * 1024))}
at_exit '"$MSB" stop --force dev >/dev/null 2>&1'
SSHD="$MSB_HOME/ssh"
AK="$SSHD/authorized_keys"
HK="$SSHD/host_ed25519_key"

"$MSB" create dev --accel tcg --disk-size 1G >/dev/null 2>&1 || die "create failed"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other" || die "ssh-keygen"
"$MSB" ssh authorize --file "$TMP/id.pub" 2>/dev/null || die "authorize"

# refused DESCRIPTION MESSAGE COMMAND...: the command fails, and its stderr
# has the message (the path and the fix, verbatim).
refused() {
	what=$1 msg=$2; shift 2
	"$@" </dev/null >/dev/null 2>"$TMP/err"; rc=$?
	check_sh "$what: refused (exit $rc)" '[ $rc -ne 0 ]'
	grep -qF -- "$msg" "$TMP/err" && ok "$what: the message names the path and the fix" ||
		fail "$what: no '$msg' in: $(cat "$TMP/err")"
}
# Every refusal below must come before the sandbox is started.
not_started() { "$MSB" ls | awk '$1 == "dev" { print $2 }'; }

# --- StrictModes ---
chmod 0777 "$MSB_HOME"
refused "a world-writable MSB_HOME" \
	"msb: refusing $MSB_HOME: writable by others (chmod go-w $MSB_HOME)" "$MSB" ls
refused "a world-writable MSB_HOME, for ssh serve" \
	"refusing $MSB_HOME: writable by others (chmod go-w $MSB_HOME)" "$MSB" ssh serve dev --stdio
chmod 0700 "$MSB_HOME"
# $TMP is MSB_HOME's parent; /tmp above it is root's and sticky, so allowed.
chmod 0777 "$TMP"
refused "a world-writable parent of MSB_HOME" \
	"refusing $MSB_HOME: its parent $TMP is writable by others (chmod go-w $TMP)" "$MSB" ls
chmod 0700 "$TMP"
check "MSB_HOME under /tmp (root's, sticky) is accepted" sh -c '"$1" ls >/dev/null' _ "$MSB"

chmod 0770 "$SSHD"
refused "a group-writable ssh/" \
	"refusing $SSHD: writable by others (chmod go-w $SSHD)" "$MSB" ssh serve dev --stdio
refused "a group-writable ssh/, for authorize" \
	"refusing $SSHD: writable by others" "$MSB" ssh authorize --file "$TMP/other.pub"
chmod 0700 "$SSHD"

mv "$AK" "$TMP/real_keys"
ln -s "$TMP/real_keys" "$AK"
refused "a symlinked authorized_keys" \
	"refusing $AK: a symbolic link (replace it with the file itself)" "$MSB" ssh serve dev --stdio
refused "a symlinked authorized_keys, for authorize" \
	"refusing $AK: a symbolic link" "$MSB" ssh authorize --file "$TMP/other.pub"
check "authorize did not write through the link" sh -c '! grep -qF "$(cut -d" " -f2 "$1")" "$2"' \
	_ "$TMP/other.pub" "$TMP/real_keys"
rm "$AK" && mv "$TMP/real_keys" "$AK"

# serve made the host key before it looked at authorized_keys.
check "the host key was created (0600)" [ "$(stat -c %a "$HK" 2>/dev/null)" = 600 ]
chown 65534 "$HK"
refused "a host key owned by another user" \
	"refusing $HK: owned by another user (chown 0 $HK)" "$MSB" ssh serve dev --stdio
chown 0 "$HK"
ln -s "$HK" "$TMP/hk_link"
refused "a host key through a symbolic link" \
	"refusing $TMP/hk_link: a symbolic link" "$MSB" ssh serve dev --stdio --host-key "$TMP/hk_link"
check_eq "no refusal started the sandbox" stopped "$(not_started)"

# --- the happy path, and a file changed under a running server ---
"$MSB" start dev >/dev/null 2>&1 || die "start failed"
MSB_DEFAULT_SSH_PORT=0 serve_bg dev
OPTS="-p $PORT -i $TMP/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
s() { timeout 120 ssh $OPTS root@127.0.0.1 "$@"; }
check_eq "the happy path: ssh runs a command" hello "$(s 'echo hello')"
mv "$AK" "$TMP/real_keys"
ln -s "$TMP/real_keys" "$AK"
s true 2>/dev/null; rc=$?
check_sh "a symlinked authorized_keys refuses a connection to a running server (exit $rc)" '[ $rc -ne 0 ]'
check "the server's log names it" grep -qF "refusing $AK: a symbolic link" "$TMP/serve.log"
rm "$AK" && mv "$TMP/real_keys" "$AK"
check_eq "and once it is a file again, logins work" hello "$(s 'echo hello')"

# --- the console: a guest printing far more than the cap ---
started=$(date +%s)
timeout 400 ssh $OPTS root@127.0.0.1 "head -c $CONSOLE_BYTES /dev/zero | tr '\\0' x >/dev/ttyS0; echo >/dev/ttyS0; echo msb-console-tail-$$ >/dev/ttyS0"
rc=$?
secs=$(($(date +%s) - started))
check_eq "the guest wrote $CONSOLE_BYTES bytes to its console (in ${secs} s)" 0 $rc
echo "console: $CONSOLE_BYTES bytes in $secs s"
CON="$MSB_HOME/sandboxes/dev/console.log"
has_tail() { grep -q "msb-console-tail-$$" "$CON"; }
check "console.log ends with the guest's latest line" wait_for 30 has_tail
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
check_sh "console.log within its cap ($(size "$CON") <= $CONSOLE_CAP)" '[ "$(size "$CON")" -le $CONSOLE_CAP ]'
check_sh "console.log.1 within its cap ($(size "$CON.1") <= $CONSOLE_CAP)" \
	'[ "$(size "$CON.1")" -le $CONSOLE_CAP ] && [ "$(size "$CON.1")" -gt 0 ]'
check_eq "nothing else in the sandbox directory grew" "" \
	"$(find "$MSB_HOME/sandboxes/dev" -type f -size +$((CONSOLE_CAP / 1024 + 1))k ! -name disk.img)"
check_eq "the sandbox still answers" hello "$(s 'echo hello')"

# --- the audit log: many connections ---
AUDIT="$SSHD/audit.log"
cat >"$TMP/config" <<C
Host dev.msb
  User root
  IdentityFile $TMP/other
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel QUIET
  ProxyCommand env MSB_HOME=$MSB_HOME MSB_LIBEXECDIR=$MSB_LIBEXECDIR MSB_AUDIT_LOG_MAX=$AUDIT_CAP $MSB ssh serve dev --stdio
C
for i in $(seq 30); do timeout 30 ssh -F "$TMP/config" dev.msb true 2>/dev/null; done
check "refused logins were audited" grep -q "rejected publickey" "$AUDIT"
check_sh "audit.log within its cap ($(size "$AUDIT") <= $AUDIT_CAP)" '[ "$(size "$AUDIT")" -le $AUDIT_CAP ]'
check_sh "audit.log.1 within its cap ($(size "$AUDIT.1") <= $AUDIT_CAP)" \
	'[ "$(size "$AUDIT.1")" -le $AUDIT_CAP ] && [ "$(size "$AUDIT.1")" -gt 0 ]'
check "audit.log ends with the last connection" sh -c 'tail -n 1 "$1" | grep -q "connection closed"' _ "$AUDIT"
check_eq "audit.log is 0600" 600 "$(stat -c %a "$AUDIT")"

done_testing
