#!/bin/sh
# The whole test suite on a fresh Debian 12 machine, as root: installs the
# dependencies, builds with -Werror, runs every test, then the unit and
# agent tests again under ASan+UBSan, the fuzz targets for a bounded time,
# and make distcheck. Ends with one line: "N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
jobs=$(nproc 2>/dev/null || echo 2)
results=$(mktemp)
failures=$(mktemp)
trap 'rm -f "$results" "$failures"' EXIT

phase() { # phase NAME COMMAND...: a build step counts as one test
	name=$1; shift
	echo "=== $name"
	if "$@"; then echo "PASS $name"; echo "1 0 0" >> "$results"
	else echo "FAIL $name"; echo "0 1 0" >> "$results"; printf '%s\t\n' "$name" >> "$failures"; fi
}

suite() { # suite BUILDDIR KIND: regress/run, counted test by test
	MSB_RESULTS_FILE="$results" MSB_FAILURES_FILE="$failures" MSB_BUILDDIR="$top/$1" MSB_SRCDIR="$top" \
		"$top/regress/run" "$2"
}

build() { # build DIR CONFIGURE-ARGS...
	dir=$1; shift
	mkdir -p "$dir" && (cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" all && make -s -j"$jobs" check-programs)
}

started=$(date +%s)
phase "install dependencies" sh scripts/install-deps.sh || true
phase "autoreconf" autoreconf -fi
phase "build (-Werror)" build build --enable-werror
phase "build (ASan+UBSan)" build build-asan --enable-werror --enable-sanitizers CC=clang
echo "=== test suite"
suite build all
# The sanitizer build's agent is dynamic: images get the static one, and
# the guest boot test (which packs the agent itself) runs in the first pass.
# The bench's smoke run checks the bench, not msb, the README commands'
# test builds its own tree, and the SDKs' runtimes (python3, node, go,
# cargo's test binaries) cannot load an ASan-built libmsb: they run in the
# first pass only.
echo "=== test suite under ASan+UBSan"
# A small quarantine keeps the memory bounds the tests assert meaningful.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	MSB_GUEST_AGENT="$top/build/msb-agent" MSB_TEST_EXCLUDE="guest_boot bench_smoke readme_commands sdk_python sdk_typescript sdk_go sdk_rust" suite build-asan all
for t in "$top"/regress/fuzz/fuzz_*.c; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .c)
	phase "fuzz $n (${MSB_FUZZ_SECONDS:-45} s)" sh -c "make -s -C build regress/fuzz/$n &&
		MSB_BUILDDIR='$top/build' MSB_SRCDIR='$top' sh regress/fuzz/run-fuzz.sh $n ${MSB_FUZZ_SECONDS:-45}"
done
phase "make distcheck" make -s -C build distcheck MSB_TESTS=unit

# CI shows the end of this transcript: say there what failed and why.
tab=$(printf '\t')
while IFS=$tab read -r name log; do
	echo "=== failed: $name${log:+ ($log)}"
	[ -n "$log" ] && [ -f "$log" ] || continue
	# The failed checks and sanitizer reports first: a long log's tail
	# may not reach them.
	grep -E -B 2 '^(FAIL|FATAL)|Sanitizer|runtime error' "$log" | tail -n 20 | sed 's/^/    ! /'
	tail -n 15 "$log" | sed 's/^/    | /'
done < "$failures"
echo "=== finished in $(( $(date +%s) - started )) s"
awk '{ p += $1; f += $2; s += $3 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }' "$results"
