# libFuzzer targets. They need clang's -fsanitize=fuzzer, so they are built
# by a rule of their own with $(FUZZ_CC), only by `make fuzz`, never by
# `make check`; regress/fuzz/run-fuzz.sh runs one for a bounded time.
# Another fragment adds a target by appending it to FUZZ_TARGETS and giving
# it a rule like the one below.
FUZZ_TARGETS =
FUZZ_CFLAGS = $(WARN_CFLAGS) -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$(top_builddir) -I$(top_srcdir) -include config.h
# lib/'s core as the programs link it: libtool keeps the archive of the
# convenience library lib/libmsbcore.la under lib/.libs/.
FUZZ_CORE = lib/.libs/libmsbcore.a

fuzz_agent_proto_sources = \
	$(srcdir)/regress/fuzz/fuzz_agent_proto.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/frame.c \
	$(srcdir)/lib/agent_proto.c

EXTRA_DIST += regress/fuzz/fuzz_agent_proto.c regress/fuzz/oracle.h regress/fuzz/corpus
dist_noinst_SCRIPTS += regress/fuzz/run-fuzz.sh
CLEANFILES += regress/fuzz/fuzz_agent_proto

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_agent_proto
regress/fuzz/fuzz_agent_proto: $(fuzz_agent_proto_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/lib/buf.h \
    $(srcdir)/lib/agent_proto.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_agent_proto_sources)

fuzz: $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz needs clang: install it and rerun configure (or set FUZZ_CC)" >&2
	@exit 1
endif
.PHONY: fuzz
