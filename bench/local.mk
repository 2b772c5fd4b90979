# The benchmarks: `make bench` runs bench/run (as root) against the build
# tree; BENCH_ARGS passes options, e.g. make bench BENCH_ARGS=--smoke.
dist_noinst_SCRIPTS += bench/run bench/sshd-rootfs.sh

# The C API figures: connect+exec+close and exec on an open client, timed
# inside a program linked with libmsb as a user's program would be.
noinst_PROGRAMS += bench/msb-bench-capi
bench_msb_bench_capi_SOURCES = bench/capi_exec.c
bench_msb_bench_capi_LDADD = lib/libmsb.la
# The monitor's SSH certificate check, stage by stage, in microseconds:
# build/bench/msb-bench-cert [COUNT] (needs ssh-keygen).
noinst_PROGRAMS += bench/msb-bench-cert
bench_msb_bench_cert_SOURCES = bench/cert_check.c regress/cert_blob.h
bench_msb_bench_cert_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
bench_msb_bench_cert_LDADD = monitor/libmsbmonitor.a host/libmsbhost.la lib/libmsbcore.la $(LIBCRYPTO_LIBS)

EXTRA_DIST += bench/pylib/figures.py bench/pylib/peers.py bench/pylib/report.py \
	bench/pylib/util.py bench/results

bench: $(bin_PROGRAMS) $(pkglibexec_PROGRAMS) $(pkglibexec_SCRIPTS)
	MSB_BUILDDIR="$(abs_top_builddir)" MSB_SRCDIR="$(abs_top_srcdir)" \
	  $(srcdir)/bench/run $(BENCH_ARGS)
.PHONY: bench
