# libFuzzer targets for the SSH server's wire formats (mux, monitor RPC).
fuzz_mux_proto_sources = \
	$(srcdir)/regress/fuzz/fuzz_mux_proto.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/frame.c \
	$(srcdir)/lib/mux_proto.c
fuzz_monitor_proto_sources = \
	$(srcdir)/regress/fuzz/fuzz_monitor_proto.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/frame.c \
	$(srcdir)/lib/monitor_proto.c
EXTRA_DIST += regress/fuzz/fuzz_mux_proto.c regress/fuzz/fuzz_monitor_proto.c
CLEANFILES += regress/fuzz/fuzz_mux_proto regress/fuzz/fuzz_monitor_proto

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_mux_proto regress/fuzz/fuzz_monitor_proto
regress/fuzz/fuzz_mux_proto: $(fuzz_mux_proto_sources) $(srcdir)/lib/buf.h \
    $(srcdir)/lib/frame.h $(srcdir)/lib/mux_proto.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_mux_proto_sources)
regress/fuzz/fuzz_monitor_proto: $(fuzz_monitor_proto_sources) $(srcdir)/lib/buf.h \
    $(srcdir)/lib/frame.h $(srcdir)/lib/monitor_proto.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_monitor_proto_sources)
endif
