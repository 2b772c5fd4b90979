# msb-preauth: the network child (libssh server side, sandboxed).
noinst_LIBRARIES += preauth/libmsbpreauth.a
preauth_libmsbpreauth_a_SOURCES = preauth/sandbox.c preauth/sandbox.h \
	lib/seccomp_table.c lib/seccomp_table.h
preauth_libmsbpreauth_a_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS) $(LIBCAP_CFLAGS)

pkglibexec_PROGRAMS += msb-preauth
msb_preauth_SOURCES = \
	preauth/main.c \
	preauth/serve.c preauth/serve.h \
	preauth/auth.c preauth/auth.h \
	preauth/channels.c preauth/channels.h \
	preauth/chan_ssh.c preauth/chan_ssh.h \
	preauth/mux_link.c preauth/mux_link.h \
	preauth/monitor_rpc.c preauth/monitor_rpc.h \
	preauth/msg_fields.c preauth/msg_fields.h
msb_preauth_CFLAGS = $(AM_CFLAGS) $(LIBSSH_CFLAGS)
msb_preauth_LDADD = preauth/libmsbpreauth.a lib/libmsbcore.la \
	$(LIBSSH_LIBS) $(LIBSECCOMP_LIBS) $(LIBCAP_LIBS)
