#!/bin/sh
# regress/stage-libmsb.sh BUILDDIR STAGE: installs libmsb (library, header,
# msb.pc) from BUILDDIR into the directory STAGE and prints, one a line,
# the environment that makes `pkg-config msb`, the linker and the loader
# find it there: what an SDK needs to build against an installed libmsb,
# as a user's would, without touching the system. Used by the SDK tests
# (regress/lib.sh's stage_libmsb) and by bench/run.
set -eu
build=$1 stage=$2
make -s -C "$build" DESTDIR="$stage" \
	install-libLTLIBRARIES install-msbincludeHEADERS install-pkgconfigDATA >/dev/null
pc=$(find "$stage" -name msb.pc | head -n 1)
[ -n "$pc" ] || { echo "stage-libmsb: no msb.pc under $stage" >&2; exit 1; }
pcdir=$(dirname "$pc")
# pkgconf puts the sysroot in front of variables too; pkg-config 0.29 does not.
libdir=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$stage" pkg-config --variable=libdir msb)
case $libdir in "$stage"/*) ;; *) libdir="$stage$libdir" ;; esac
echo "PKG_CONFIG_PATH=$pcdir"
echo "PKG_CONFIG_SYSROOT_DIR=$stage"
echo "LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LIBRARY_PATH=$libdir${LIBRARY_PATH:+:$LIBRARY_PATH}"
