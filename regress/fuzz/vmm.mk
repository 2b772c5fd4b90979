# libFuzzer target for the jailed vmm's reports to its keeper.
fuzz_vmm_report_sources = \
	$(srcdir)/regress/fuzz/fuzz_vmm_report.c \
	$(srcdir)/vmctl/jail/vmm_report.c
EXTRA_DIST += regress/fuzz/fuzz_vmm_report.c
CLEANFILES += regress/fuzz/fuzz_vmm_report

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_vmm_report
regress/fuzz/fuzz_vmm_report: $(fuzz_vmm_report_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/vmctl/jail/vmm_report.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_vmm_report_sources)
endif
