# Tests: regress/run runs every unit program and integration script and
# prints the closing "N passed, N failed, N skipped" line.
dist_noinst_SCRIPTS += regress/run regress/lib.sh regress/leftovers.sh regress/stage-libmsb.sh
EXTRA_DIST += regress/integration

check-local: $(check_PROGRAMS) $(bin_PROGRAMS) $(pkglibexec_PROGRAMS)
	MSB_BUILDDIR="$(abs_top_builddir)" MSB_SRCDIR="$(abs_top_srcdir)" \
	  $(SHELL) $(srcdir)/regress/run $(MSB_TESTS)

# Builds what regress/run needs without running it.
check-programs: $(check_PROGRAMS)
.PHONY: check-programs

clean-local:
	rm -rf regress/logs regress/fuzz/crashes
