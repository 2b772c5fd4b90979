# libFuzzer target for the JSON parser QMP uses on what QEMU sends.
fuzz_json_sources = \
	$(srcdir)/regress/fuzz/fuzz_json.c \
	$(srcdir)/vmctl/qmp/json.c \
	$(srcdir)/lib/buf.c
EXTRA_DIST += regress/fuzz/fuzz_json.c
CLEANFILES += regress/fuzz/fuzz_json

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_json
regress/fuzz/fuzz_json: $(fuzz_json_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/vmctl/qmp/json.h \
    $(srcdir)/lib/buf.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_json_sources)
endif
