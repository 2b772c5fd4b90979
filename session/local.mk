# The session worker: one per authenticated connection (see session/session.h).
pkglibexec_PROGRAMS += msb-session
msb_session_SOURCES = \
	session/session.h \
	session/session_main.c \
	session/session_setup.c \
	session/session_loop.c \
	session/mux_link.c \
	session/audit.c \
	session/chan.c \
	session/chan_agent.c \
	session/chan_relay.c \
	session/policy.c \
	session/session_seccomp.c \
	session/record.c \
	lib/seccomp_table.c lib/seccomp_table.h
msb_session_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
msb_session_LDADD = lib/libmsbcore.la $(LIBSECCOMP_LIBS)
