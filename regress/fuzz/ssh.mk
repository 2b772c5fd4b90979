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
regress/fuzz/fuzz_mux_proto: $(fuzz_mux_proto_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/lib/buf.h \
    $(srcdir)/regress/proto_same.h $(srcdir)/lib/frame.h $(srcdir)/lib/mux_proto.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_mux_proto_sources)
regress/fuzz/fuzz_monitor_proto: $(fuzz_monitor_proto_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/lib/buf.h \
    $(srcdir)/regress/proto_same.h $(srcdir)/lib/frame.h $(srcdir)/lib/monitor_proto.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_monitor_proto_sources)
endif

# OpenSSH certificates: the codec, the CA signature check and the policy
# (monitor/cert_*), with libcrypto as the monitor links it.
fuzz_ssh_cert_sources = \
	$(srcdir)/regress/fuzz/fuzz_ssh_cert.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/log.c \
	$(srcdir)/lib/ssh_cert.c \
	$(srcdir)/monitor/cert_policy.c \
	$(srcdir)/monitor/cert_verify.c \
	$(srcdir)/host/from_match.c
EXTRA_DIST += regress/fuzz/fuzz_ssh_cert.c regress/fuzz/make-ssh-cert-seeds.sh
CLEANFILES += regress/fuzz/fuzz_ssh_cert

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_ssh_cert
regress/fuzz/fuzz_ssh_cert: $(fuzz_ssh_cert_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/lib/buf.h $(srcdir)/lib/ssh_cert.h \
    $(srcdir)/monitor/cert_policy.h $(srcdir)/monitor/cert_verify.h \
    $(srcdir)/host/from_match.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) $(LIBCRYPTO_CFLAGS) -o $@ \
	    $(fuzz_ssh_cert_sources) $(LIBCRYPTO_LIBS)
endif

# Session recordings: the asciicast encoder (lib/cast.c).
fuzz_cast_sources = \
	$(srcdir)/regress/fuzz/fuzz_cast.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/cast.c
EXTRA_DIST += regress/fuzz/fuzz_cast.c
CLEANFILES += regress/fuzz/fuzz_cast

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_cast
regress/fuzz/fuzz_cast: $(fuzz_cast_sources) $(srcdir)/regress/fuzz/oracle.h $(srcdir)/lib/buf.h $(srcdir)/lib/cast.h config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(fuzz_cast_sources)
endif

# The monitor's state machine: its dispatch table and the handlers it names,
# run over socketpairs (the harness supplies the process effects). What
# the handlers call beyond the monitor (vmctl's sandbox paths, lib/) links
# as the programs do.
fuzz_monitor_auth_sources = \
	$(srcdir)/regress/fuzz/fuzz_monitor_auth.c \
	$(srcdir)/regress/mon_fixture.c \
	$(srcdir)/monitor/mon_dispatch.c \
	$(srcdir)/monitor/mon_auth.c \
	$(srcdir)/monitor/mon_worker.c \
	$(srcdir)/monitor/mon_io.c \
	$(srcdir)/monitor/audit.c \
	$(srcdir)/host/authkeys.c \
	$(srcdir)/monitor/tenant_keys.c \
	$(srcdir)/monitor/tenant_cert.c \
	$(srcdir)/monitor/cert_auth.c \
	$(srcdir)/monitor/cert_policy.c \
	$(srcdir)/monitor/cert_verify.c \
	$(srcdir)/host/from_match.c \
	$(srcdir)/monitor/login_route.c \
	$(srcdir)/monitor/recorder.c \
	$(srcdir)/monitor/record_file.c \
	$(srcdir)/host/sandbox.c \
	$(srcdir)/host/msb_home.c
EXTRA_DIST += regress/fuzz/fuzz_monitor_auth.c regress/mon_fixture.c regress/mon_fixture.h
CLEANFILES += regress/fuzz/fuzz_monitor_auth

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_monitor_auth
regress/fuzz/fuzz_monitor_auth: $(fuzz_monitor_auth_sources) $(srcdir)/monitor/mon_conn.h \
    $(srcdir)/regress/mon_fixture.h $(srcdir)/regress/fuzz/input_split.h \
    vmctl/libmsbvmctl.a lib/libmsbcore.la config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) \
	    $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS) -o $@ $(fuzz_monitor_auth_sources) \
	    vmctl/libmsbvmctl.a $(FUZZ_CORE) $(LIBSSH_LIBS) $(LIBCRYPTO_LIBS)
endif

# The network child's channel relay fed by a hostile session worker: the
# state machine (preauth/channels.c) and its end of the mux over a
# socketpair; the harness defines the relay's effects on the SSH connection
# (preauth/chan_ssh.h) over a model client, so libssh is not linked.
fuzz_preauth_mux_sources = \
	$(srcdir)/regress/fuzz/fuzz_preauth_mux.c \
	$(srcdir)/preauth/channels.c \
	$(srcdir)/preauth/mux_link.c \
	$(srcdir)/lib/buf.c \
	$(srcdir)/lib/frame.c \
	$(srcdir)/lib/mux_proto.c
EXTRA_DIST += regress/fuzz/fuzz_preauth_mux.c regress/fuzz/input_split.h
CLEANFILES += regress/fuzz/fuzz_preauth_mux

if HAVE_FUZZ_CC
FUZZ_TARGETS += regress/fuzz/fuzz_preauth_mux
regress/fuzz/fuzz_preauth_mux: $(fuzz_preauth_mux_sources) $(srcdir)/preauth/channels.h \
    $(srcdir)/preauth/chan_ssh.h $(srcdir)/preauth/mux_link.h $(srcdir)/lib/mux_proto.h \
    $(srcdir)/regress/fuzz/input_split.h lib/libmsbcore.la config.h
	@$(MKDIR_P) regress/fuzz
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) $(LIBSSH_CFLAGS) -o $@ \
	    $(fuzz_preauth_mux_sources) $(FUZZ_CORE)
endif
