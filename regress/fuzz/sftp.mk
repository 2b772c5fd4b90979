# libFuzzer target for the SFTP request decoder and reply encoder.
fuzz_sftp_proto_sources = \
	$(srcdir)/regress/fuzz/fuzz_sftp_proto.c \
	$(srcdir)/guest/sftp/sftp_proto.c \
	$(srcdir)/guest/sftp/sftp_reply.c \
	$(srcdir)/lib/buf.c
EXTRA_DIST += regress/fuzz/fuzz_sftp_proto.c
CLEANFILES += regress/fuzz/fuzz_sftp_proto

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_sftp_proto
regress/fuzz/fuzz_sftp_proto: $(fuzz_sftp_proto_sources) config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_sftp_proto_sources)
endif
