#!/bin/sh
# The gateway's systemd unit: systemd-analyze verify accepts it (pointed at
# this build's msb), make install puts it in the configured
# systemdsystemunitdir with the install's bindir, and what it runs works:
# msb ssh serve --check --all refuses an MSB_HOME with no key for any
# sandbox, accepts one with a tenant's key, and says nothing is listening.
. "$(dirname "$0")/../lib.sh"
need_cmd systemd-analyze make ssh-keygen
export MSB_HOME="$TMP/home" MSB_LIBEXECDIR="$MSB_BUILDDIR"
IN="$MSB_SRCDIR/systemd/msb-gateway.service.in"

sed "s|@bindir@|$MSB_BUILDDIR|g" "$IN" >"$TMP/msb-gateway.service"
systemd-analyze verify --man=no "$TMP/msb-gateway.service" >"$TMP/verify" 2>&1
check_eq "systemd-analyze verify accepts the unit" 0 $?
check "... without a warning" [ ! -s "$TMP/verify" ]
cat "$TMP/verify"

# A variable of the build's Makefile, expanded as make expands it.
mkvar() { printf 'print-var:\n\t@echo $(%s)\n' "$1" | make -s -C "$MSB_BUILDDIR" -f Makefile -f - print-var; }
unitdir=$(mkvar systemdsystemunitdir) bindir=$(mkvar bindir)
make -s -C "$MSB_BUILDDIR" install-systemdsystemunitDATA DESTDIR="$TMP/dest" >/dev/null 2>&1
check_eq "make install puts it in systemdsystemunitdir" 0 $?
unit="$TMP/dest$unitdir/msb-gateway.service"
check "... at $unitdir" [ -f "$unit" ]
check "... starting $bindir/msb" grep -qx "ExecStart=$bindir/msb ssh serve --all \$MSB_GATEWAY_OPTS" "$unit"

OPTS=$(sed -n 's/^Environment="MSB_GATEWAY_OPTS=\(.*\)"$/\1/p' "$IN")
"$MSB" ssh serve --check --all $OPTS >"$TMP/check" 2>&1
check_eq "--check --all with no key for any sandbox fails" 1 $?
check "... saying how to add one" grep -q "no authorized keys for any sandbox" "$TMP/check"
"$MSB" create tenant --disk-size 64M >/dev/null 2>&1 || die "create"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" || die ssh-keygen
"$MSB" ssh authorize --sandbox tenant --file "$TMP/id.pub" >/dev/null 2>&1 || die authorize
"$MSB" ssh serve --check --all $OPTS >"$TMP/check" 2>&1
check_eq "--check --all with a tenant's key passes" 0 $?
check "... and says so" grep -q "the configuration is usable" "$TMP/check"
check "... listening on nothing" sh -c "! grep -q 'listening on' '$TMP/check'"
"$MSB" rm tenant >/dev/null 2>&1
done_testing
