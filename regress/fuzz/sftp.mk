# libFuzzer target for the SFTP request decoder (include from regress/local.mk).
# Built with clang outside automake's compiler rules: `make fuzz-sftp`, then
# run e.g. ./regress/fuzz/fuzz_sftp_proto -max_total_time=60.
FUZZ_SFTP_FILES = \
	$(srcdir)/regress/fuzz/fuzz_sftp_proto.c \
	$(srcdir)/guest/sftp/sftp_proto.c \
	$(srcdir)/guest/sftp/sftp_reply.c \
	$(srcdir)/lib/buf.c
EXTRA_DIST += regress/fuzz/fuzz_sftp_proto.c
CLEANFILES += regress/fuzz/fuzz_sftp_proto

if HAVE_FUZZ_CC
regress/fuzz/fuzz_sftp_proto: $(FUZZ_SFTP_FILES) config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined \
	  -I$(top_builddir) $(AM_CPPFLAGS) -o $@ $(FUZZ_SFTP_FILES)
fuzz-sftp: regress/fuzz/fuzz_sftp_proto
else
fuzz-sftp:
	@echo "fuzz-sftp: configure found no clang (apt-get install clang)"; exit 1
endif
.PHONY: fuzz-sftp
