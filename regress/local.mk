# Tests: regress/run runs every unit program and integration script and
# prints the closing "N passed, N failed, N skipped" line.
dist_noinst_SCRIPTS += regress/run regress/lib.sh regress/leftovers.sh regress/stage-libmsb.sh
EXTRA_DIST += regress/sftp_check.py
EXTRA_DIST += regress/integration

check-local: $(check_PROGRAMS) $(bin_PROGRAMS) $(pkglibexec_PROGRAMS)
	MSB_BUILDDIR="$(abs_top_builddir)" MSB_SRCDIR="$(abs_top_srcdir)" \
	  $(SHELL) $(srcdir)/regress/run $(MSB_TESTS)

# Builds what regress/run needs without running it.
check-programs: $(check_PROGRAMS)
.PHONY: check-programs

clean-local:
	rm -rf regress/logs regress/fuzz/crashes

# Every test fragment is included from here, so Makefile.am names one.
# fuzz/local.mk starts FUZZ_TARGETS, which the other fuzz fragments extend.
include %reldir%/api/local.mk
include %reldir%/unit/local.mk
include %reldir%/unit/monitor.mk
include %reldir%/unit/net.mk
include %reldir%/unit/preauth.mk
include %reldir%/unit/qmp.mk
include %reldir%/unit/session.mk
include %reldir%/unit/sftp.mk
include %reldir%/unit/ssh.mk
include %reldir%/unit/vmm.mk
include %reldir%/unit/vsock.mk
include %reldir%/fuzz/local.mk
include %reldir%/fuzz/qmp.mk
include %reldir%/fuzz/session.mk
include %reldir%/fuzz/sftp.mk
include %reldir%/fuzz/ssh.mk
include %reldir%/fuzz/vmm.mk
include %reldir%/fuzz/vsock.mk
