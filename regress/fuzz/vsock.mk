# libFuzzer targets for the vhost-user-vsock backend (FUZZ_TARGETS, FUZZ_CFLAGS
# and `make fuzz` are regress/fuzz/local.mk's).
fuzz_vsock_lib_sources = \
	$(srcdir)/vmctl/vsock/vsock_dev.c $(srcdir)/vmctl/vsock/vsock_conn.c \
	$(srcdir)/vmctl/vsock/vsock_host.c $(srcdir)/lib/hybrid_vsock.c \
	$(srcdir)/vmctl/vsock/virtq.c $(srcdir)/vmctl/vsock/guest_mem.c \
	$(srcdir)/vmctl/vsock/vsock_pkt.c $(srcdir)/vmctl/vsock/vu_msg.c \
	$(srcdir)/vmctl/vsock/vu_server.c $(srcdir)/lib/log.c $(srcdir)/lib/clock.c

EXTRA_DIST += regress/fuzz/fuzz_vsock_queue.c regress/fuzz/fuzz_vsock_vu.c
CLEANFILES += regress/fuzz/fuzz_vsock_queue regress/fuzz/fuzz_vsock_vu

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_vsock_queue regress/fuzz/fuzz_vsock_vu
regress/fuzz/fuzz_vsock_queue: $(srcdir)/regress/fuzz/fuzz_vsock_queue.c $(fuzz_vsock_lib_sources) config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(srcdir)/regress/fuzz/fuzz_vsock_queue.c $(fuzz_vsock_lib_sources)
regress/fuzz/fuzz_vsock_vu: $(srcdir)/regress/fuzz/fuzz_vsock_vu.c $(fuzz_vsock_lib_sources) config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(srcdir)/regress/fuzz/fuzz_vsock_vu.c $(fuzz_vsock_lib_sources)
fuzz: $(FUZZ_TARGETS)
endif
