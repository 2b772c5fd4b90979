# The session worker's state machines: its poll loop, mux dispatch, channels,
# agent dial and relay, over socketpairs with the monitor, the network child
# and the agent played by regress/session_fixture.c (shared with the unit
# test test_session_mux). The codecs and lib/ link as the worker links them.
fuzz_session_mux_sources = \
	$(srcdir)/regress/fuzz/fuzz_session_mux.c \
	$(srcdir)/regress/session_fixture.c \
	$(srcdir)/session/session_setup.c \
	$(srcdir)/session/session_loop.c \
	$(srcdir)/session/mux_link.c \
	$(srcdir)/session/audit.c \
	$(srcdir)/session/chan.c \
	$(srcdir)/session/chan_agent.c \
	$(srcdir)/session/chan_relay.c \
	$(srcdir)/session/policy.c \
	$(srcdir)/session/record.c
EXTRA_DIST += regress/fuzz/fuzz_session_mux.c regress/session_fixture.c regress/session_fixture.h
CLEANFILES += regress/fuzz/fuzz_session_mux

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_session_mux
regress/fuzz/fuzz_session_mux: $(fuzz_session_mux_sources) $(srcdir)/session/session.h \
    $(srcdir)/regress/session_fixture.h $(srcdir)/regress/fuzz/input_split.h \
    lib/libmsbcore.la config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ \
	    $(fuzz_session_mux_sources) $(FUZZ_CORE)
endif
