# The guest agent: PID 1 in the microVM, or a plain process on the host for tests.
pkglibexec_PROGRAMS += msb-agent
msb_agent_SOURCES = \
	guest/agent_main.c \
	guest/agent.h \
	guest/agent_conn.c \
	guest/agent_peer.c guest/agent_peer.h \
	guest/exec.c \
	guest/tcp_connect.c \
	guest/guest_user.c guest/guest_user.h
msb_agent_LDADD = guest/sftp/libmsbsftp.a guest/init/libmsbinit.a lib/libmsbcore.la
if STATIC_AGENT
msb_agent_LDFLAGS = -all-static $(AM_LDFLAGS)
# glibc's linker warns about getaddrinfo in a static program: it loads the
# NSS modules at run time. The agent resolves names for -L/-D/-W inside the
# guest, whose image carries the same glibc's modules. Said before the link,
# so that the warning is not read as a failed build.
msb_agent_LINK = echo "  NOTE     the static msb-agent's getaddrinfo warning is expected: the guest image ships glibc's NSS modules" && \
	$(LIBTOOL) $(AM_V_lt) --tag=CC $(AM_LIBTOOLFLAGS) $(LIBTOOLFLAGS) --mode=link $(CCLD) \
	$(AM_CFLAGS) $(CFLAGS) $(msb_agent_LDFLAGS) $(LDFLAGS) -o $@
else
# Defined in one branch, the link command must be in both: automake leaves
# an empty one otherwise, and make runs the first object as the command.
msb_agent_LINK = $(LINK)
endif
