#!/bin/sh
# msb ssh authorize and the checks msb ssh serve makes before it serves:
# key validation and de-duplication, file modes, host key creation and
# refusal, an empty key set, the listening line and the non-loopback warning.
. "$(dirname "$0")/../lib.sh"
need_cmd ssh-keygen flock
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
[ -x "$MSB_BUILDDIR/msb-monitor" ] || skip "msb-monitor not built"
AK="$MSB_HOME/ssh/authorized_keys"
HK="$MSB_HOME/ssh/host_ed25519_key"

mode() { stat -c %a "$1"; }
lines() { grep -c . "$1" 2>/dev/null || echo 0; }

for k in a b c; do ssh-keygen -q -t ed25519 -N '' -C "key-$k" -f "$TMP/$k"; done
ssh-keygen -q -t ecdsa -b 384 -N '' -f "$TMP/e"

# --- authorize ---
check "garbage key is rejected" sh -c '! "$1" ssh authorize --key "ssh-ed25519 AAAAnotakey" 2>"$2"' _ "$MSB" "$TMP/err"
check "the error names the problem" grep -q "not a usable public key" "$TMP/err"
check "nothing written for garbage" [ ! -e "$AK" ]
printf 'hello world\n' >"$TMP/junk"
check "garbage file is rejected" sh -c '! "$1" ssh authorize --file "$2" 2>/dev/null' _ "$MSB" "$TMP/junk"
check "authorize --file" "$MSB" ssh authorize --file "$TMP/a.pub"
check_eq "ssh dir is 0700" 700 "$(mode "$MSB_HOME/ssh")"
check_eq "authorized_keys is 0600" 600 "$(mode "$AK")"
check_eq "one key on file" 1 "$(lines "$AK")"
"$MSB" ssh authorize --key "$(cat "$TMP/a.pub")" 2>"$TMP/err"
check "a duplicate is reported" grep -q "already authorized" "$TMP/err"
check_eq "a duplicate is skipped" 1 "$(lines "$AK")"
cat "$TMP/b.pub" "$TMP/b.pub" "$TMP/a.pub" "$TMP/e.pub" | "$MSB" ssh authorize --stdin 2>/dev/null
check_eq "stdin: new keys added once each" 3 "$(lines "$AK")"
{ echo "# comment"; echo; echo "restrict,command=\"echo \\\"hi\\\"\" $(cat "$TMP/c.pub")"; echo "not a key"; } >"$TMP/mixed"
check "one bad line rejects the whole input" sh -c '! "$1" ssh authorize --file "$2" 2>"$3"' _ "$MSB" "$TMP/mixed" "$TMP/err"
check "the bad line is named" grep -q "line 4" "$TMP/err"
check_eq "nothing written for a partly bad input" 3 "$(lines "$AK")"
sed -i '$d' "$TMP/mixed"
check "options are accepted" "$MSB" ssh authorize --file "$TMP/mixed"
check "the line keeps its options" grep -q '^restrict,command="echo \\"hi\\"" ssh-ed25519 ' "$AK"
check "authorize wants exactly one source" sh -c '! "$1" ssh authorize --stdin --key x </dev/null 2>/dev/null' _ "$MSB"

# --- serve: checks before listening ---
check "serve needs an existing sandbox" sh -c '! "$1" ssh serve nosuch --port 0 2>"$2"' _ "$MSB" "$TMP/err"
check "and says so" grep -q "no sandbox named 'nosuch'" "$TMP/err"
fake_sandbox box
: >"$TMP/empty_keys"
check "an empty key set is refused" sh -c '! timeout 10 "$1" ssh serve box --port 0 --authorized-keys "$2" 2>"$3"' _ "$MSB" "$TMP/empty_keys" "$TMP/err"
check "naming msb ssh authorize" grep -q "msb ssh authorize" "$TMP/err"
check_eq "the host key was created on first use" 600 "$(mode "$HK")"
check "it is an Ed25519 key" sh -c 'ssh-keygen -y -f "$1" | grep -q "^ssh-ed25519 "' _ "$HK"
chmod 640 "$HK"
check "a group-readable host key stops the server" sh -c '! timeout 10 "$1" ssh serve box --port 0 2>"$2"' _ "$MSB" "$TMP/err"
check "with a message about its mode" grep -q "refusing $HK: accessible by others (chmod 600 $HK)" "$TMP/err"
chmod 600 "$HK"
echo "not a key" >"$TMP/badkey"; chmod 600 "$TMP/badkey"
check "an unreadable host key stops the server" sh -c '! timeout 10 "$1" ssh serve box --port 0 --host-key "$2" 2>"$3"' _ "$MSB" "$TMP/badkey" "$TMP/err"
check "with a message" grep -q "not a readable" "$TMP/err"


MSB_DEFAULT_SSH_PORT=0 serve_bg box
check "listening on 127.0.0.1 by default" grep -q "^msb: listening on 127.0.0.1:$PORT$" "$TMP/serve.log"
check "the port accepts connections" bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1' _ "$PORT"
check "no warning on loopback" sh -c '! grep -q warning "$1"' _ "$TMP/serve.log"
stop_bg
check_eq "SIGTERM ends serve cleanly" 0 "$?"

serve_bg box --host 0.0.0.0 --port 0
check "a non-loopback address is warned about" grep -q "warning: 0.0.0.0 is not a loopback address" "$TMP/serve.log"
stop_bg
MSB_DEFAULT_SSH_HOST=::1 serve_bg box --port 0
check "MSB_DEFAULT_SSH_HOST is honoured" grep -q "listening on \[::1\]:$PORT" "$TMP/serve.log"
stop_bg
check_eq "SIGTERM ends serve cleanly (IPv6)" 0 "$?"
done_testing
