#!/bin/sh
# Runs one libFuzzer target for a bounded time on a scratch copy of its seed
# corpus. Exit 0: no crash found; 1: a crash, leak or oracle failure (the
# reproducer is kept under the build tree); 2: usage or setup error.
#
#   regress/fuzz/run-fuzz.sh fuzz_agent_proto 60
#
# The target is $MSB_BUILDDIR/regress/fuzz/TARGET (build it with `make fuzz`);
# seeds come from $MSB_SRCDIR/regress/fuzz/corpus/NAME, NAME being TARGET
# without its fuzz_ prefix. Extra arguments go to libFuzzer.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 TARGET SECONDS [libFuzzer options...]" >&2
	exit 2
fi
target=$1
seconds=$2
shift 2
case $seconds in
'' | *[!0-9]*)
	echo "$0: SECONDS must be a whole number: $seconds" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${MSB_BUILDDIR:-$here}
srcdir=${MSB_SRCDIR:-$here}
bin=$builddir/regress/fuzz/$target
seeds=$srcdir/regress/fuzz/corpus/${target#fuzz_}
crashdir=$builddir/regress/fuzz/crashes/$target

if [ ! -x "$bin" ]; then
	echo "$0: $bin not built: run 'make fuzz' (needs clang)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/msb-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
mkdir "$work/corpus" "$work/artifacts" || exit 2
if [ -d "$seeds" ]; then
	cp "$seeds"/* "$work/corpus/" || exit 2
else
	echo "$0: no seed corpus at $seeds, starting empty" >&2
fi

# ASan's default 256 MB quarantine alone would bring a long run close to the
# RSS limit. -timeout catches a single input that hangs; the outer timeout
# catches a fuzzer that does not stop on its own.
ASAN_OPTIONS="quarantine_size_mb=64${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS
timeout -k 10 $((seconds + 60)) "$bin" \
	-max_total_time="$seconds" -rss_limit_mb=512 -max_len=4096 -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
	"$@" "$work/corpus"
rc=$?

if [ -n "$(ls -A "$work/artifacts")" ]; then
	mkdir -p "$crashdir" && cp "$work/artifacts"/* "$crashdir/"
	echo "$0: $target failed (exit $rc); reproducers in $crashdir:" >&2
	ls "$crashdir" >&2
	exit 1
fi
if [ $rc -ne 0 ]; then
	echo "$0: $target exited with status $rc" >&2
	exit 1
fi
echo "$0: $target ran ${seconds}s without a crash"
exit 0
